//! aws_route: one route of a route table, managed apart from the table.

use super::reread::{wait_found, wait_unfound};
use super::routes::{
    delete_route, put_route, route_to, same_target, tables_of, target_values, Destination, TARGETS,
};
use super::shared::{after_create, changed, crc32, opt_str, required, STATE_TIMEOUT};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::Route as AwsRoute;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_route",
    attributes: &[
        ID,
        Attribute::required("route_table_id", Type::String).force_new(),
        Attribute::optional("destination_cidr_block", Type::String)
            .cidr()
            .force_new(),
        Attribute::optional("destination_ipv6_cidr_block", Type::String)
            .cidr()
            .force_new(),
        // Targets change in place (ReplaceRoute).
        Attribute::optional("gateway_id", Type::String),
        Attribute::optional("nat_gateway_id", Type::String),
        Attribute::optional("network_interface_id", Type::String),
        Attribute::optional("transit_gateway_id", Type::String),
        Attribute::optional("vpc_peering_connection_id", Type::String),
        Attribute::optional("egress_only_gateway_id", Type::String),
        Attribute::computed("instance_id", Type::String),
        Attribute::computed("instance_owner_id", Type::String),
        Attribute::computed("origin", Type::String),
        Attribute::computed("state", Type::String),
    ],
    blocks: &[],
};

const V4: &str = "destination_cidr_block";
const V6: &str = "destination_ipv6_cidr_block";

client_type!(Route: ec2);

#[async_trait]
impl ResourceType for Route {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// A table holds one route per destination: the route there is ours when it
    /// leads where the plan says.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let (table, destination) = key(planned)?;
        let found = read_single(self, planned).await?;
        let import_id = || format!("{table}_{}", destination.as_str());
        Ok(Created::if_same(
            found,
            |f| same_target(f, planned),
            import_id,
        ))
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (table, destination) = key(planned)?;
        put_route(&self.client, table, &destination, planned, false).await?;
        let partial = object! {"id" => route_id(table, &destination)};
        let what = format!("the route {} in {table} to exist", destination.as_str());
        after_create(partial, wait_found(self, planned, what)).await
    }

    /// One DescribeRouteTables for all the routes of the batch.
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let tables = tables_of(&self.client, priors).await?;
        Ok(priors
            .iter()
            .map(|prior| {
                let (table_id, destination) = key(prior).ok()?;
                let route = route_to(tables.get(table_id)?, &destination)?;
                Some(to_state(table_id, &destination, route))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (table, destination) = key(prior)?;
        if TARGETS.iter().any(|t| changed(prior, planned, t)) {
            put_route(&self.client, table, &destination, planned, true).await?;
        }
        wait_until(
            &format!("the route {} in {table} to change", destination.as_str()),
            Pace::backoff(STATE_TIMEOUT),
            || async {
                Ok(read_single(self, prior)
                    .await?
                    .filter(|found| same_target(found, planned)))
            },
        )
        .await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let (table, destination) = key(prior)?;
        delete_route(&self.client, table, &destination).await?;
        let what = format!(
            "the route {} in {table} to be deleted",
            destination.as_str()
        );
        wait_unfound(self, prior, what).await
    }

    fn import_stub(&self, id: &str) -> Object {
        // Terraform's import format: ROUTETABLEID_DESTINATION.
        match id.split_once('_') {
            Some((table, destination)) if !table.is_empty() && !destination.is_empty() => {
                let destination = Destination::parse(destination);
                let (v4, v6) = destination.state_values();
                object! {
                    "id" => route_id(table, &destination),
                    "route_table_id" => table,
                    V4 => v4,
                    V6 => v6,
                }
            }
            _ => object! {"id" => id},
        }
    }
}

/// The route table and destination that identify a route.
fn key(o: &Object) -> Result<(&str, Destination)> {
    let table = required(o, "route_table_id")?;
    let destination = Destination::from_object(o, V4, V6)
        .ok_or_else(|| ProviderError::new(format!("a route of {table} needs {V4} or {V6}")))?;
    Ok((table, destination))
}

/// Terraform's id: "r-", the table id and the CRC-32 of the destination, so that
/// state moved from Terraform keeps the same id.
fn route_id(table: &str, destination: &Destination) -> String {
    format!("r-{table}{}", crc32(destination.as_str().as_bytes()))
}

fn to_state(table: &str, destination: &Destination, route: &AwsRoute) -> Object {
    let (v4, v6) = destination.state_values();
    let mut state = object! {
        "id" => route_id(table, destination),
        "route_table_id" => table,
        V4 => v4,
        V6 => v6,
        "instance_id" => opt_str(route.instance_id()),
        "instance_owner_id" => opt_str(route.instance_owner_id()),
        "origin" => route.origin().map(|o| o.as_str().to_string()),
        "state" => route.state().map(|s| s.as_str().to_string()),
    };
    state.extend(target_values(route));
    state
}
