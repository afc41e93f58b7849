//! aws_network_interface: an elastic network interface (ENI) in a subnet,
//! optionally attached to an instance.

use super::describe::{self, find, find_one, read_back, wait_ready};
use super::shared::{
    after_create, changed, created_by_token, ec2_arn, known_i32, opt_str, prior_ids, required,
    state_tags, states_by_id, tag_specification, update_tags,
};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, InstanceIpv6Address, NetworkInterface as AwsEni,
    NetworkInterfaceCreationType, NetworkInterfaceStatus, PrivateIpAddressSpecification,
    ResourceType as Ec2Resource,
};
use std::collections::BTreeSet;

// An instance launched with this interface as its primary one shows up here too:
// kept when not configured (as Terraform's Optional+Computed block).
const ATTACHMENT: BlockType = BlockType::new(
    "attachment",
    Nesting::Set,
    &[
        Attribute::required("instance", Type::String),
        Attribute::required("device_index", Type::Number),
        Attribute::optional("network_card_index", Type::Number).default(Default::Int(0)),
        Attribute::computed("attachment_id", Type::String),
    ],
)
.computed_when_absent();

pub static SCHEMA: Schema = Schema {
    type_name: "aws_network_interface",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("subnet_id", Type::String).force_new(),
        Attribute::optional("description", Type::String),
        // The primary address: AWS cannot change it.
        Attribute::optional_computed("private_ip", Type::String).force_new(),
        // Every private address, the primary one included.
        Attribute::optional_computed("private_ips", Type::Set(&Type::String)),
        // How many secondary addresses (besides the primary one).
        Attribute::optional_computed("private_ips_count", Type::Number),
        Attribute::optional_computed("security_groups", Type::Set(&Type::String)),
        Attribute::optional("source_dest_check", Type::Bool).default(Default::Bool(true)),
        Attribute::optional_computed("ipv6_address_count", Type::Number),
        Attribute::optional_computed("ipv6_addresses", Type::Set(&Type::String)),
        Attribute::optional_computed("interface_type", Type::String).force_new(),
        Attribute::computed("mac_address", Type::String),
        Attribute::computed("owner_id", Type::String),
        Attribute::computed("private_dns_name", Type::String),
        TAGS,
    ],
    blocks: &[ATTACHMENT],
};

client_type!(NetworkInterface: ec2, once, region);

