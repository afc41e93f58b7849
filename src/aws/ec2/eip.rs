//! aws_eip: an Elastic IP address, optionally associated with an instance or a network interface.

use super::describe::{find, find_one, read_one, wait_ready};
use super::shared::{
    after_create, changed, created_by_token, ec2_arn, opt_str, prior_ids, state_tags,
    states_by_id_with, tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::aws::sts::region::partition_of;
use aws_sdk_ec2::types::{Address, DomainType, ResourceType as Ec2Resource};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_eip",
    attributes: &[
        ID,
        // A specific address to take from the pool (bring your own IP).
        Attribute::optional("address", Type::String).force_new(),
        Attribute::computed("allocation_id", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("domain", Type::String).force_new(),
        // Provider v4's spelling of domain = "vpc" (deprecated in v5, still in
        // configurations users paste): true is the VPC domain.
        Attribute::optional_computed("vpc", Type::Bool).force_new(),
        // Optional+Computed as in Terraform: associating through network_interface
        // makes AWS report the instance too, and that is no drift.
        Attribute::optional_computed("instance", Type::String),
        Attribute::optional_computed("network_interface", Type::String),
        // Write-only: the private address of the target to associate with.
        Attribute::optional("associate_with_private_ip", Type::String),
        Attribute::computed("association_id", Type::String),
        Attribute::optional_computed("network_border_group", Type::String).force_new(),
        Attribute::computed("public_ip", Type::String),
        // "amazon", or the id of an address pool brought to AWS (BYOIP).
        Attribute::optional_computed("public_ipv4_pool", Type::String).force_new(),
        Attribute::computed("public_dns", Type::String),
        Attribute::computed("private_ip", Type::String),
        Attribute::computed("private_dns", Type::String),
        TAGS,
    ],
    blocks: &[],
};

client_type!(Eip: ec2, once, region, account);

#[async_trait]
impl ResourceType for Eip {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "elastic-ip", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let out = self
            .once
            .allocate_address()
            .domain(DomainType::from(domain_of(planned)))
            .set_address(planned.str("address").map(str::to_string))
            .set_public_ipv4_pool(planned.str("public_ipv4_pool").map(str::to_string))
            .set_network_border_group(planned.str("network_border_group").map(str::to_string))
            .tag_specifications(tag_specification(Ec2Resource::ElasticIp, planned, meta))
            .send()
            .await
            .map_err(sdk_error)?;
        let id = answered(out.allocation_id(), "AllocateAddress", "allocation id")?;
        after_create(object! {"id" => id.clone()}, async {
            wait_ready::<Address>(&self.client, &id, "to exist", |_| true).await?;
            let instance = planned.str("instance").map(str::to_string);
            let interface = planned.str("network_interface").map(str::to_string);
            self.associate(&id, instance, interface, planned).await?;
            self.read_back(&id, planned).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let addresses = find::<Address>(&self.client, &ids).await?;
        states_by_id_with(priors, &addresses, |a, p| Box::pin(self.to_state(a, p))).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let retarget = ["instance", "network_interface", "associate_with_private_ip"]
            .iter()
            .any(|k| changed(prior, planned, k));
        if retarget {
            // Ask AWS for the current association rather than trust the prior state.
            if let Some(address) = find_one::<Address>(&self.client, id).await? {
                disassociate(&self.client, address.association_id()).await?;
            }
            let (instance, interface) = new_target(prior, planned);
            self.associate(id, instance, interface, planned).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        self.read_back(id, planned).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let Some(address) = find_one::<Address>(&self.client, id).await? else {
            return Ok(());
        };
        // An associated address cannot be released.
        disassociate(&self.client, address.association_id()).await?;
        let call = self.client.release_address().allocation_id(id);
        gone_ok(call.send().await.map_err(sdk_error))
    }
}

impl Eip {
    /// Associates the address with an instance or a network interface, if given one.
    async fn associate(
        &self,
        id: &str,
        instance: Option<String>,
        interface: Option<String>,
        planned: &Object,
    ) -> Result<()> {
        if instance.is_none() && interface.is_none() {
            return Ok(());
        }
        self.client
            .associate_address()
            .allocation_id(id)
            .set_instance_id(instance)
            .set_network_interface_id(interface)
            .set_private_ip_address(planned.str("associate_with_private_ip").map(str::to_string))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn read_back(&self, id: &str, local: &Object) -> Result<Object> {
        let address = read_one::<Address>(&self.client, id).await?;
        self.to_state(&address, local).await
    }

    async fn to_state(&self, address: &Address, local: &Object) -> Result<Object> {
        let id = address.allocation_id().unwrap_or_default();
        let account = self.account.id().await?;
        let public_ip = address.public_ip().filter(|ip| !ip.is_empty());
        let private_ip = address.private_ip_address().filter(|ip| !ip.is_empty());
        Ok(object! {
            "id" => id,
            "allocation_id" => id,
            "arn" => ec2_arn(&self.region, account, &format!("elastic-ip/{id}")),
            "domain" => address.domain().map(|d| d.as_str().to_string()),
            "vpc" => address.domain().map(|d| *d == DomainType::Vpc),
            "instance" => opt_str(address.instance_id()),
            "network_interface" => opt_str(address.network_interface_id()),
            "address" => local.str("address"),
            "associate_with_private_ip" => local
                .get("associate_with_private_ip")
                .filter(|v| !v.is_unknown())
                .cloned()
                .unwrap_or(Value::Null),
            "association_id" => opt_str(address.association_id()),
            "network_border_group" => opt_str(address.network_border_group()),
            "public_ip" => public_ip.map(str::to_string),
            "public_ipv4_pool" => opt_str(address.public_ipv4_pool()),
            "public_dns" => public_ip.map(|ip| public_dns(&self.region, ip)),
            "private_ip" => private_ip.map(str::to_string),
            "private_dns" => private_ip.map(|ip| private_dns(&self.region, ip)),
            "tags" => state_tags(address.tags()),
        })
    }
}

/// The (instance, network interface) to associate with after a change. Only one
/// target goes to AWS: an attribute left out of configuration (Unknown in the plan)
/// still holds the old target in state and must not be carried over.
fn new_target(prior: &Object, planned: &Object) -> (Option<String>, Option<String>) {
    let planned_str = |k: &str| planned.str(k).map(str::to_string);
    if changed(prior, planned, "instance") {
        return (planned_str("instance"), None);
    }
    if changed(prior, planned, "network_interface") {
        return (None, planned_str("network_interface"));
    }
    // Only the private address changed: keep the configured target, else the old one.
    match planned_str("instance") {
        Some(instance) => (Some(instance), None),
        None => (
            None,
            planned_str("network_interface")
                .or_else(|| prior.str("network_interface").map(str::to_string)),
        ),
    }
}

async fn disassociate(client: &aws_sdk_ec2::Client, association_id: Option<&str>) -> Result<()> {
    let Some(association_id) = association_id.filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    let call = client.disassociate_address().association_id(association_id);
    gone_ok(call.send().await.map_err(sdk_error))
}

fn dns_suffix(region: &str) -> &'static str {
    if partition_of(region) == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The public DNS name EC2 gives an address (as Terraform computes it).
fn public_dns(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ec2-{dashed}.compute-1.{}", dns_suffix(region))
    } else {
        format!("ec2-{dashed}.{region}.compute.{}", dns_suffix(region))
    }
}

/// The private DNS name EC2 gives an address.
fn private_dns(region: &str, ip: &str) -> String {
    let dashed = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{dashed}.ec2.internal")
    } else {
        format!("ip-{dashed}.{region}.compute.internal")
    }
}

/// The domain to allocate in: `domain`, else `vpc = false` for EC2-Classic's
/// "standard", else the VPC domain (the only one AWS still offers).
fn domain_of(planned: &Object) -> &str {
    match (planned.str("domain"), planned.bool("vpc")) {
        (Some(domain), _) => domain,
        (None, Some(false)) => "standard",
        _ => "vpc",
    }
}
