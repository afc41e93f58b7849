//! aws_route_table: a VPC route table with its inline routes.

use super::describe::{self, find, find_one, read_back, wait_ready};
use super::routes::{
    delete_route, managed_routes, put_route, same_target, target_values, Destination,
};
use super::shared::{
    after_create, created_by_token, ec2_arn, opt_str, prior_ids, required, state_tags,
    states_by_id, tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Nesting};
use aws_sdk_ec2::types::{ResourceType as Ec2Resource, RouteTable as AwsRouteTable};

const ROUTE_ATTRIBUTES: &[Attribute] = &[
    Attribute::optional("cidr_block", Type::String).cidr(),
    Attribute::optional("ipv6_cidr_block", Type::String).cidr(),
    Attribute::optional("gateway_id", Type::String),
    Attribute::optional("nat_gateway_id", Type::String),
    Attribute::optional("network_interface_id", Type::String),
    Attribute::optional("transit_gateway_id", Type::String),
    Attribute::optional("vpc_peering_connection_id", Type::String),
    Attribute::optional("egress_only_gateway_id", Type::String),
];

pub static SCHEMA: Schema = Schema {
    type_name: "aws_route_table",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("vpc_id", Type::String).force_new(),
        Attribute::computed("owner_id", Type::String),
        TAGS,
    ],
    blocks: &[
        // Terraform's "attributes as blocks": left out, the routes that exist are kept
        // (and may be managed by aws_route instead); `route = []` removes them all.
        BlockType::new("route", Nesting::Set, ROUTE_ATTRIBUTES)
            .computed_when_absent()
            .attribute_syntax(),
    ],
};

client_type!(RouteTable: ec2, once, region);

#[async_trait]
impl ResourceType for RouteTable {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "route-table", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .create_route_table()
            .vpc_id(required(planned, "vpc_id")?)
            .tag_specifications(tag_specification(Ec2Resource::RouteTable, planned, meta))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(
            out.route_table().and_then(|t| t.route_table_id()),
            "CreateRouteTable",
            "route table id",
        )?;
        after_create(object! {"id" => id.clone()}, async {
            let table =
                wait_ready::<AwsRouteTable>(&self.client, &id, "to exist", |_| true).await?;
            if let Some(Value::List(routes)) = planned.get("route") {
                self.sync_routes(&table, routes).await?;
            }
            read_back(&self.client, &id, |t| self.to_state(t)).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let tables = find::<AwsRouteTable>(&self.client, &ids).await?;
        Ok(states_by_id(priors, &tables, |t| self.to_state(t)))
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if let Some(Value::List(routes)) = planned.get("route") {
            // The routes as they are now, not as the prior state remembers them.
            let table = find_one::<AwsRouteTable>(&self.client, id)
                .await?
                .ok_or_else(|| {
                    ProviderError::with_code(
                        "InvalidRouteTableID.NotFound",
                        format!("route table {id} does not exist"),
                    )
                })?;
            self.sync_routes(&table, routes).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_back(&self.client, id, |t| self.to_state(t)).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        // A table with subnets associated cannot go; Terraform disassociates them too.
        if let Some(table) = find_one::<AwsRouteTable>(&self.client, id).await? {
            for association in table.associations() {
                let Some(association_id) = association.route_table_association_id() else {
                    continue;
                };
                if association.main() == Some(true) {
                    continue;
                }
                let call = self.client.disassociate_route_table();
                let call = call.association_id(association_id);
                gone_ok(call.send().await.map_err(sdk_error))?;
            }
        }
        let codes = &["DependencyViolation"];
        describe::delete::<AwsRouteTable, _, _, _>(&self.client, id, codes, || async {
            let call = self.client.delete_route_table().route_table_id(id);
            call.send().await.map_err(sdk_error)
        })
        .await
    }
}

impl RouteTable {
    /// Deletes the routes `blocks` drop, creates those they add and points the
    /// routes whose target changed to the new one.
    async fn sync_routes(&self, table: &AwsRouteTable, blocks: &[Value]) -> Result<()> {
        let id = table.route_table_id().unwrap_or_default();
        let mut desired: BTreeMap<Destination, &Object> = BTreeMap::new();
        for block in blocks {
            let route = block
                .as_object()
                .ok_or_else(|| ProviderError::new("route must hold blocks"))?;
            let destination = Destination::from_object(route, "cidr_block", "ipv6_cidr_block")
                .ok_or_else(|| {
                    ProviderError::new(format!(
                        "a route of {id} has neither cidr_block nor ipv6_cidr_block"
                    ))
                })?;
            desired.insert(destination, route);
        }
        let actual: BTreeMap<Destination, _> = managed_routes(table).collect();
        // Delete first, so that a destination can move between blocks.
        for destination in actual.keys().filter(|d| !desired.contains_key(*d)) {
            delete_route(&self.client, id, destination).await?;
        }
        for (destination, wanted) in &desired {
            match actual.get(destination) {
                None => put_route(&self.client, id, destination, wanted, false).await?,
                Some(route) if !same_target(&target_values(route), wanted) => {
                    put_route(&self.client, id, destination, wanted, true).await?
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn to_state(&self, table: &AwsRouteTable) -> Object {
        let id = table.route_table_id().unwrap_or_default();
        let owner = table.owner_id().unwrap_or_default();
        let routes: Vec<Value> = managed_routes(table)
            .map(|(destination, route)| {
                let (v4, v6) = destination.state_values();
                let mut block = object! {"cidr_block" => v4, "ipv6_cidr_block" => v6};
                block.extend(target_values(route));
                Value::Object(block)
            })
            .collect();
        object! {
            "id" => id,
            "arn" => ec2_arn(&self.region, owner, &format!("route-table/{id}")),
            "vpc_id" => opt_str(table.vpc_id()),
            "owner_id" => opt_str(table.owner_id()),
            "route" => Value::List(routes),
            "tags" => state_tags(table.tags()),
        }
    }
}
