//! aws_nat_gateway: outbound IPv4 access for private subnets, through an Elastic
//! IP (public) or within the network (private).

use super::describe::{find, find_where};
use super::shared::{
    after_create, created_among, filter, opt_str, partial_state, prior_ids, required, state_tags,
    states_by_id, tag_specification, update_tags, STATE_TIMEOUT,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_ec2::types::{
    ConnectivityType, NatGateway as AwsNatGateway, NatGatewayState, ResourceType as Ec2Resource,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_nat_gateway",
    attributes: &[
        ID,
        Attribute::optional("allocation_id", Type::String).force_new(),
        Attribute::computed("association_id", Type::String),
        Attribute::optional("connectivity_type", Type::String)
            .default(Default::Str("public"))
            .force_new(),
        Attribute::computed("network_interface_id", Type::String),
        Attribute::optional_computed("private_ip", Type::String).force_new(),
        Attribute::computed("public_ip", Type::String),
        Attribute::required("subnet_id", Type::String).force_new(),
        TAGS,
    ],
    blocks: &[],
};

client_type!(NatGateway: ec2, once);

#[async_trait]
impl ResourceType for NatGateway {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// By the create's token among the live gateways of its subnet (few).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(subnet) = planned.str("subnet_id") else {
            return Ok(Created::Unknowable);
        };
        let live = filter("state", &["pending".into(), "available".into()]);
        let subnets = [subnet.to_string()];
        let listed = find_where::<AwsNatGateway>(&self.client, "subnet-id", &subnets, live);
        let state = |g| async move { self.wait_available(&gateway_id(&g)?).await };
        created_among(meta, listed, AwsNatGateway::tags, state).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let connectivity = planned.str("connectivity_type").unwrap_or("public");
        let out = self
            .once
            .create_nat_gateway()
            .subnet_id(required(planned, "subnet_id")?)
            .connectivity_type(ConnectivityType::from(connectivity))
            .set_allocation_id(planned.str("allocation_id").map(str::to_string))
            .set_private_ip_address(planned.str("private_ip").map(str::to_string))
            .tag_specifications(tag_specification(Ec2Resource::Natgateway, planned, meta))
            // AWS makes one gateway per token, however often the call is sent.
            .set_client_token(meta.token.clone())
            .send()
            .await
            .map_err(sdk_error)?;
        let id = out
            .nat_gateway()
            .map(gateway_id)
            .ok_or_else(|| ProviderError::new("CreateNatGateway returned no gateway"))??;
        after_create(partial_state(planned, &id), self.wait_available(&id)).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let mut gateways = find::<AwsNatGateway>(&self.client, &prior_ids(priors)).await?;
        // A deleted gateway stays listed for an hour: it is gone all the same, as
        // is one on its way out.
        gateways.retain(|_, g| !is_gone(g) && g.state() != Some(&NatGatewayState::Deleting));
        Ok(states_by_id(priors, &gateways, to_state))
    }

    /// Only tags change in place.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        update_tags(&self.client, id, prior, planned).await?;
        self.wait_available(id).await
    }

    /// Deleting takes a minute or more in AWS; the gateway is gone when it says
    /// `deleted` (or no longer exists).
    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let call = self.client.delete_nat_gateway().nat_gateway_id(id);
        if none_if_gone(call.send().await.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        let what = format!("NAT gateway {id} to be deleted");
        wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
            let found = find::<AwsNatGateway>(&self.client, &[id.to_string()]).await?;
            Ok(found.get(id).is_none_or(is_gone).then_some(()))
        })
        .await
    }
}

impl NatGateway {
    /// The state of gateway `id` once it is available; its failure message when
    /// AWS gave up on it (an EIP in use elsewhere, a subnet without a route out).
    async fn wait_available(&self, id: &str) -> Result<Object> {
        let what = format!("NAT gateway {id} to become available");
        wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
            let found = find::<AwsNatGateway>(&self.client, &[id.to_string()]).await?;
            let Some(gateway) = found.get(id) else {
                return Ok(None);
            };
            match gateway.state() {
                Some(NatGatewayState::Available) => Ok(Some(to_state(gateway))),
                Some(NatGatewayState::Failed | NatGatewayState::Deleted) => {
                    Err(ProviderError::with_code(
                        gateway.failure_code().unwrap_or("NatGatewayFailed"),
                        format!(
                            "NAT gateway {id} failed: {}",
                            gateway.failure_message().unwrap_or("no reason given")
                        ),
                    ))
                }
                _ => Ok(None),
            }
        })
        .await
    }
}

fn gateway_id(gateway: &AwsNatGateway) -> Result<String> {
    gateway
        .nat_gateway_id()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::new("a NAT gateway without an id"))
}

fn is_gone(gateway: &AwsNatGateway) -> bool {
    matches!(
        gateway.state(),
        Some(NatGatewayState::Deleted | NatGatewayState::Failed)
    )
}

fn to_state(gateway: &AwsNatGateway) -> Object {
    let addresses = gateway.nat_gateway_addresses();
    // The primary address; AWS lists it first where it does not say.
    let primary = addresses
        .iter()
        .find(|a| a.is_primary() == Some(true))
        .or(addresses.first());
    let address = |f: fn(&aws_sdk_ec2::types::NatGatewayAddress) -> Option<&str>| {
        opt_str(primary.and_then(f))
    };
    crate::object! {
        "id" => opt_str(gateway.nat_gateway_id()),
        "allocation_id" => address(|a| a.allocation_id()),
        "association_id" => address(|a| a.association_id()),
        "connectivity_type" => gateway
            .connectivity_type()
            .map(|c| c.as_str())
            .unwrap_or("public"),
        "network_interface_id" => address(|a| a.network_interface_id()),
        "private_ip" => address(|a| a.private_ip()),
        "public_ip" => address(|a| a.public_ip()),
        "subnet_id" => opt_str(gateway.subnet_id()),
        "tags" => state_tags(gateway.tags()),
    }
}
