//! aws_subnet: an IPv4 subnet of a VPC in one availability zone.

use super::describe::{self, find, read_back, wait_ready};
use super::shared::{
    after_create, changed, created_by_token, opt_str, prior_ids, required, state_tags,
    states_by_id, tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, ResourceType as Ec2Resource, Subnet as AwsSubnet, SubnetState,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_subnet",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("vpc_id", Type::String).force_new(),
        // Optional+Computed in Terraform only for IPAM pools, which recon does not support.
        Attribute::required("cidr_block", Type::String)
            .cidr()
            .force_new(),
        Attribute::optional_computed("availability_zone", Type::String).force_new(),
        Attribute::optional_computed("availability_zone_id", Type::String).force_new(),
        Attribute::optional("map_public_ip_on_launch", Type::Bool).default(Default::Bool(false)),
        Attribute::computed("owner_id", Type::String),
        TAGS,
    ],
    blocks: &[],
};

client_type!(Subnet: ec2, once);

#[async_trait]
impl ResourceType for Subnet {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "subnet", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .create_subnet()
            .vpc_id(required(planned, "vpc_id")?)
            .cidr_block(required(planned, "cidr_block")?)
            .set_availability_zone(planned.str("availability_zone").map(str::to_string))
            .set_availability_zone_id(planned.str("availability_zone_id").map(str::to_string))
            .tag_specifications(tag_specification(Ec2Resource::Subnet, planned, meta))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(
            out.subnet().and_then(|s| s.subnet_id()),
            "CreateSubnet",
            "subnet id",
        )?;
        after_create(object! {"id" => id.clone()}, async {
            let available = |s: &AwsSubnet| s.state() == Some(&SubnetState::Available);
            wait_ready(&self.client, &id, "to become available", available).await?;
            if planned.bool("map_public_ip_on_launch") == Some(true) {
                set_map_public_ip(&self.client, &id, true).await?;
            }
            read_back(&self.client, &id, to_state).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let subnets = find::<AwsSubnet>(&self.client, &ids).await?;
        Ok(states_by_id(priors, &subnets, to_state))
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if changed(prior, planned, "map_public_ip_on_launch") {
            let value = planned.bool("map_public_ip_on_launch").unwrap_or(false);
            set_map_public_ip(&self.client, id, value).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_back(&self.client, id, to_state).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let codes = &["DependencyViolation"];
        describe::delete::<AwsSubnet, _, _, _>(&self.client, id, codes, || async {
            let call = self.client.delete_subnet().subnet_id(id);
            call.send().await.map_err(sdk_error)
        })
        .await
    }
}

async fn set_map_public_ip(client: &aws_sdk_ec2::Client, id: &str, value: bool) -> Result<()> {
    // ModifySubnetAttribute takes one attribute per call.
    client
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(value).build())
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}

pub(super) fn to_state(subnet: &AwsSubnet) -> Object {
    object! {
        "id" => opt_str(subnet.subnet_id()),
        "arn" => opt_str(subnet.subnet_arn()),
        "vpc_id" => opt_str(subnet.vpc_id()),
        "cidr_block" => opt_str(subnet.cidr_block()),
        "availability_zone" => opt_str(subnet.availability_zone()),
        "availability_zone_id" => opt_str(subnet.availability_zone_id()),
        "map_public_ip_on_launch" => subnet.map_public_ip_on_launch().unwrap_or(false),
        "owner_id" => opt_str(subnet.owner_id()),
        "tags" => state_tags(subnet.tags()),
    }
}
