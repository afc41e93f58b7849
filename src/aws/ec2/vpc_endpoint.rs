//! aws_vpc_endpoint: private access from a VPC to an AWS service, through its
//! route tables (Gateway: S3, DynamoDB) or network interfaces in its subnets
//! (Interface).

use super::shared::{
    after_create, by_id, created_among, ec2_arn, opt_str, partial_state, required, state_tags,
    states_by_id_with, tag_specification, update_tags, STATE_TIMEOUT,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use crate::value::json_equal;
use aws_sdk_ec2::types::{
    PrefixList, ResourceType as Ec2Resource, VpcEndpoint as AwsEndpoint, VpcEndpointType,
};
use futures::future::BoxFuture;
use std::collections::{BTreeSet, HashMap};

/// The code of an endpoint id that does not exist.
const GONE: &str = "InvalidVpcEndpointId.NotFound";

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc_endpoint",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        // Accepted with the request; AWS does not report it back.
        Attribute::optional("auto_accept", Type::Bool),
        Attribute::computed("cidr_blocks", Type::List(&Type::String)),
        Attribute::computed("dns_entry", Type::List(&Type::Map(&Type::String))),
        Attribute::optional_computed("ip_address_type", Type::String),
        Attribute::computed("network_interface_ids", Type::Set(&Type::String)),
        Attribute::computed("owner_id", Type::String),
        // AWS gives an endpoint a full-access policy when none is set.
        Attribute::optional_computed("policy", Type::Json),
        Attribute::computed("prefix_list_id", Type::String),
        Attribute::optional_computed("private_dns_enabled", Type::Bool),
        Attribute::computed("requester_managed", Type::Bool),
        Attribute::optional_computed("route_table_ids", Type::Set(&Type::String)),
        Attribute::optional_computed("security_group_ids", Type::Set(&Type::String)),
        Attribute::required("service_name", Type::String).force_new(),
        Attribute::computed("state", Type::String),
        Attribute::optional_computed("subnet_ids", Type::Set(&Type::String)),
        TAGS,
        Attribute::optional("vpc_endpoint_type", Type::String)
            .default(Default::Str("Gateway"))
            .force_new(),
        Attribute::required("vpc_id", Type::String).force_new(),
    ],
    blocks: &[],
};

client_type!(VpcEndpoint: ec2, once, region);

