//! aws_vpc: a virtual private cloud, its DNS settings and the defaults AWS makes with it.

use super::describe::{self, find, find_where, wait_ready};
use super::shared::{
    after_create, changed, created_by_token, ec2_arn, filter, prior_ids, required, state_tags,
    tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, NetworkAcl, ResourceType as Ec2Resource, RouteTable, SecurityGroup,
    Tenancy, Vpc as AwsVpc, VpcAttributeName, VpcCidrBlockStateCode, VpcIpv6CidrBlockAssociation,
    VpcState, VpcTenancy,
};
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        // Terraform makes this Optional+Computed for IPAM pools, which recon does not
        // support: without a pool a CIDR block is needed.
        Attribute::required("cidr_block", Type::String)
            .cidr()
            .force_new(),
        Attribute::optional("instance_tenancy", Type::String).default(Default::Str("default")),
        Attribute::optional("enable_dns_support", Type::Bool).default(Default::Bool(true)),
        Attribute::optional("enable_dns_hostnames", Type::Bool).default(Default::Bool(false)),
        Attribute::computed("default_security_group_id", Type::String),
        Attribute::computed("default_route_table_id", Type::String),
        Attribute::computed("main_route_table_id", Type::String),
        Attribute::computed("default_network_acl_id", Type::String),
        Attribute::computed("dhcp_options_id", Type::String),
        Attribute::computed("owner_id", Type::String),
        // An IPv6 /56 from Amazon's pool (IPAM pools are not supported).
        Attribute::optional("assign_generated_ipv6_cidr_block", Type::Bool)
            .default(Default::Bool(false)),
        Attribute::computed("ipv6_cidr_block", Type::String),
        Attribute::computed("ipv6_association_id", Type::String),
        TAGS,
    ],
    blocks: &[],
};

/// DescribeVpcAttribute answers one attribute of one VPC per call.
const ATTRIBUTE_CONCURRENCY: usize = 8;

client_type!(Vpc: ec2, once, region);

#[async_trait]
impl ResourceType for Vpc {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "vpc", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .create_vpc()
            .cidr_block(required(planned, "cidr_block")?)
            .instance_tenancy(Tenancy::from(
                planned.str("instance_tenancy").unwrap_or("default"),
            ))
            .tag_specifications(tag_specification(Ec2Resource::Vpc, planned, meta))
            .set_amazon_provided_ipv6_cidr_block(
                planned
                    .bool("assign_generated_ipv6_cidr_block")
                    .filter(|&assign| assign),
            )
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(out.vpc().and_then(|v| v.vpc_id()), "CreateVpc", "VPC id")?;
        let partial = object! {"id" => id.clone()};

