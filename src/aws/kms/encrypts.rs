//! What a KMS key encrypts, for the data-loss guard: deleting the key leaves all
//! of it unreadable once the deletion window has passed.

use crate::aws::sdk_error;
use crate::provider::{Encrypted, LossContext, ProviderResult, StateObject};
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_ec2::types::Filter;
use std::collections::BTreeSet;

/// Everything `key` (a key's state) encrypts that survives this plan: from state
/// (volumes, instance volumes, bucket default encryption, queues) and from AWS
/// (every encrypted volume and this account's snapshots under it).
pub async fn encrypted_by(
    ec2: &aws_sdk_ec2::Client,
    key: &Object,
    ctx: &LossContext<'_>,
) -> ProviderResult<Vec<Encrypted>> {
    let names = key_names(key, ctx.state);
    let mut found = in_state(&names, ctx.state);
    found.extend(in_aws(ec2, &names).await?);
    let mut seen = BTreeSet::new();
    // One entry per thing, the one that names its recon address first.
    found.sort_by(|a, b| {
        (a.what, &a.id, b.address.is_some()).cmp(&(b.what, &b.id, a.address.is_some()))
    });
    found.retain(|e| !ctx.destroyed.contains(&e.id) && seen.insert((e.what, e.id.clone())));
    Ok(found)
}

/// Every spelling that may refer to the key: id, ARN, and its aliases in state
/// (name and ARN).
fn key_names(key: &Object, state: &[StateObject]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["id", "key_id", "arn"]
        .into_iter()
        .filter_map(|a| key.str(a))
        .map(str::to_string)
        .collect();
    let aliases: Vec<&Object> = state
        .iter()
        .filter(|s| s.type_name == "aws_kms_alias")
        .map(|s| &s.object)
        .filter(|alias| {
            ["target_key_id", "target_key_arn"]
                .iter()
                .any(|a| alias.str(a).is_some_and(|t| names.contains(t)))
        })
        .collect();
    for alias in aliases {
        names.extend(
            ["name", "arn"]
                .iter()
                .filter_map(|a| alias.str(a))
                .map(str::to_string),
        );
    }
    names
}

/// What state's objects encrypt under one of `names`.
fn in_state(names: &BTreeSet<String>, state: &[StateObject]) -> Vec<Encrypted> {
    let uses = |o: &Object, attr: &str| o.str(attr).is_some_and(|k| names.contains(k));
    let entry = |what, id: Option<&str>, s: &StateObject| {
        id.map(|id| Encrypted {
            what,
            id: id.to_string(),
            address: Some(s.address.clone()),
        })
    };
    let mut found = Vec::new();
    for s in state {
        let o = &s.object;
        match s.type_name.as_str() {
            "aws_ebs_volume" if uses(o, "kms_key_id") => {
                found.extend(entry("EBS volume", o.str("id"), s));
            }
            "aws_instance" => {
                let blocks = o
                    .list("root_block_device")
                    .iter()
                    .chain(o.list("ebs_block_device"));
                for block in blocks.filter_map(Value::as_object) {
                    if uses(block, "kms_key_id") {
                        found.extend(entry("EBS volume", block.str("volume_id"), s));
                    }
                }
            }
            "aws_s3_bucket_server_side_encryption_configuration" => {
                let defaults = o
                    .list("rule")
                    .iter()
                    .filter_map(Value::as_object)
                    .flat_map(|r| r.list("apply_server_side_encryption_by_default"))
                    .filter_map(Value::as_object);
                if defaults.into_iter().any(|d| uses(d, "kms_master_key_id")) {
                    found.extend(entry("S3 bucket", o.str("bucket"), s));
                }
            }
            "aws_sqs_queue" if uses(o, "kms_master_key_id") => {
                found.extend(entry("SQS queue", o.str("id"), s));
            }
            _ => {}
        }
    }
    found
}

/// Encrypted volumes, and this account's encrypted snapshots, under one of
/// `names` (EC2 has no filter by key: every encrypted one is listed and matched).
async fn in_aws(
    ec2: &aws_sdk_ec2::Client,
    names: &BTreeSet<String>,
) -> ProviderResult<Vec<Encrypted>> {
    let encrypted = || Filter::builder().name("encrypted").values("true").build();
    let under_key = |key: Option<&str>| key.is_some_and(|k| names.contains(k));
    let mut found = Vec::new();
    let mut volumes = ec2
        .describe_volumes()
        .filters(encrypted())
        .into_paginator()
        .items()
        .send();
    while let Some(volume) = volumes.next().await {
        let volume = volume.map_err(sdk_error)?;
        if let (true, Some(id)) = (under_key(volume.kms_key_id()), volume.volume_id()) {
            found.push(Encrypted {
                what: "EBS volume",
                id: id.to_string(),
                address: None,
            });
        }
    }
    let mut snapshots = ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(encrypted())
        .into_paginator()
        .items()
        .send();
    while let Some(snapshot) = snapshots.next().await {
        let snapshot = snapshot.map_err(sdk_error)?;
        if let (true, Some(id)) = (under_key(snapshot.kms_key_id()), snapshot.snapshot_id()) {
            found.push(Encrypted {
                what: "EBS snapshot",
                id: id.to_string(),
                address: None,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    fn in_state_of(type_name: &str, address: &str, object: Object) -> StateObject {
        StateObject {
            address: address.into(),
            type_name: type_name.into(),
            object,
        }
    }

    #[test]
    fn state_objects_under_the_key_or_its_alias_are_found() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/k-1";
        let key = object! {"id" => "k-1", "key_id" => "k-1", "arn" => arn};
        let state = vec![
            in_state_of(
                "aws_kms_alias",
                "aws_kms_alias.a",
                object! {"name" => "alias/data", "target_key_id" => "k-1"},
            ),
            in_state_of(
                "aws_ebs_volume",
                "aws_ebs_volume.data",
                object! {"id" => "vol-1", "kms_key_id" => arn},
            ),
            in_state_of(
                "aws_ebs_volume",
                "aws_ebs_volume.other",
                object! {"id" => "vol-2", "kms_key_id" => "k-2"},
            ),
            in_state_of(
                "aws_sqs_queue",
                "aws_sqs_queue.q",
                object! {"id" => "https://q", "kms_master_key_id" => "alias/data"},
            ),
            in_state_of(
                "aws_instance",
                "aws_instance.web",
                object! {"id" => "i-1", "root_block_device" => vec![Value::Object(object! {"volume_id" => "vol-3", "kms_key_id" => "k-1"})]},
            ),
            in_state_of(
                "aws_s3_bucket_server_side_encryption_configuration",
                "aws_s3_bucket_server_side_encryption_configuration.b",
                object! {"bucket" => "b-1", "rule" => vec![Value::Object(object! {
                    "apply_server_side_encryption_by_default" => vec![Value::Object(object! {"kms_master_key_id" => arn})]
                })]},
            ),
        ];
        let names = key_names(&key, &state);
        let found: Vec<(&str, String)> = in_state(&names, &state)
            .into_iter()
            .map(|e| (e.what, e.id))
            .collect();
        assert_eq!(
            found,
            [
                ("EBS volume", "vol-1".to_string()),
                ("SQS queue", "https://q".to_string()),
                ("EBS volume", "vol-3".to_string()),
                ("S3 bucket", "b-1".to_string()),
            ]
        );
    }
}