#[async_trait]
impl ResourceType for VpcEndpoint {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// By the create's token among the region's endpoints.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let all = async { Ok(self.all().await?.into_values()) };
        let state = |e| async move {
            let lists = self.prefix_lists([&e]).await?;
            Ok(self.to_state(&e, planned, &lists))
        };
        created_among(meta, all, AwsEndpoint::tags, state).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let kind = planned.str("vpc_endpoint_type").unwrap_or("Gateway");
        let policy = planned.str("policy").map(str::to_string);
        let out = self
            .once
            .create_vpc_endpoint()
            .vpc_id(required(planned, "vpc_id")?)
            .service_name(required(planned, "service_name")?)
            .vpc_endpoint_type(VpcEndpointType::from(kind))
            .set_policy_document(policy)
            .set_route_table_ids(ids(planned, "route_table_ids"))
            .set_subnet_ids(ids(planned, "subnet_ids"))
            .set_security_group_ids(ids(planned, "security_group_ids"))
            .set_private_dns_enabled(planned.bool("private_dns_enabled"))
            .set_ip_address_type(planned.str("ip_address_type").map(Into::into))
            .tag_specifications(tag_specification(Ec2Resource::VpcEndpoint, planned, meta))
            // AWS makes one endpoint per token, however often the call is sent.
            .set_client_token(meta.token.clone())
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(
            out.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()),
            "CreateVpcEndpoint",
            "endpoint id",
        )?;
        let partial = partial_state(planned, &id);
        after_create(partial, self.wait_available(&id, planned)).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let endpoints = self.all().await?;
        // One listing of prefix lists for every Gateway endpoint read.
        let lists = &self.prefix_lists(endpoints.values()).await?;
        let state = |e, p| -> BoxFuture<'_, Result<Object>> {
            Box::pin(async move { Ok(self.to_state(e, p, lists)) })
        };
        states_by_id_with(priors, &endpoints, state).await
    }

    /// Route tables, subnets, security groups, the policy and private DNS change
    /// in place (one ModifyVpcEndpoint); tags by their own calls.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let (add_rt, remove_rt) = set_change(prior, planned, "route_table_ids");
        let (add_sn, remove_sn) = set_change(prior, planned, "subnet_ids");
        let (add_sg, remove_sg) = set_change(prior, planned, "security_group_ids");
        let policy = match (prior.str("policy"), planned.str("policy")) {
            (Some(old), Some(new)) if json_equal(old, new) => None,
            (_, new) => new,
        };
        let dns = planned
            .bool("private_dns_enabled")
            .filter(|v| prior.bool("private_dns_enabled") != Some(*v));
        let changes = [
            &add_rt, &remove_rt, &add_sn, &remove_sn, &add_sg, &remove_sg,
        ];
        if changes.iter().any(|c| c.is_some()) || policy.is_some() || dns.is_some() {
            self.client
                .modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_add_route_table_ids(add_rt)
                .set_remove_route_table_ids(remove_rt)
                .set_add_subnet_ids(add_sn)
                .set_remove_subnet_ids(remove_sn)
                .set_add_security_group_ids(add_sg)
                .set_remove_security_group_ids(remove_sg)
                .set_policy_document(policy.map(str::to_string))
                .set_private_dns_enabled(dns)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        self.wait_available(id, planned).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        // A deleted endpoint stays listed a while, and deleting it again fails.
        if !self.all().await?.contains_key(id) {
            return Ok(());
        }
        let out = self
            .client
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .map_err(sdk_error);
        match out {
            // Only the endpoint's own absence: a missing route it should have is a failure.
            Err(e) if e.code.as_deref() == Some(GONE) => return Ok(()),
            Err(e) => return Err(e),
            // AWS answers a failed delete inside a success.
            Ok(out) => {
                if let Some(item) = out.unsuccessful().first() {
                    let error = item.error();
                    let code = error.and_then(|e| e.code()).unwrap_or("DeleteFailed");
                    if code != GONE {
                        let message = error.and_then(|e| e.message()).unwrap_or("no reason given");
                        return Err(ProviderError::with_code(
                            code,
                            format!("VPC endpoint {id} was not deleted: {message}"),
                        ));
                    }
                }
            }
        }
        let what = format!("VPC endpoint {id} to be deleted");
        wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
            Ok((!self.all().await?.contains_key(id)).then_some(()))
        })
        .await
    }
}

impl VpcEndpoint {
    /// Every live endpoint of the region, by id. Listed whole: endpoints are few,
    /// and a list of ids fails on one that no longer exists.
    async fn all(&self) -> Result<HashMap<String, AwsEndpoint>> {
        let endpoints: Vec<AwsEndpoint> = all_items!(self.client.describe_vpc_endpoints())?;
        let mut endpoints = by_id(endpoints, AwsEndpoint::vpc_endpoint_id);
        // Deleted endpoints stay listed for a while.
        endpoints.retain(|_, e| !matches!(state_of(e).as_str(), "deleted" | "deleting" | "failed"));
        Ok(endpoints)
    }

