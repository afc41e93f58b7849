//! data aws_vpc: one VPC found by id, default flag, CIDR block, DHCP options,
//! state, tags and filters (all must match, and exactly one VPC must).

use super::lookup::{all_tags, exactly_one, tag_and_block_filters, FILTER};
use super::shared::filter;
use super::vpc::Vpc;
use crate::aws::prelude::*;
use crate::provider::{BlockType, DataSource, Nesting};
use aws_sdk_ec2::types::{Filter, Vpc as AwsVpc};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc",
    attributes: &[
        Attribute::optional_computed("id", Type::String),
        Attribute::optional_computed("default", Type::Bool),
        Attribute::optional_computed("cidr_block", Type::String),
        Attribute::optional_computed("dhcp_options_id", Type::String),
        Attribute::optional_computed("state", Type::String),
        Attribute::optional_computed("tags", Type::Map(&Type::String)),
        Attribute::computed("arn", Type::String),
        Attribute::computed("instance_tenancy", Type::String),
        Attribute::computed("enable_dns_support", Type::Bool),
        Attribute::computed("enable_dns_hostnames", Type::Bool),
        Attribute::computed("main_route_table_id", Type::String),
        Attribute::computed("owner_id", Type::String),
        Attribute::computed("ipv6_cidr_block", Type::String),
        Attribute::computed("ipv6_association_id", Type::String),
    ],
    blocks: &[
        FILTER,
        // Reported by AWS only: the primary and secondary IPv4 blocks.
        BlockType::new(
            "cidr_block_associations",
            Nesting::List,
            &[
                Attribute::computed("association_id", Type::String),
                Attribute::computed("cidr_block", Type::String),
                Attribute::computed("state", Type::String),
            ],
        )
        .computed_when_absent(),
    ],
};

pub struct VpcData {
    client: aws_sdk_ec2::Client,
    vpcs: Vpc,
}

impl VpcData {
    pub fn new(clients: &Clients) -> Self {
        VpcData {
            client: clients.ec2.clone(),
            vpcs: Vpc::new(clients),
        }
    }
}

#[async_trait]
impl DataSource for VpcData {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let mut found: Vec<AwsVpc> = Vec::new();
        let mut pages = self
            .client
            .describe_vpcs()
            .set_vpc_ids(config.str("id").map(|id| vec![id.to_string()]))
            .set_filters(Some(filters(config)).filter(|f| !f.is_empty()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page.map_err(sdk_error) {
                Ok(page) => found.extend(page.vpcs().iter().cloned()),
                // An id that does not exist is no match, not a failure of the call.
                Err(e) if e.code.as_deref() == Some("InvalidVpcID.NotFound") => break,
                Err(e) => return Err(e),
            }
        }
        let vpc = exactly_one(&found, "EC2 VPC", AwsVpc::vpc_id)?;
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        let mut state = self
            .vpcs
            .read_ids(std::slice::from_ref(&id))
            .await?
            .remove(&id)
            .ok_or_else(|| ProviderError::new(format!("VPC {id} disappeared while being read")))?;
        // The resource's view carries more than the data source has.
        state.retain(|k, _| SCHEMA.attribute(k).is_some());
        let associations: Vec<Value> = vpc
            .cidr_block_association_set()
            .iter()
            .map(|a| {
                Value::Object(crate::object! {
                    "association_id" => a.association_id().map(str::to_string),
                    "cidr_block" => a.cidr_block().map(str::to_string),
                    "state" => a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str().to_string()),
                })
            })
            .collect();
        state.insert(
            "default".into(),
            Value::from(vpc.is_default() == Some(true)),
        );
        state.insert(
            "state".into(),
            Value::from(vpc.state().map(|s| s.as_str().to_string())),
        );
        state.insert("cidr_block_associations".into(), Value::List(associations));
        state.insert("tags".into(), all_tags(vpc.tags()));
        state.insert(
            "filter".into(),
            config.get("filter").cloned().unwrap_or(Value::Null),
        );
        Ok(state)
    }
}

/// DescribeVpcs filters for every constraint the configuration sets besides the id.
fn filters(config: &Object) -> Vec<Filter> {
    let mut out = Vec::new();
    let mut one = |name: &str, value: String| out.push(filter(name, &[value]));
    if let Some(default) = config.bool("default") {
        one("is-default", default.to_string());
    }
    if let Some(cidr) = config.str("cidr_block") {
        one("cidr", cidr.to_string());
    }
    if let Some(dhcp) = config.str("dhcp_options_id") {
        one("dhcp-options-id", dhcp.to_string());
    }
    if let Some(state) = config.str("state") {
        one("state", state.to_string());
    }
    out.extend(tag_and_block_filters(config));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constraint_becomes_a_filter() {
        let config = crate::object! {
            "default" => false,
            "cidr_block" => "10.0.0.0/16",
            "tags" => Value::Object(crate::object! {"Name" => "main"}),
            "filter" => vec![Value::Object(crate::object! {"name" => "owner-id", "values" => vec!["123"]})],
        };
        let names: Vec<(String, Vec<String>)> = filters(&config)
            .iter()
            .map(|f| (f.name().unwrap().to_string(), f.values().to_vec()))
            .collect();
        let pair = |n: &str, v: &str| (n.to_string(), vec![v.to_string()]);
        assert_eq!(
            names,
            vec![
                pair("is-default", "false"),
                pair("cidr", "10.0.0.0/16"),
                pair("tag:Name", "main"),
                pair("owner-id", "123"),
            ]
        );
    }
}
