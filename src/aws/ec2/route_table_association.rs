//! aws_route_table_association: makes a route table the one a subnet (or an edge
//! gateway) uses.

use super::reread::{wait_found, wait_unfound};
use super::routes::tables_of;
use super::shared::{after_create, changed, opt_str, required};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::{
    RouteTableAssociation as AwsAssociation, RouteTableAssociationStateCode as AssociationState,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_route_table_association",
    attributes: &[
        ID,
        Attribute::optional("subnet_id", Type::String).force_new(),
        Attribute::optional("gateway_id", Type::String).force_new(),
        // Changes in place: ReplaceRouteTableAssociation (which gives a new id).
        Attribute::required("route_table_id", Type::String),
    ],
    blocks: &[],
};

client_type!(RouteTableAssociation: ec2);

#[async_trait]
impl ResourceType for RouteTableAssociation {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// A subnet has one association per table at most: found there, it is ours.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let mut by_target = planned.clone();
        by_target.remove("id");
        Ok(Created::found_or_absent(
            read_single(self, &by_target).await?,
        ))
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let table = required(planned, "route_table_id")?;
        let target = Target::of(planned)?;
        let call = self.client.associate_route_table().route_table_id(table);
        let call = match &target {
            Target::Subnet(id) => call.subnet_id(id),
            Target::Gateway(id) => call.gateway_id(id),
        };
        let out = call.send().await.map_err(sdk_error)?;
        let id = answered(
            out.association_id(),
            "AssociateRouteTable",
            "association id",
        )?;
        after_create(
            object! {"id" => id.clone()},
            self.wait_associated(&id, table),
        )
        .await
    }

    /// One DescribeRouteTables for all the associations of the batch.
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let tables = tables_of(&self.client, priors).await?;
        Ok(priors
            .iter()
            .map(|prior| {
                let table = tables.get(prior.str("route_table_id")?)?;
                table
                    .associations()
                    .iter()
                    .find(|a| is_live(a) && matches(a, prior))
                    .map(to_state)
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if !changed(prior, planned, "route_table_id") {
            return Ok(prior.clone());
        }
        let table = required(planned, "route_table_id")?;
        let out = self
            .client
            .replace_route_table_association()
            .association_id(id)
            .route_table_id(table)
            .send()
            .await
            .map_err(sdk_error)?;
        let new_id = answered(
            out.new_association_id(),
            "ReplaceRouteTableAssociation",
            "association id",
        )?;
        self.wait_associated(&new_id, table).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let call = self.client.disassociate_route_table().association_id(id);
        if none_if_gone(call.send().await.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        let what = format!("route table association {id} to be removed");
        wait_unfound(self, prior, what).await
    }

    fn import_stub(&self, id: &str) -> Object {
        // Terraform's import format: SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID.
        match id.split_once('/') {
            Some((target, table)) if target.starts_with("igw-") || target.starts_with("vgw-") => {
                object! {"gateway_id" => target, "route_table_id" => table}
            }
            Some((target, table)) if !target.is_empty() && !table.is_empty() => {
                object! {"subnet_id" => target, "route_table_id" => table}
            }
            _ => object! {"id" => id},
        }
    }
}

impl RouteTableAssociation {
    async fn wait_associated(&self, id: &str, table: &str) -> Result<Object> {
        let wanted = object! {"id" => id, "route_table_id" => table};
        let what = format!("route table association {id} to be associated");
        wait_found(self, &wanted, what).await
    }
}

/// What a route table is associated with.
enum Target {
    Subnet(String),
    Gateway(String),
}

impl Target {
    fn of(o: &Object) -> Result<Target> {
        match (o.str("subnet_id"), o.str("gateway_id")) {
            (Some(subnet), None) => Ok(Target::Subnet(subnet.to_string())),
            (None, Some(gateway)) => Ok(Target::Gateway(gateway.to_string())),
            _ => Err(ProviderError::new(
                "exactly one of subnet_id and gateway_id must be set",
            )),
        }
    }
}

/// An explicit association that is (or is becoming) in force.
fn is_live(a: &AwsAssociation) -> bool {
    a.main() != Some(true)
        && !matches!(
            a.association_state().and_then(|s| s.state()),
            Some(AssociationState::Disassociating | AssociationState::Disassociated)
        )
}

/// True when `a` is the association `prior` names: by id, or (for an import or a
/// lost create, which have none) by what it associates.
fn matches(a: &AwsAssociation, prior: &Object) -> bool {
    match prior.str("id") {
        Some(id) => a.route_table_association_id() == Some(id),
        None => match Target::of(prior) {
            Ok(Target::Subnet(s)) => a.subnet_id() == Some(s.as_str()),
            Ok(Target::Gateway(g)) => a.gateway_id() == Some(g.as_str()),
            Err(_) => false,
        },
    }
}

fn to_state(a: &AwsAssociation) -> Object {
    object! {
        "id" => opt_str(a.route_table_association_id()),
        "subnet_id" => opt_str(a.subnet_id()),
        "gateway_id" => opt_str(a.gateway_id()),
        "route_table_id" => opt_str(a.route_table_id()),
    }
}