    /// The endpoint's state once AWS has it available (or waiting for the
    /// service owner's acceptance, which recon cannot give).
    async fn wait_available(&self, id: &str, local: &Object) -> Result<Object> {
        let what = format!("VPC endpoint {id} to become available");
        let endpoint = wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
            let endpoint = self.all().await?.remove(id);
            Ok(endpoint
                .filter(|e| matches!(state_of(e).as_str(), "available" | "pendingacceptance")))
        })
        .await?;
        let lists = self.prefix_lists([&endpoint]).await?;
        Ok(self.to_state(&endpoint, local, &lists))
    }

    /// The region's AWS-managed prefix lists (what security group rules name to
    /// reach a Gateway endpoint's service) by name, when any of `endpoints` is a
    /// Gateway endpoint: one call, however many endpoints are read.
    async fn prefix_lists<'a>(
        &self,
        endpoints: impl IntoIterator<Item = &'a AwsEndpoint>,
    ) -> Result<PrefixLists> {
        let is_gateway = |e: &AwsEndpoint| e.vpc_endpoint_type() == Some(&VpcEndpointType::Gateway);
        if !endpoints.into_iter().any(is_gateway) {
            return Ok(PrefixLists::new());
        }
        let lists: Vec<PrefixList> = all_items!(self.client.describe_prefix_lists())?;
        Ok(lists
            .into_iter()
            .filter_map(|p| {
                let name = p.prefix_list_name()?.to_string();
                Some((name, (p.prefix_list_id()?.to_string(), p.cidrs().to_vec())))
            })
            .collect())
    }

    fn to_state(&self, endpoint: &AwsEndpoint, local: &Object, lists: &PrefixLists) -> Object {
        let id = endpoint.vpc_endpoint_id().unwrap_or_default();
        let owner = endpoint.owner_id().unwrap_or_default();
        let policy = match (local.str("policy"), endpoint.policy_document()) {
            (Some(known), Some(actual)) if json_equal(known, actual) => opt_str(Some(known)),
            (_, actual) => opt_str(actual),
        };
        let dns: Vec<Value> = endpoint
            .dns_entries()
            .iter()
            .map(|d| {
                Value::Object(object! {
                    "dns_name" => opt_str(d.dns_name()),
                    "hosted_zone_id" => opt_str(d.hosted_zone_id()),
                })
            })
            .collect();
        let gateway = endpoint.vpc_endpoint_type() == Some(&VpcEndpointType::Gateway);
        let list = endpoint
            .service_name()
            .and_then(|s| lists.get(s))
            .filter(|_| gateway);
        let (prefix_list, cidrs) = match list {
            Some((id, cidrs)) => (Some(id.clone()), cidrs.clone()),
            None => (None, Vec::new()),
        };
        let groups = endpoint.groups().iter().filter_map(|g| g.group_id());
        object! {
            "id" => id,
            "arn" => ec2_arn(&self.region, owner, &format!("vpc-endpoint/{id}")),
            "auto_accept" => local.bool("auto_accept"),
            "cidr_blocks" => Value::List(cidrs.into_iter().map(Value::from).collect()),
            "dns_entry" => Value::List(dns),
            "ip_address_type" => endpoint.ip_address_type().map(|t| t.as_str().to_string()),
            "network_interface_ids" => string_set(endpoint.network_interface_ids()),
            "owner_id" => opt_str(endpoint.owner_id()),
            "policy" => policy,
            "prefix_list_id" => prefix_list,
            "private_dns_enabled" => endpoint.private_dns_enabled().unwrap_or(false),
            "requester_managed" => endpoint.requester_managed().unwrap_or(false),
            "route_table_ids" => string_set(endpoint.route_table_ids()),
            "security_group_ids" => string_set(groups),
            "service_name" => opt_str(endpoint.service_name()),
            "state" => state_of(endpoint),
            "subnet_ids" => string_set(endpoint.subnet_ids()),
            "tags" => state_tags(endpoint.tags()),
            "vpc_endpoint_type" => endpoint
                .vpc_endpoint_type()
                .map(|t| t.as_str())
                .unwrap_or("Gateway"),
            "vpc_id" => opt_str(endpoint.vpc_id()),
        }
    }
}

/// AWS-managed prefix lists by name: their id and CIDR blocks.
type PrefixLists = HashMap<String, (String, Vec<String>)>;

/// The endpoint's state in lower case: AWS documents "Available", answers
/// "available".
fn state_of(endpoint: &AwsEndpoint) -> String {
    let state = endpoint.state().map(|s| s.as_str()).unwrap_or_default();
    state.to_ascii_lowercase()
}

/// The strings of a set attribute, for a request; None when it has none.
fn ids(planned: &Object, attr: &str) -> Option<Vec<String>> {
    let ids = planned.strings(attr);
    (!ids.is_empty()).then_some(ids)
}

/// What to add and what to remove to take set `attr` from prior to planned; an
/// unknown or unset planned value leaves it as it is.
fn set_change(
    prior: &Object,
    planned: &Object,
    attr: &str,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    if !matches!(planned.get(attr), Some(Value::List(_))) {
        return (None, None);
    }
    let old: BTreeSet<String> = prior.strings(attr).into_iter().collect();
    let new: BTreeSet<String> = planned.strings(attr).into_iter().collect();
    let add: Vec<String> = new.difference(&old).cloned().collect();
    let remove: Vec<String> = old.difference(&new).cloned().collect();
    (
        (!add.is_empty()).then_some(add),
        (!remove.is_empty()).then_some(remove),
    )
}

fn string_set<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Value {
    let mut items: Vec<String> = items.into_iter().map(|s| s.as_ref().to_string()).collect();
    items.sort();
    Value::List(items.into_iter().map(Value::from).collect())
}
