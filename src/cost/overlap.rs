//! An instance as it is priced: what it reports that another resource is priced
//! for (attached `aws_ebs_volume`s, an Elastic IP's address) taken out, and the
//! public address its subnet assigns at launch put in.

use super::links::{linked, Side};
use crate::addr::InstanceAddr;
use crate::config::Stack;
use crate::value::{Object, ObjectExt, Value};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// What the other resources of one side of the plan account for.
pub struct Overlaps<'a> {
    side: &'a Side<'a>,
    stack: &'a Stack,
    /// Ids of the `aws_ebs_volume`s, priced as volumes.
    volumes: BTreeSet<&'a str>,
    /// Instances an `aws_eip` is associated with: the EIP is billed all month.
    with_eip: BTreeSet<&'a InstanceAddr>,
}

impl<'a> Overlaps<'a> {
    pub fn of(side: &'a Side<'a>, stack: &'a Stack) -> Overlaps<'a> {
        let volumes = side
            .iter()
            .filter(|(a, _)| a.resource.type_name == "aws_ebs_volume")
            .filter_map(|(_, o)| o.str("id"))
            .collect();
        let with_eip = side
            .iter()
            .filter(|(a, _)| a.resource.type_name == "aws_eip")
            .flat_map(|(a, o)| linked(side, stack, (a, o), "instance", "aws_instance"))
            .map(|(a, _)| a)
            .collect();
        Overlaps {
            side,
            stack,
            volumes,
            with_eip,
        }
    }

    /// `obj` as priced: an instance adjusted, anything else as it is.
    pub fn as_priced<'o>(&self, addr: &InstanceAddr, obj: &'o Object) -> Cow<'o, Object> {
        if addr.resource.type_name != "aws_instance" {
            return Cow::Borrowed(obj);
        }
        let mut obj = obj.clone();
        if let Some(Value::List(devices)) = obj.get_mut("ebs_block_device") {
            devices.retain(|d| {
                let id = d.as_object().and_then(|o| o.str("volume_id"));
                !id.is_some_and(|id| self.volumes.contains(id))
            });
        }
        let has_address = obj.str("public_ip").is_some_and(|ip| !ip.is_empty());
        let asked = match obj.get("associate_public_ip_address") {
            Some(Value::Bool(set)) => *set,
            // Not set: the subnet decides at launch.
            _ => linked(
                self.side,
                self.stack,
                (addr, &obj),
                "subnet_id",
                "aws_subnet",
            )
            .iter()
            .any(|(_, subnet)| subnet.bool("map_public_ip_on_launch") == Some(true)),
        };
        let public = (has_address || asked) && !self.with_eip.contains(addr);
        obj.insert("associate_public_ip_address".into(), Value::Bool(public));
        if !public {
            obj.remove("public_ip");
        }
        Cow::Owned(obj)
    }
}
