//! data aws_subnets (the ids of the subnets that match) and data aws_subnet (the one
//! subnet that matches), by filters, tags and, for one subnet, its own arguments.

use super::describe::Described;
use super::lookup::{all_tags, exactly_one, tag_and_block_filters, FILTER};
use super::shared::filter;
use crate::aws::prelude::*;
use crate::provider::DataSource;
use aws_sdk_ec2::types::{Filter, Subnet as AwsSubnet};

pub static SUBNETS: Schema = Schema {
    type_name: "aws_subnets",
    attributes: &[
        Attribute::computed("id", Type::String),
        Attribute::optional("tags", Type::Map(&Type::String)),
        Attribute::computed("ids", Type::List(&Type::String)),
    ],
    blocks: &[FILTER],
};

pub static SUBNET: Schema = Schema {
    type_name: "aws_subnet",
    attributes: &[
        Attribute::optional_computed("id", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("vpc_id", Type::String),
        Attribute::optional_computed("cidr_block", Type::String),
        Attribute::optional_computed("availability_zone", Type::String),
        Attribute::optional_computed("availability_zone_id", Type::String),
        Attribute::optional_computed("default_for_az", Type::Bool),
        Attribute::optional_computed("state", Type::String),
        Attribute::computed("map_public_ip_on_launch", Type::Bool),
        Attribute::computed("owner_id", Type::String),
        Attribute::optional_computed("tags", Type::Map(&Type::String)),
    ],
    blocks: &[FILTER],
};

/// DescribeSubnets filters for the `filter` blocks, `tags`, and the arguments
/// named in `args` (argument, filter name).
fn filters(config: &Object, args: &[(&str, &str)]) -> Vec<Filter> {
    let mut out = Vec::new();
    for (arg, name) in args {
        match config.get(*arg) {
            Some(Value::String(s)) => out.push(filter(name, std::slice::from_ref(s))),
            Some(Value::Bool(b)) => out.push(filter(name, &[b.to_string()])),
            _ => {}
        }
    }
    out.extend(tag_and_block_filters(config));
    out
}

client_type!(Subnets: ec2, region);

#[async_trait]
impl DataSource for Subnets {
    fn schema(&self) -> &'static Schema {
        &SUBNETS
    }

    /// No match is an empty list, not an error (as Terraform).
    async fn read(&self, config: &Object) -> Result<Object> {
        let found = AwsSubnet::describe(&self.client, filters(config, &[])).await?;
        let mut ids: Vec<String> = found
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect();
        ids.sort();
        Ok(crate::object! {
            "id" => self.region.as_str(),
            "tags" => config.get("tags").cloned().unwrap_or(Value::Null),
            "ids" => ids,
            "filter" => config.get("filter").cloned().unwrap_or(Value::Null),
        })
    }
}

client_type!(SubnetData: ec2);

#[async_trait]
impl DataSource for SubnetData {
    fn schema(&self) -> &'static Schema {
        &SUBNET
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let args = [
            ("id", "subnet-id"),
            ("vpc_id", "vpc-id"),
            ("cidr_block", "cidr-block"),
            ("availability_zone", "availability-zone"),
            ("availability_zone_id", "availability-zone-id"),
            ("default_for_az", "default-for-az"),
            ("state", "state"),
        ];
        let found = AwsSubnet::describe(&self.client, filters(config, &args)).await?;
        let subnet = exactly_one(&found, "EC2 Subnet", AwsSubnet::subnet_id)?;
        let mut state = super::subnet::to_state(subnet);
        state.insert(
            "default_for_az".into(),
            Value::from(subnet.default_for_az() == Some(true)),
        );
        state.insert(
            "state".into(),
            Value::from(subnet.state().map(|s| s.as_str().to_string())),
        );
        state.insert("tags".into(), all_tags(subnet.tags()));
        state.insert(
            "filter".into(),
            config.get("filter").cloned().unwrap_or(Value::Null),
        );
        Ok(state)
    }
}