#[async_trait]
impl ResourceType for NetworkInterface {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "network-interface", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let primary = planned.str("private_ip");
        let ips = known_set(planned, "private_ips");
        let count = known_i32(planned, "private_ips_count");
        let mut req = self
            .once
            .create_network_interface()
            .subnet_id(required(planned, "subnet_id")?)
            .set_description(planned.str("description").map(str::to_string))
            .set_groups(known_set(planned, "security_groups").map(|g| g.into_iter().collect()))
            .set_ipv6_address_count(known_i32(planned, "ipv6_address_count"))
            .set_ipv6_addresses(known_set(planned, "ipv6_addresses").map(|ips| {
                ips.into_iter()
                    .map(|ip| InstanceIpv6Address::builder().ipv6_address(ip).build())
                    .collect()
            }))
            .tag_specifications(tag_specification(
                Ec2Resource::NetworkInterface,
                planned,
                meta,
            ));
        // "interface" is what AWS reports for a plain ENI; it is not a creation type.
        if let Some(kind) = planned.str("interface_type").filter(|t| *t != "interface") {
            req = req.interface_type(NetworkInterfaceCreationType::from(kind));
        }
        match &ips {
            Some(ips) if !ips.is_empty() => {
                req = req.set_private_ip_addresses(Some(ip_specs(primary, ips)));
            }
            _ => {
                req = req
                    .set_private_ip_address(primary.map(str::to_string))
                    .set_secondary_private_ip_address_count(count.filter(|n| *n > 0));
            }
        }
        let out = req.send().await.map_err(sdk_error)?;
        let id = answered(
            out.network_interface()
                .and_then(|n| n.network_interface_id()),
            "CreateNetworkInterface",
            "id",
        )?;
        after_create(object! {"id" => id.clone()}, async {
            let made = wait_ready::<AwsEni>(&self.client, &id, "to exist", |_| true).await?;
            // Both a list of addresses and a count: the count's extra secondaries
            // are assigned after (AWS takes only one of the two at create).
            if let (Some(ips), Some(count)) = (&ips, count) {
                let have = made.private_ip_addresses().len() as i32 - 1;
                if !ips.is_empty() && count > have {
                    self.assign(&id, Vec::new(), count - have).await?;
                }
            }
            if planned.bool("source_dest_check") == Some(false) {
                self.set_source_dest_check(&id, false).await?;
            }
            if let Some(attachment) = configured_attachment(planned) {
                self.attach(&id, attachment).await?;
            }
            read_back(&self.client, &id, |n| self.to_state(n)).await
        })
        .await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let enis = find::<AwsEni>(&self.client, &ids).await?;
        Ok(states_by_id(priors, &enis, |n| self.to_state(n)))
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if changed(prior, planned, "description") {
            // An empty value clears it.
            let text = planned.str("description").unwrap_or_default();
            self.client
                .modify_network_interface_attribute()
                .network_interface_id(id)
                .description(AttributeValue::builder().value(text).build())
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if let Some(groups) = known_set(planned, "security_groups")
            .filter(|g| Some(g) != known_set(prior, "security_groups").as_ref())
        {
            self.client
                .modify_network_interface_attribute()
                .network_interface_id(id)
                .set_groups(Some(groups.into_iter().collect()))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if changed(prior, planned, "source_dest_check") {
            let on = planned.bool("source_dest_check").unwrap_or(true);
            self.set_source_dest_check(id, on).await?;
        }
        self.update_private_ips(id, prior, planned).await?;
        self.update_ipv6(id, prior, planned).await?;
        let old = prior.list("attachment").first().and_then(Value::as_object);
        let new = configured_attachment(planned);
        if new.is_some() && !same_attachment(old, new) {
            self.detach(id).await?;
            if let Some(attachment) = new {
                self.attach(id, attachment).await?;
            }
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_back(&self.client, id, |n| self.to_state(n)).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let id = state_id(prior, SCHEMA.type_name)?;
        self.detach(id).await?;
        // AWS keeps an interface in use for a moment after its instance let go.
        let codes = &["InvalidNetworkInterface.InUse"];
        describe::delete::<AwsEni, _, _, _>(&self.client, id, codes, || async {
            let call = self
                .client
                .delete_network_interface()
                .network_interface_id(id);
            call.send().await.map_err(sdk_error)
        })
        .await
    }
}

impl NetworkInterface {
    async fn set_source_dest_check(&self, id: &str, on: bool) -> Result<()> {
        self.client
            .modify_network_interface_attribute()
            .network_interface_id(id)
            .source_dest_check(AttributeBooleanValue::builder().value(on).build())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Adds the listed secondary addresses, or `count` that AWS picks.
    async fn assign(&self, id: &str, ips: Vec<String>, count: i32) -> Result<()> {
        let mut req = self
            .client
            .assign_private_ip_addresses()
            .network_interface_id(id);
        if ips.is_empty() {
            req = req.secondary_private_ip_address_count(count);
        } else {
            req = req.set_private_ip_addresses(Some(ips));
        }
        req.send().await.map_err(sdk_error)?;
        Ok(())
    }

    async fn unassign(&self, id: &str, ips: Vec<String>) -> Result<()> {
        if ips.is_empty() {
            return Ok(());
        }
        self.client
            .unassign_private_ip_addresses()
            .network_interface_id(id)
            .set_private_ip_addresses(Some(ips))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Secondary private addresses in place (never the primary one).
    async fn update_private_ips(&self, id: &str, prior: &Object, planned: &Object) -> Result<()> {
        let primary = prior.str("private_ip");
        let change = AddressChange::of(prior, planned, "private_ips", "private_ips_count", primary);
        self.unassign(id, change.remove).await?;
        if !change.add.is_empty() || change.add_count > 0 {
            self.assign(id, change.add, change.add_count).await?;
        }
        Ok(())
    }

    async fn update_ipv6(&self, id: &str, prior: &Object, planned: &Object) -> Result<()> {
        let change =
            AddressChange::of(prior, planned, "ipv6_addresses", "ipv6_address_count", None);
        if !change.remove.is_empty() {
            self.client
                .unassign_ipv6_addresses()
                .network_interface_id(id)
                .set_ipv6_addresses(Some(change.remove))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        if !change.add.is_empty() || change.add_count > 0 {
            let mut req = self.client.assign_ipv6_addresses().network_interface_id(id);
            if change.add.is_empty() {
                req = req.ipv6_address_count(change.add_count);
            } else {
                req = req.set_ipv6_addresses(Some(change.add));
            }
            req.send().await.map_err(sdk_error)?;
        }
        Ok(())
    }

    async fn attach(&self, id: &str, attachment: &Object) -> Result<()> {
        let instance = required(attachment, "instance")?;
        let index = known_i32(attachment, "device_index")
            .ok_or_else(|| ProviderError::new("`attachment.device_index` must be set"))?;
        self.client
            .attach_network_interface()
            .network_interface_id(id)
            .instance_id(instance)
            .device_index(index)
            .set_network_card_index(known_i32(attachment, "network_card_index").filter(|n| *n > 0))
            .send()
            .await
            .map_err(sdk_error)?;
        let attached = |n: &AwsEni| {
            n.attachment()
                .is_some_and(|a| a.instance_id() == Some(instance))
        };
        let state = format!("to be attached to {instance}");
        wait_ready(&self.client, id, &state, attached).await?;
        Ok(())
    }

    /// Detaches the interface from what AWS says it is attached to now, and waits
    /// until it is free. A primary interface (device 0) cannot be detached: it is
    /// freed when its instance terminates, which the delete then waits out.
    async fn detach(&self, id: &str) -> Result<()> {
        let Some(eni) = find_one::<AwsEni>(&self.client, id).await? else {
            return Ok(());
        };
        let Some(attachment) = eni.attachment() else {
            return Ok(());
        };
        let Some(attachment_id) = attachment.attachment_id().filter(|a| !a.is_empty()) else {
            return Ok(());
        };
        if attachment.device_index() == Some(0) {
            return Ok(());
        }
        let call = self.client.detach_network_interface();
        let call = call.attachment_id(attachment_id);
        if none_if_gone(call.send().await.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        let free = |n: &AwsEni| {
            n.attachment().is_none() || n.status() == Some(&NetworkInterfaceStatus::Available)
        };
        wait_ready(&self.client, id, "to be detached", free).await?;
        Ok(())
    }

    fn to_state(&self, eni: &AwsEni) -> Object {
        let id = eni.network_interface_id().unwrap_or_default();
        let owner = eni.owner_id().unwrap_or_default();
        let ips: BTreeSet<&str> = eni
            .private_ip_addresses()
            .iter()
            .filter_map(|a| a.private_ip_address())
            .collect();
        let mut groups: Vec<&str> = eni.groups().iter().filter_map(|g| g.group_id()).collect();
        groups.sort();
        groups.dedup();
        let ipv6: BTreeSet<&str> = eni
            .ipv6_addresses()
            .iter()
            .filter_map(|a| a.ipv6_address())
            .collect();
        let attachment: Vec<Value> = eni
            .attachment()
            .filter(|a| a.instance_id().is_some_and(|i| !i.is_empty()))
            .map(|a| {
                Value::Object(object! {
                    "instance" => a.instance_id(),
                    "device_index" => a.device_index(),
                    "network_card_index" => a.network_card_index().unwrap_or(0),
                    "attachment_id" => a.attachment_id(),
                })
            })
            .into_iter()
            .collect();
        object! {
            "id" => id,
            "arn" => ec2_arn(&self.region, owner, &format!("network-interface/{id}")),
            "subnet_id" => opt_str(eni.subnet_id()),
            "description" => opt_str(eni.description()),
            "private_ip" => opt_str(eni.private_ip_address()),
            "private_ips" => ips.iter().copied().collect::<Vec<_>>(),
            "private_ips_count" => ips.len().saturating_sub(1) as i64,
            "security_groups" => groups,
            "source_dest_check" => eni.source_dest_check().unwrap_or(true),
            "ipv6_address_count" => ipv6.len() as i64,
            "ipv6_addresses" => ipv6.iter().copied().collect::<Vec<_>>(),
            "interface_type" => eni.interface_type().map(|t| t.as_str()),
            "mac_address" => opt_str(eni.mac_address()),
            "owner_id" => opt_str(eni.owner_id()),
            "private_dns_name" => opt_str(eni.private_dns_name()),
            "tags" => state_tags(eni.tag_set()),
            "attachment" => Value::List(attachment),
        }
    }
}

/// The addresses to unassign and assign to go from `prior` to `planned`: to the
/// planned list when it changed, else by the planned count (AWS picks the new
/// ones; the highest go first). `keep` (the primary address) is never removed.
struct AddressChange {
    remove: Vec<String>,
    add: Vec<String>,
    add_count: i32,
}

impl AddressChange {
    fn of(prior: &Object, planned: &Object, list: &str, count: &str, keep: Option<&str>) -> Self {
        let old = known_set(prior, list).unwrap_or_default();
        let mut change = AddressChange {
            remove: Vec::new(),
            add: Vec::new(),
            add_count: 0,
        };
        if let Some(new) = known_set(planned, list).filter(|n| *n != old) {
            change.remove = old
                .difference(&new)
                .filter(|ip| Some(ip.as_str()) != keep)
                .cloned()
                .collect();
            change.add = new.difference(&old).cloned().collect();
            return change;
        }
        if let (Some(have), Some(want)) = (known_i32(prior, count), known_i32(planned, count)) {
            if want > have {
                change.add_count = want - have;
            } else {
                let removable = old.iter().rev().filter(|ip| Some(ip.as_str()) != keep);
                change.remove = removable.take((have - want) as usize).cloned().collect();
            }
        }
        change
    }
}

/// A configured set of strings (None while unknown or absent).
fn known_set(o: &Object, key: &str) -> Option<BTreeSet<String>> {
    match o.get(key) {
        Some(Value::List(_)) => Some(o.strings(key).into_iter().collect()),
        _ => None,
    }
}

/// The addresses to create with: the configured primary one first, else the
/// lowest (a set has no order; AWS makes the first of the list primary).
fn ip_specs(primary: Option<&str>, ips: &BTreeSet<String>) -> Vec<PrivateIpAddressSpecification> {
    let primary = primary
        .map(str::to_string)
        .or_else(|| ips.iter().next().cloned());
    let mut all: Vec<String> = primary.iter().cloned().collect();
    all.extend(
        ips.iter()
            .filter(|ip| Some(*ip) != primary.as_ref())
            .cloned(),
    );
    all.into_iter()
        .map(|ip| {
            let is_primary = Some(&ip) == primary.as_ref();
            PrivateIpAddressSpecification::builder()
                .private_ip_address(ip)
                .primary(is_primary)
                .build()
        })
        .collect()
}

/// The configured attachment (the block, when it is known).
fn configured_attachment(o: &Object) -> Option<&Object> {
    match o.get("attachment") {
        Some(Value::List(items)) => items.first().and_then(Value::as_object),
        _ => None,
    }
}

fn same_attachment(old: Option<&Object>, new: Option<&Object>) -> bool {
    let key = |o: Option<&Object>| {
        o.map(|o| (o.str("instance").map(str::to_string), o.i64("device_index")))
    };
    key(old) == key(new)
}
