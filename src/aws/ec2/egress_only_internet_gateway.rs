//! aws_egress_only_internet_gateway: outbound-only IPv6 access to the internet
//! for one VPC (IPv6's NAT, without the translation).

use super::shared::{
    after_create, by_id, created_among, opt_str, required, state_tags, states_by_id,
    tag_specification, update_tags,
};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::{EgressOnlyInternetGateway as AwsGateway, ResourceType as Ec2Resource};
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_egress_only_internet_gateway",
    attributes: &[
        ID,
        Attribute::required("vpc_id", Type::String).force_new(),
        TAGS,
    ],
    blocks: &[],
};

client_type!(EgressOnlyInternetGateway: ec2, once);

#[async_trait]
impl ResourceType for EgressOnlyInternetGateway {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// By the create's token among the account's gateways (few: one per VPC at most
    /// in practice; DescribeTags does not list this resource type everywhere).
    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        let all = async { Ok(self.all().await?.into_values()) };
        created_among(
            meta,
            all,
            AwsGateway::tags,
            |g| async move { Ok(to_state(&g)) },
        )
        .await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .create_egress_only_internet_gateway()
            .vpc_id(required(planned, "vpc_id")?)
            .tag_specifications(tag_specification(
                Ec2Resource::EgressOnlyInternetGateway,
                planned,
                meta,
            ))
            .send()
            .await
            .map_err(sdk_error)?;
        let gateway = out.egress_only_internet_gateway();
        let id = answered(
            gateway.and_then(|g| g.egress_only_internet_gateway_id()),
            "CreateEgressOnlyInternetGateway",
            "gateway id",
        )?;
        after_create(object! {"id" => id.clone()}, self.read_back(&id)).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let gateways = self.all().await?;
        Ok(states_by_id(priors, &gateways, to_state))
    }

    /// Only tags change in place.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        update_tags(&self.client, id, prior, planned).await?;
        self.read_back(id).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let call = self
            .client
            .delete_egress_only_internet_gateway()
            .egress_only_internet_gateway_id(id);
        gone_ok(call.send().await.map_err(sdk_error))
    }
}

impl EgressOnlyInternetGateway {
    /// Every egress-only gateway of the region, by id. Listed whole: the call has
    /// no id filter, and a list of ids fails on one that no longer exists.
    async fn all(&self) -> Result<HashMap<String, AwsGateway>> {
        let gateways: Vec<AwsGateway> =
            all_items!(self.client.describe_egress_only_internet_gateways())?;
        Ok(by_id(gateways, AwsGateway::egress_only_internet_gateway_id))
    }

    /// The new gateway's state, once the describe call lists it.
    async fn read_back(&self, id: &str) -> Result<Object> {
        wait_until(
            format!("the egress-only internet gateway {id} to exist"),
            Pace::backoff(super::shared::STATE_TIMEOUT),
            || async { Ok(self.all().await?.get(id).map(to_state)) },
        )
        .await
    }
}

fn to_state(gateway: &AwsGateway) -> Object {
    let vpc = gateway
        .attachments()
        .iter()
        .find_map(|a| a.vpc_id())
        .filter(|v| !v.is_empty());
    object! {
        "id" => opt_str(gateway.egress_only_internet_gateway_id()),
        "vpc_id" => opt_str(vpc),
        "tags" => state_tags(gateway.tags()),
    }
}
