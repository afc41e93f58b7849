//! The EC2 find / wait / read-back family: every EC2 type lists its objects with
//! one describe call filtered by id, keys them by id, waits for a new one to
//! reach a state, and reads one back after a change. A type says which describe
//! call and which id ([`Described`], mostly through [`described!`]); the
//! functions here do the rest.

use super::shared::{by_id, delete_and_wait, describe_by_filter, STATE_TIMEOUT};
use crate::aws::sdk_error;
use crate::aws::shared::all_items;
use crate::aws::wait::{wait_until, Pace};
use crate::provider::{ProviderError, ProviderResult};
use crate::value::Object;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    Address, Filter, InternetGateway, NatGateway, NetworkAcl, NetworkInterface, RouteTable,
    SecurityGroup, SecurityGroupRule, Subnet, Volume, Vpc,
};
use aws_sdk_ec2::Client;
use std::collections::HashMap;
use std::future::Future;

/// An EC2 object that a describe call lists by an id filter.
#[async_trait]
pub(super) trait Described: Sized + Send + Sync + 'static {
    /// What it is called in messages ("subnet").
    const NOUN: &'static str;
    /// The filter that names its id ("subnet-id"): unlike a list of ids, a filter
    /// does not fail the whole call when one id no longer exists.
    const ID_FILTER: &'static str;

    fn id(&self) -> Option<&str>;

    /// Every object the describe call returns for `filters` (all must match),
    /// all pages.
    async fn describe(client: &Client, filters: Vec<Filter>) -> ProviderResult<Vec<Self>>;
}

/// `Described` for an SDK type whose describe call pages through `items()`.
macro_rules! described {
    ($ty:ty, $noun:literal, $filter:literal, $id:ident, $call:ident) => {
        described!($ty, $noun, $filter, $id, $call, set_filters);
    };
    ($ty:ty, $noun:literal, $filter:literal, $id:ident, $call:ident, $set_filters:ident) => {
        #[async_trait]
        impl Described for $ty {
            const NOUN: &'static str = $noun;
            const ID_FILTER: &'static str = $filter;

            fn id(&self) -> Option<&str> {
                self.$id()
            }

            async fn describe(client: &Client, filters: Vec<Filter>) -> ProviderResult<Vec<Self>> {
                all_items!(client.$call().$set_filters(Some(filters)))
            }
        }
    };
}

described!(Subnet, "subnet", "subnet-id", subnet_id, describe_subnets);
described!(Vpc, "VPC", "vpc-id", vpc_id, describe_vpcs);
described!(
    SecurityGroup,
    "security group",
    "group-id",
    group_id,
    describe_security_groups
);
described!(
    Volume,
    "EBS volume",
    "volume-id",
    volume_id,
    describe_volumes
);
described!(
    InternetGateway,
    "internet gateway",
    "internet-gateway-id",
    internet_gateway_id,
    describe_internet_gateways
);
described!(
    RouteTable,
    "route table",
    "route-table-id",
    route_table_id,
    describe_route_tables
);
described!(
    NetworkAcl,
    "network ACL",
    "network-acl-id",
    network_acl_id,
    describe_network_acls
);
described!(
    SecurityGroupRule,
    "security group rule",
    "security-group-rule-id",
    security_group_rule_id,
    describe_security_group_rules
);
described!(
    NetworkInterface,
    "network interface",
    "network-interface-id",
    network_interface_id,
    describe_network_interfaces
);
// DescribeNatGateways names its filter list `Filter`.
described!(
    NatGateway,
    "NAT gateway",
    "nat-gateway-id",
    nat_gateway_id,
    describe_nat_gateways,
    set_filter
);

#[async_trait]
impl Described for Address {
    const NOUN: &'static str = "EIP";
    const ID_FILTER: &'static str = "allocation-id";

    fn id(&self) -> Option<&str> {
        self.allocation_id()
    }

    /// DescribeAddresses does not page.
    async fn describe(client: &Client, filters: Vec<Filter>) -> ProviderResult<Vec<Self>> {
        let out = client
            .describe_addresses()
            .set_filters(Some(filters))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.addresses().to_vec())
    }
}

/// The objects among `ids` that exist, by id (CHUNK ids per call).
pub(super) async fn find<T: Described>(
    client: &Client,
    ids: &[String],
) -> ProviderResult<HashMap<String, T>> {
    let found = describe_by_filter(T::ID_FILTER, ids, |f| T::describe(client, vec![f])).await?;
    Ok(by_id(found, T::id))
}

/// The objects whose `filter` is one of `values` and that `also` matches, in
/// no particular order (e.g. the main route tables of some VPCs).
pub(super) async fn find_where<T: Described>(
    client: &Client,
    filter: &str,
    values: &[String],
    also: Filter,
) -> ProviderResult<Vec<T>> {
    describe_by_filter(filter, values, |f| {
        T::describe(client, vec![f, also.clone()])
    })
    .await
}

/// The object `id`, when it exists.
pub(super) async fn find_one<T: Described>(client: &Client, id: &str) -> ProviderResult<Option<T>> {
    Ok(find::<T>(client, &[id.to_string()]).await?.remove(id))
}

/// Waits (up to STATE_TIMEOUT) until object `id` exists and `ready` accepts it;
/// `state` says what is waited for ("to become available").
pub(super) async fn wait_ready<T: Described>(
    client: &Client,
    id: &str,
    state: &str,
    ready: impl Fn(&T) -> bool + Send + Sync,
) -> ProviderResult<T> {
    let what = format!("{} {id} {state}", T::NOUN);
    wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
        Ok(find_one::<T>(client, id).await?.filter(|o| ready(o)))
    })
    .await
}

/// Object `id`, or an error saying it is gone ("subnet subnet-1 disappeared
/// while being read").
pub(super) async fn read_one<T: Described>(client: &Client, id: &str) -> ProviderResult<T> {
    find_one::<T>(client, id)
        .await?
        .ok_or_else(|| ProviderError::new(format!("{} {id} disappeared while being read", T::NOUN)))
}

/// The state of object `id` after a change, by `to_state`.
pub(super) async fn read_back<T: Described>(
    client: &Client,
    id: &str,
    to_state: impl Fn(&T) -> Object,
) -> ProviderResult<Object> {
    Ok(to_state(&read_one::<T>(client, id).await?))
}

/// Deletes object `id` with `call`, retried while AWS answers one of
/// `dependency_codes`, then waits until it is gone; already gone is success.
pub(super) async fn delete<T: Described, R, F, Fut>(
    client: &Client,
    id: &str,
    dependency_codes: &[&str],
    call: F,
) -> ProviderResult<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<R>>,
{
    let gone = || async { Ok(find_one::<T>(client, id).await?.is_none()) };
    delete_and_wait(&format!("{} {id}", T::NOUN), dependency_codes, call, gone).await
}