        let ipv6 = planned.bool("assign_generated_ipv6_cidr_block") == Some(true);
        // The IPv6 block is associated a moment after the VPC is available.
        let available = |v: &AwsVpc| {
            v.state() == Some(&VpcState::Available) && (!ipv6 || ipv6_block(v).is_some())
        };
        wait_ready(&self.client, &id, "to become available", available)
            .await
            .map_err(|e| e.with_partial(partial.clone()))?;
        // New VPCs have DNS support on and hostnames off; change only what differs.
        let support = planned.bool("enable_dns_support").unwrap_or(true);
        let hostnames = planned.bool("enable_dns_hostnames").unwrap_or(false);
        after_create(partial, async {
            if !support {
                modify_dns(&self.client, &id, VpcAttributeName::EnableDnsSupport, false).await?;
            }
            if hostnames {
                modify_dns(
                    &self.client,
                    &id,
                    VpcAttributeName::EnableDnsHostnames,
                    true,
                )
                .await?;
            }
            self.read_back(&id).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let states = self.read_ids(&ids).await?;
        Ok(priors
            .iter()
            .map(|p| p.str("id").and_then(|id| states.get(id).cloned()))
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if changed(prior, planned, "instance_tenancy") {
            // AWS only allows moving from dedicated to default; it says so if asked otherwise.
            self.client
                .modify_vpc_tenancy()
                .vpc_id(id)
                .instance_tenancy(VpcTenancy::from(
                    planned.str("instance_tenancy").unwrap_or("default"),
                ))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        // Hostnames need DNS support: turn support on first and off last.
        let support = changed(prior, planned, "enable_dns_support")
            .then(|| planned.bool("enable_dns_support").unwrap_or(true));
        let hostnames = changed(prior, planned, "enable_dns_hostnames")
            .then(|| planned.bool("enable_dns_hostnames").unwrap_or(false));
        if support == Some(true) {
            modify_dns(&self.client, id, VpcAttributeName::EnableDnsSupport, true).await?;
        }
        if let Some(value) = hostnames {
            modify_dns(
                &self.client,
                id,
                VpcAttributeName::EnableDnsHostnames,
                value,
            )
            .await?;
        }
        if support == Some(false) {
            modify_dns(&self.client, id, VpcAttributeName::EnableDnsSupport, false).await?;
        }
        if changed(prior, planned, "assign_generated_ipv6_cidr_block") {
            self.change_ipv6(id, prior, planned).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        self.read_back(id).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        describe::delete::<AwsVpc, _, _, _>(&self.client, id, &["DependencyViolation"], || async {
            let call = self.client.delete_vpc().vpc_id(id);
            call.send().await.map_err(sdk_error)
        })
        .await
    }
}

impl Vpc {
    /// Associates an Amazon-provided IPv6 block, or disassociates the one there is,
    /// and waits until AWS has done it.
    async fn change_ipv6(&self, id: &str, prior: &Object, planned: &Object) -> Result<()> {
        let assign = planned.bool("assign_generated_ipv6_cidr_block") == Some(true);
        if assign {
            self.client
                .associate_vpc_cidr_block()
                .vpc_id(id)
                .amazon_provided_ipv6_cidr_block(true)
                .send()
                .await
                .map_err(sdk_error)?;
        } else if let Some(association) = prior.str("ipv6_association_id") {
            self.client
                .disassociate_vpc_cidr_block()
                .association_id(association)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        let done = |v: &AwsVpc| ipv6_block(v).is_some() == assign;
        wait_ready(&self.client, id, "to change its IPv6 block", done).await?;
        Ok(())
    }

    /// Unlike other EC2 types, a VPC's state takes more calls than its describe.
    async fn read_back(&self, id: &str) -> Result<Object> {
        self.read_ids(&[id.to_string()])
            .await?
            .remove(id)
            .ok_or_else(|| ProviderError::new(format!("VPC {id} disappeared while being read")))
    }

    /// Full states of the VPCs that exist, by id.
    pub(super) async fn read_ids(&self, ids: &[String]) -> Result<HashMap<String, Object>> {
        let vpcs = find::<AwsVpc>(&self.client, ids).await?;
        if vpcs.is_empty() {
            return Ok(HashMap::new());
        }
        let found: Vec<String> = vpcs.keys().cloned().collect();
        let (main_tables, default_groups, default_acls, dns) = tokio::try_join!(
            find_main_route_tables(&self.client, &found),
            find_default_security_groups(&self.client, &found),
            find_default_network_acls(&self.client, &found),
            find_dns_attributes(&self.client, &found),
        )?;
        let mut states = HashMap::new();
        for (id, vpc) in vpcs {
            // A VPC deleted between the calls is simply gone.
            let Some(&(support, hostnames)) = dns.get(&id) else {
                continue;
            };
            let owner = vpc.owner_id().unwrap_or_default();
            let main_table = Value::from(main_tables.get(&id).cloned());
            let ipv6 = ipv6_block(&vpc);
            let state = object! {
                "id" => id.clone(),
                "arn" => ec2_arn(&self.region, owner, &format!("vpc/{id}")),
                "cidr_block" => vpc.cidr_block().map(str::to_string),
                "instance_tenancy" => vpc.instance_tenancy().map(|t| t.as_str().to_string()),
                "enable_dns_support" => support,
                "enable_dns_hostnames" => hostnames,
                "default_security_group_id" => default_groups.get(&id).cloned(),
                "default_route_table_id" => main_table.clone(),
                "main_route_table_id" => main_table,
                "default_network_acl_id" => default_acls.get(&id).cloned(),
                "dhcp_options_id" => vpc.dhcp_options_id().map(str::to_string),
                "owner_id" => vpc.owner_id().map(str::to_string),
                "assign_generated_ipv6_cidr_block" => ipv6.is_some(),
                "ipv6_cidr_block" => ipv6.and_then(|b| b.ipv6_cidr_block()).map(str::to_string),
                "ipv6_association_id" => ipv6.and_then(|b| b.association_id()).map(str::to_string),
                "tags" => state_tags(vpc.tags()),
            };
            states.insert(id, state);
        }
        Ok(states)
    }
}

/// The VPC's associated IPv6 block (one a VPC gets from Amazon's pool, or none).
fn ipv6_block(vpc: &AwsVpc) -> Option<&VpcIpv6CidrBlockAssociation> {
    vpc.ipv6_cidr_block_association_set().iter().find(|b| {
        b.ipv6_cidr_block_state().and_then(|s| s.state())
            == Some(&VpcCidrBlockStateCode::Associated)
    })
}

async fn modify_dns(
    client: &aws_sdk_ec2::Client,
    id: &str,
    attribute: VpcAttributeName,
    value: bool,
) -> Result<()> {
    // ModifyVpcAttribute takes exactly one attribute per call.
    let flag = AttributeBooleanValue::builder().value(value).build();
    let call = client.modify_vpc_attribute().vpc_id(id);
    let call = match attribute {
        VpcAttributeName::EnableDnsHostnames => call.enable_dns_hostnames(flag),
        _ => call.enable_dns_support(flag),
    };
    call.send().await.map_err(sdk_error)?;
    Ok(())
}

/// VPC id -> (enableDnsSupport, enableDnsHostnames).
async fn find_dns_attributes(
    client: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<HashMap<String, (bool, bool)>> {
    let results: Vec<Option<(String, (bool, bool))>> = futures::stream::iter(ids.iter().cloned())
        .map(|id| async move {
            let support = vpc_attribute(client, &id, VpcAttributeName::EnableDnsSupport);
            let hostnames = vpc_attribute(client, &id, VpcAttributeName::EnableDnsHostnames);
            let found = none_if_gone(tokio::try_join!(support, hostnames))?;
            Ok(found.map(|pair| (id, pair)))
        })
        .buffer_unordered(ATTRIBUTE_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(results.into_iter().flatten().collect())
}

async fn vpc_attribute(
    client: &aws_sdk_ec2::Client,
    id: &str,
    attribute: VpcAttributeName,
) -> Result<bool> {
    let out = client
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(attribute.clone())
        .send()
        .await
        .map_err(sdk_error)?;
    let value = match attribute {
        VpcAttributeName::EnableDnsHostnames => out.enable_dns_hostnames(),
        _ => out.enable_dns_support(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}

/// VPC id -> its main route table.
async fn find_main_route_tables(
    client: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<HashMap<String, String>> {
    let main = filter("association.main", &["true".to_string()]);
    let tables = find_where::<RouteTable>(client, "vpc-id", ids, main).await?;
    Ok(by_vpc(&tables, |t| (t.vpc_id(), t.route_table_id())))
}

/// VPC id -> its security group named "default".
async fn find_default_security_groups(
    client: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<HashMap<String, String>> {
    let default = filter("group-name", &["default".to_string()]);
    let groups = find_where::<SecurityGroup>(client, "vpc-id", ids, default).await?;
    Ok(by_vpc(&groups, |g| (g.vpc_id(), g.group_id())))
}

/// VPC id -> its default network ACL.
async fn find_default_network_acls(
    client: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<HashMap<String, String>> {
    let default = filter("default", &["true".to_string()]);
    let acls = find_where::<NetworkAcl>(client, "vpc-id", ids, default).await?;
    Ok(by_vpc(&acls, |a| (a.vpc_id(), a.network_acl_id())))
}

/// VPC id -> id of the item, from (VPC id, item id) pairs.
fn by_vpc<T>(
    items: &[T],
    ids: impl Fn(&T) -> (Option<&str>, Option<&str>),
) -> HashMap<String, String> {
    items
        .iter()
        .filter_map(|item| match ids(item) {
            (Some(vpc), Some(id)) => Some((vpc.to_string(), id.to_string())),
            _ => None,
        })
        .collect()
}
