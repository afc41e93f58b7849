//! What the route types share (aws_route_table's inline routes, aws_route,
//! aws_route_table_association): finding route tables, a route's destination and
//! target as state values, and the calls that create, replace and delete a route.

use super::describe::find;
use super::shared::opt_str;
use crate::aws::error::gone_ok;
use crate::aws::sdk_error;
use crate::provider::{ProviderError, ProviderResult};
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_ec2::types::{Route, RouteOrigin, RouteTable};
use std::collections::HashMap;

/// The targets a route may have, by their Terraform names (exactly one is set).
pub(super) const TARGETS: [&str; 6] = [
    "gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "egress_only_gateway_id",
];

/// Where a route leads from: an IPv4 or an IPv6 CIDR block.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Destination {
    V4(String),
    V6(String),
}

impl Destination {
    /// The destination configured under these attribute names, if one is.
    pub(super) fn from_object(o: &Object, v4: &str, v6: &str) -> Option<Destination> {
        match (o.str(v4), o.str(v6)) {
            (Some(cidr), _) => Some(Destination::V4(cidr.to_string())),
            (None, Some(cidr)) => Some(Destination::V6(cidr.to_string())),
            (None, None) => None,
        }
    }

    /// Terraform's import syntax names a destination by its text alone.
    pub(super) fn parse(text: &str) -> Destination {
        if text.contains(':') {
            Destination::V6(text.to_string())
        } else {
            Destination::V4(text.to_string())
        }
    }

    fn of_route(route: &Route) -> Option<Destination> {
        let present = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        present(route.destination_cidr_block())
            .map(Destination::V4)
            .or_else(|| present(route.destination_ipv6_cidr_block()).map(Destination::V6))
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            Destination::V4(s) | Destination::V6(s) => s,
        }
    }

    /// (IPv4 value, IPv6 value) for the state's two destination attributes.
    pub(super) fn state_values(&self) -> (Value, Value) {
        match self {
            Destination::V4(s) => (Value::from(s.as_str()), Value::Null),
            Destination::V6(s) => (Value::Null, Value::from(s.as_str())),
        }
    }
}

/// The routes a configuration manages: not the VPC's local route, not routes a
/// virtual private gateway propagates (Terraform leaves both out too).
pub(super) fn managed_routes(table: &RouteTable) -> impl Iterator<Item = (Destination, &Route)> {
    table.routes().iter().filter_map(|route| {
        let local = route.origin() == Some(&RouteOrigin::CreateRouteTable)
            || route.gateway_id() == Some("local");
        let propagated = route.origin() == Some(&RouteOrigin::EnableVgwRoutePropagation);
        if local || propagated {
            return None;
        }
        Some((Destination::of_route(route)?, route))
    })
}

/// The route of `table` to `destination`, if it has one.
pub(super) fn route_to<'a>(table: &'a RouteTable, destination: &Destination) -> Option<&'a Route> {
    managed_routes(table)
        .find(|(d, _)| d == destination)
        .map(|(_, r)| r)
}

/// The target attributes of a route as state values (Null for those not set).
pub(super) fn target_values(route: &Route) -> Object {
    crate::object! {
        "gateway_id" => opt_str(route.gateway_id()),
        "nat_gateway_id" => opt_str(route.nat_gateway_id()),
        "network_interface_id" => opt_str(route.network_interface_id()),
        "transit_gateway_id" => opt_str(route.transit_gateway_id()),
        "vpc_peering_connection_id" => opt_str(route.vpc_peering_connection_id()),
        "egress_only_gateway_id" => opt_str(route.egress_only_internet_gateway_id()),
    }
}

/// True when the targets in `actual` (state values) are those `wanted` configures.
pub(super) fn same_target(actual: &Object, wanted: &Object) -> bool {
    TARGETS.iter().all(|t| match wanted.get(*t) {
        // An unset target that AWS fills in (an instance's interface) is no difference.
        None | Some(Value::Null | Value::Unknown) => true,
        Some(v) => actual.get(*t) == Some(v),
    })
}

/// The configured target as (attribute, id), for error messages.
fn target_text(targets: &Object) -> String {
    TARGETS
        .iter()
        .find_map(|t| targets.str(t).map(|id| format!("{t} {id}")))
        .unwrap_or_else(|| "no target".to_string())
}

/// The route tables the `route_table_id`s of `priors` name, by id: one describe
/// for the routes or associations of a batch.
pub(super) async fn tables_of(
    client: &aws_sdk_ec2::Client,
    priors: &[Object],
) -> ProviderResult<HashMap<String, RouteTable>> {
    let ids: Vec<String> = priors
        .iter()
        .filter_map(|p| p.str("route_table_id").map(str::to_string))
        .collect();
    find::<RouteTable>(client, &ids).await
}

/// Sets the destination and the configured targets on a CreateRoute or ReplaceRoute call.
macro_rules! with_route {
    ($call:expr, $destination:expr, $targets:expr) => {{
        let target = |k: &str| $targets.str(k).map(str::to_string);
        let call = match $destination {
            Destination::V4(cidr) => $call.destination_cidr_block(cidr),
            Destination::V6(cidr) => $call.destination_ipv6_cidr_block(cidr),
        };
        call.set_gateway_id(target("gateway_id"))
            .set_nat_gateway_id(target("nat_gateway_id"))
            .set_network_interface_id(target("network_interface_id"))
            .set_transit_gateway_id(target("transit_gateway_id"))
            .set_vpc_peering_connection_id(target("vpc_peering_connection_id"))
            .set_egress_only_internet_gateway_id(target("egress_only_gateway_id"))
    }};
}

/// Creates the route, or with `replace` points the existing one at the target
/// `targets` configure.
pub(super) async fn put_route(
    client: &aws_sdk_ec2::Client,
    table: &str,
    destination: &Destination,
    targets: &Object,
    replace: bool,
) -> ProviderResult<()> {
    let answer = if replace {
        let call = with_route!(client.replace_route(), destination, targets);
        call.route_table_id(table)
            .send()
            .await
            .map(drop)
            .map_err(sdk_error)
    } else {
        let call = with_route!(client.create_route(), destination, targets);
        call.route_table_id(table)
            .send()
            .await
            .map(drop)
            .map_err(sdk_error)
    };
    let doing = if replace { "replacing" } else { "creating" };
    answer.map_err(|e| route_error(e, doing, table, destination, targets))
}

/// Deletes the route; one already gone is success.
pub(super) async fn delete_route(
    client: &aws_sdk_ec2::Client,
    table: &str,
    destination: &Destination,
) -> ProviderResult<()> {
    let call = client.delete_route().route_table_id(table);
    let call = match destination {
        Destination::V4(cidr) => call.destination_cidr_block(cidr),
        Destination::V6(cidr) => call.destination_ipv6_cidr_block(cidr),
    };
    gone_ok(call.send().await.map_err(sdk_error))
}

/// Names the route in a failed call's message, keeping the service's code.
fn route_error(
    e: ProviderError,
    doing: &str,
    table: &str,
    destination: &Destination,
    targets: &Object,
) -> ProviderError {
    ProviderError {
        message: format!(
            "{doing} the route {} -> {} in {table}: {}",
            destination.as_str(),
            target_text(targets),
            e.message
        ),
        ..e
    }
}
