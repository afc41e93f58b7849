//! What a KMS key encrypts, for the data-loss guard: deleting the key leaves all
//! of it unreadable once the deletion window has passed.

use crate::aws::error::is_not_found;
use crate::aws::{sdk_error, Clients};
use crate::provider::{Encrypted, KeyUse, LossContext, ProviderResult, StateObject};
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_ec2::types::Filter;
use aws_sdk_sqs::types::QueueAttributeName;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::BTreeSet;

/// Lists what the account's KMS keys encrypt, through the clients of one region.
pub struct Scanner {
    ec2: aws_sdk_ec2::Client,
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    region: String,
}

impl Scanner {
    pub fn new(clients: &Clients) -> Scanner {
        Scanner {
            ec2: clients.ec2.clone(),
            s3: clients.s3.clone(),
            sqs: clients.sqs.clone(),
            region: clients.region.clone(),
        }
    }

    /// Everything `key` (a key's state) encrypts that survives this plan: from
    /// state (volumes, instance volumes, bucket default encryption, queues) and
    /// from AWS (encrypted volumes, this account's snapshots, buckets whose
    /// default encryption and queues whose SSE use the key).
    pub async fn encrypted_by(
        &self,
        key: &Object,
        ctx: &LossContext<'_>,
    ) -> ProviderResult<Vec<Encrypted>> {
        let names = key_names(key, ctx.state);
        let mut found = in_state(&names, ctx.state);
        let in_aws = ctx.scans.get_or_scan(&self.region, || self.scan()).await?;
        found.extend(
            in_aws
                .iter()
                .filter(|u| names.contains(&u.key))
                .map(|u| Encrypted {
                    what: u.what,
                    id: u.id.clone(),
                    address: None,
                }),
        );
        let mut seen = BTreeSet::new();
        // One entry per thing, the one that names its recon address first.
        found.sort_by(|a, b| {
            (a.what, &a.id, b.address.is_some()).cmp(&(b.what, &b.id, a.address.is_some()))
        });
        found.retain(|e| !ctx.destroyed.contains(&e.id) && seen.insert((e.what, e.id.clone())));
        Ok(found)
    }

    /// Everything in this region encrypted under a customer-chosen key. Buckets
    /// and queues have no filter by key: each is asked, a few at a time.
    async fn scan(&self) -> ProviderResult<Vec<KeyUse>> {
        let (volumes, buckets, queues) =
            tokio::try_join!(self.ebs(), self.buckets(), self.queues())?;
        Ok(volumes.into_iter().chain(buckets).chain(queues).collect())
    }

    /// Encrypted volumes, and this account's encrypted snapshots (EC2 has no
    /// filter by key either: every encrypted one is listed).
    async fn ebs(&self) -> ProviderResult<Vec<KeyUse>> {
        let encrypted = || Filter::builder().name("encrypted").values("true").build();
        let mut found = Vec::new();
        let mut volumes = self
            .ec2
            .describe_volumes()
            .filters(encrypted())
            .into_paginator()
            .items()
            .send();
        while let Some(volume) = volumes.next().await {
            let volume = volume.map_err(sdk_error)?;
            found.extend(key_use(
                "EBS volume",
                volume.volume_id(),
                volume.kms_key_id(),
            ));
        }
        let mut snapshots = self
            .ec2
            .describe_snapshots()
            .owner_ids("self")
            .filters(encrypted())
            .into_paginator()
            .items()
            .send();
        while let Some(snapshot) = snapshots.next().await {
            let snapshot = snapshot.map_err(sdk_error)?;
            found.extend(key_use(
                "EBS snapshot",
                snapshot.snapshot_id(),
                snapshot.kms_key_id(),
            ));
        }
        Ok(found)
    }

    /// Buckets of this region whose default encryption names a KMS key (a bucket
    /// can only use a key of its own region).
    async fn buckets(&self) -> ProviderResult<Vec<KeyUse>> {
        let mut names = Vec::new();
        let mut pages = self.s3.list_buckets().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(sdk_error)?;
            names.extend(
                page.buckets()
                    .iter()
                    .filter(|b| b.bucket_region().is_none_or(|r| r == self.region))
                    .filter_map(|b| b.name().map(str::to_string)),
            );
        }
        keys_of("S3 bucket", names, |bucket| async move {
            let key = self.bucket_key(&bucket).await?;
            Ok((bucket, key))
        })
        .await
    }

    /// The KMS key of a bucket's default encryption, if it has one.
    async fn bucket_key(&self, bucket: &str) -> ProviderResult<Option<String>> {
        let answer = self.s3.get_bucket_encryption().bucket(bucket).send().await;
        let config = match answer.map_err(sdk_error) {
            Ok(out) => out,
            // No configuration, gone since the listing, or in another region.
            Err(e)
                if is_not_found(&e) || e.code.as_deref().is_some_and(|c| NOT_READ.contains(&c)) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(config
            .server_side_encryption_configuration()
            .into_iter()
            .flat_map(|c| c.rules())
            .filter_map(|r| r.apply_server_side_encryption_by_default())
            .find_map(|d| d.kms_master_key_id())
            .map(str::to_string))
    }

    /// Queues whose server-side encryption names a KMS key.
    async fn queues(&self) -> ProviderResult<Vec<KeyUse>> {
        let mut urls = Vec::new();
        let mut pages = self.sqs.list_queues().into_paginator().send();
        while let Some(page) = pages.next().await {
            urls.extend(page.map_err(sdk_error)?.queue_urls().iter().cloned());
        }
        keys_of("SQS queue", urls, |url| async move {
            let key = self.queue_key(&url).await?;
            Ok((url, key))
        })
        .await
    }

    /// The KMS key of a queue's server-side encryption, if it has one.
    async fn queue_key(&self, url: &str) -> ProviderResult<Option<String>> {
        let answer = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::KmsMasterKeyId)
            .send()
            .await;
        match answer.map_err(sdk_error) {
            Ok(out) => Ok(out
                .attributes()
                .and_then(|a| a.get(&QueueAttributeName::KmsMasterKeyId))
                .filter(|k| !k.is_empty())
                .cloned()),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Asks for the key of each of `ids`, a few at a time, and keeps those that have one.
async fn keys_of<F, Fut>(
    what: &'static str,
    ids: Vec<String>,
    key_of: F,
) -> ProviderResult<Vec<KeyUse>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = ProviderResult<(String, Option<String>)>>,
{
    let found: Vec<_> = stream::iter(ids)
        .map(key_of)
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(id, key)| {
            Some(KeyUse {
                what,
                id,
                key: key?,
            })
        })
        .collect())
}

/// Reads in flight at once per listing: a burst large enough to be quick,
/// small enough to stay under the services' request rates.
const CONCURRENT_READS: usize = 8;

/// S3's answers for a bucket without default encryption, or one that lives in
/// another region (whose keys cannot be this region's).
const NOT_READ: &[&str] = &[
    "ServerSideEncryptionConfigurationNotFoundError",
    "PermanentRedirect",
    "AuthorizationHeaderMalformed",
    "IllegalLocationConstraintException",
];

fn key_use(what: &'static str, id: Option<&str>, key: Option<&str>) -> Option<KeyUse> {
    Some(KeyUse {
        what,
        id: id?.to_string(),
        key: key?.to_string(),
    })
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
