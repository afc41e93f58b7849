//! aws_internet_gateway: a VPC's way to the internet, attached to at most one VPC.

use super::describe::{self, find, find_one, read_back, wait_ready};
use super::shared::{
    after_create, changed, created_by_token, ec2_arn, opt_str, prior_ids, state_tags, states_by_id,
    tag_specification, update_tags,
};
use crate::aws::prelude::*;
use aws_sdk_ec2::types::{
    AttachmentStatus, InternetGateway as AwsGateway, ResourceType as Ec2Resource,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_internet_gateway",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        // Changes in place: detached from the old VPC, attached to the new one.
        Attribute::optional("vpc_id", Type::String),
        Attribute::computed("owner_id", Type::String),
        TAGS,
    ],
    blocks: &[],
};

client_type!(InternetGateway: ec2, once, region);

#[async_trait]
impl ResourceType for InternetGateway {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "internet-gateway", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .create_internet_gateway()
            .tag_specifications(tag_specification(
                Ec2Resource::InternetGateway,
                planned,
                meta,
            ))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(
            out.internet_gateway().and_then(|g| g.internet_gateway_id()),
            "CreateInternetGateway",
            "gateway id",
        )?;
        after_create(object! {"id" => id.clone()}, async {
            wait_ready::<AwsGateway>(&self.client, &id, "to exist", |_| true).await?;
            if let Some(vpc) = planned.str("vpc_id") {
                self.attach(&id, vpc).await?;
            }
            read_back(&self.client, &id, |g| self.to_state(g)).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let gateways = find::<AwsGateway>(&self.client, &ids).await?;
        Ok(states_by_id(priors, &gateways, |g| self.to_state(g)))
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if changed(prior, planned, "vpc_id") {
            // The VPC it is attached to now, not the one state remembers.
            if let Some(old) = self.attached_vpc(id).await? {
                self.detach(id, &old).await?;
            }
            if let Some(new) = planned.str("vpc_id") {
                self.attach(id, new).await?;
            }
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_back(&self.client, id, |g| self.to_state(g)).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        // AWS refuses to detach while the VPC still has public addresses mapped (an
        // instance being terminated): detach and delete are retried together.
        describe::delete::<AwsGateway, _, _, _>(
            &self.client,
            id,
            &["DependencyViolation"],
            || async {
                if let Some(vpc) = self.attached_vpc(id).await? {
                    self.detach(id, &vpc).await?;
                }
                let call = self
                    .client
                    .delete_internet_gateway()
                    .internet_gateway_id(id);
                call.send().await.map_err(sdk_error)
            },
        )
        .await
    }
}

impl InternetGateway {
    async fn attached_vpc(&self, id: &str) -> Result<Option<String>> {
        let gateway = find_one::<AwsGateway>(&self.client, id).await?;
        Ok(gateway
            .as_ref()
            .and_then(attached_vpc_of)
            .map(str::to_string))
    }

    async fn attach(&self, id: &str, vpc: &str) -> Result<()> {
        self.client
            .attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(sdk_error)?;
        let attached = |g: &AwsGateway| attached_vpc_of(g) == Some(vpc);
        let state = format!("to be attached to {vpc}");
        wait_ready(&self.client, id, &state, attached).await?;
        Ok(())
    }

    async fn detach(&self, id: &str, vpc: &str) -> Result<()> {
        match self
            .client
            .detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(sdk_error)
        {
            // Detached meanwhile: what was asked for.
            Err(e) if e.code.as_deref() == Some("Gateway.NotAttached") || is_not_found(&e) => {
                Ok(())
            }
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    fn to_state(&self, gateway: &AwsGateway) -> Object {
        let id = gateway.internet_gateway_id().unwrap_or_default();
        let owner = gateway.owner_id().unwrap_or_default();
        object! {
            "id" => id,
            "arn" => ec2_arn(&self.region, owner, &format!("internet-gateway/{id}")),
            "vpc_id" => attached_vpc_of(gateway).map(str::to_string),
            "owner_id" => opt_str(gateway.owner_id()),
            "tags" => state_tags(gateway.tags()),
        }
    }
}

/// The VPC a gateway is attached to (or being attached to); none while detaching.
fn attached_vpc_of(gateway: &AwsGateway) -> Option<&str> {
    gateway
        .attachments()
        .iter()
        .find(|a| {
            !matches!(
                a.state(),
                Some(AttachmentStatus::Detaching | AttachmentStatus::Detached)
            )
        })
        .and_then(|a| a.vpc_id())
        .filter(|v| !v.is_empty())
}
