//! aws_ebs_volume: a standalone EBS volume in one availability zone.
//!
//! The volume helpers at the bottom (lookups, waiters, ModifyVolume) serve the
//! instance and volume attachment types too.

use super::describe::{find, find_one};
use super::shared::{
    created_by_token, ec2_arn, known_bool, known_change, known_i32, known_str, partial_state,
    prior_ids, refuse_shrink, snapshot_volumes, tag_specification, update_tags,
};
use crate::aws::kms::key_refs::{key_arns, state_key};
use crate::aws::prelude::*;
use crate::provider::{ChangeReview, VolumeLoss, VolumeSnapshot};
use aws_sdk_ec2::types::{
    ResourceType as Ec2ResourceType, Volume, VolumeModificationState, VolumeState, VolumeType,
};
use std::collections::HashMap;
use std::time::Instant;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_ebs_volume",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("availability_zone", Type::String).force_new(),
        Attribute::optional_computed("size", Type::Number),
        Attribute::optional_computed("type", Type::String),
        Attribute::optional_computed("iops", Type::Number),
        Attribute::optional_computed("throughput", Type::Number),
        Attribute::optional_computed("encrypted", Type::Bool).force_new(),
        Attribute::optional_computed("kms_key_id", Type::String).force_new(),
        Attribute::optional_computed("snapshot_id", Type::String).force_new(),
        TAGS,
    ],
    blocks: &[],
};

const CREATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a waiter accepts "not found" for a volume just created.
const NOT_FOUND_GRACE: Duration = Duration::from_secs(60);
/// How long a delete keeps retrying while the volume is still detaching.
const IN_USE_RETRY: Duration = Duration::from_secs(2 * 60);

client_type!(EbsVolume: ec2, once, kms, account, region);

#[async_trait]
impl ResourceType for EbsVolume {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn find_created(&self, _planned: &Object, meta: &Meta) -> Result<Created> {
        created_by_token(&self.client, "volume", self, meta).await
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let az = planned
            .str("availability_zone")
            .ok_or_else(|| ProviderError::new("availability_zone is required"))?;
        let mut req = self
            .once
            .create_volume()
            .availability_zone(az)
            .tag_specifications(tag_specification(Ec2ResourceType::Volume, planned, meta))
            // AWS makes one volume per token, however often the call is sent.
            .set_client_token(meta.token.clone());
        if let Some(size) = known_i32(planned, "size") {
            req = req.size(size);
        }
        if let Some(t) = known_str(planned, "type") {
            req = req.volume_type(VolumeType::from(t));
        }
        if let Some(iops) = known_i32(planned, "iops").filter(|n| *n > 0) {
            req = req.iops(iops);
        }
        if let Some(tp) = known_i32(planned, "throughput").filter(|n| *n > 0) {
            req = req.throughput(tp);
        }
        // A key implies encryption; the API refuses KmsKeyId without Encrypted.
        let key = known_str(planned, "kms_key_id");
        if let Some(enc) = known_bool(planned, "encrypted").or(key.map(|_| true)) {
            req = req.encrypted(enc);
        }
        if let Some(key) = known_str(planned, "kms_key_id") {
            req = req.kms_key_id(key);
        }
        if let Some(snap) = known_str(planned, "snapshot_id") {
            req = req.snapshot_id(snap);
        }
        let out = req.send().await.map_err(sdk_error)?;
        let id = answered(out.volume_id(), "CreateVolume", "volume id")?;

        let partial = partial_state(planned, &id);
        wait_volume(&self.client, &id, VolumeState::Available, CREATE_TIMEOUT)
            .await
            .map_err(|e| e.with_partial(partial.clone()))?;
        match read_single(self, &partial).await {
            Ok(Some(state)) => Ok(state),
            Ok(None) => Err(ProviderError::new(format!(
                "EBS volume {id} disappeared right after it was created"
            ))
            .with_partial(partial)),
            Err(e) => Err(e.with_partial(partial)),
        }
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let ids = prior_ids(priors);
        let volumes = find::<Volume>(&self.client, &ids).await?;
        let keys = key_arns(
            &self.kms,
            volumes
                .values()
                .filter_map(|v| v.kms_key_id())
                .chain(priors.iter().filter_map(|p| p.str("kms_key_id"))),
        )
        .await;
        let mut account = None;
        let mut out = Vec::with_capacity(priors.len());
        for prior in priors {
            let Some(volume) = prior.str("id").and_then(|id| volumes.get(id)) else {
                out.push(None);
                continue;
            };
            if matches!(
                volume.state(),
                Some(VolumeState::Deleted | VolumeState::Deleting)
            ) {
                out.push(None);
                continue;
            }
            let owner = match volume.owner_id() {
                Some(o) => o.to_string(),
                None => match &account {
                    Some(a) => String::clone(a),
                    None => {
                        let a = self.account.id().await?.to_string();
                        account = Some(a.clone());
                        a
                    }
                },
            };
            out.push(Some(to_state(volume, prior, &keys, &self.region, &owner)));
        }
        Ok(out)
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = prior
            .str("id")
            .ok_or_else(|| ProviderError::new("aws_ebs_volume has no id in state"))?;
        if modify_volume(&self.client, id, prior, planned, "size", "type").await? {
            wait_volume_modified(&self.client, id, UPDATE_TIMEOUT).await?;
        }
        update_tags(&self.client, id, prior, planned).await?;
        read_single(self, &partial_state(planned, id))
            .await?
            .ok_or_else(|| ProviderError::new(format!("EBS volume {id} disappeared during update")))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(id) = prior.str("id") else {
            return Ok(());
        };
        // A volume still detaching answers VolumeInUse for a while.
        let in_use = Pace::every(Duration::from_secs(5), IN_USE_RETRY);
        let deleted = retry_while(
            in_use,
            |e| has_code(e, &["VolumeInUse"]),
            || async {
                self.client
                    .delete_volume()
                    .volume_id(id)
                    .send()
                    .await
                    .map_err(sdk_error)
            },
        );
        if none_if_gone(deleted.await)?.is_none() {
            return Ok(());
        }
        wait_volume(&self.client, id, VolumeState::Deleted, DELETE_TIMEOUT).await
    }

    fn review_change(&self, prior: &Object, planned: &Object) -> ChangeReview {
        ChangeReview {
            refused: refuse_shrink(prior, planned, "size", vec!["size"])
                .into_iter()
                .collect(),
            ..ChangeReview::default()
        }
    }

    fn normalise_config(&self, config: Object) -> Object {
        without_zero_performance(config, "type")
    }

    fn data_loss(&self, prior: &Object) -> Vec<VolumeLoss> {
        match prior.str("id") {
            Some(id) => vec![VolumeLoss {
                volume_id: id.to_string(),
                size_gib: prior.i64("size"),
                role: "volume".to_string(),
            }],
            None => Vec::new(),
        }
    }

    async fn snapshot(&self, volumes: &[VolumeLoss], meta: &Meta) -> Result<Vec<VolumeSnapshot>> {
        snapshot_volumes(&self.client, volumes, meta).await
    }
}

fn to_state(
    volume: &Volume,
    prior: &Object,
    keys: &HashMap<String, String>,
    region: &str,
    owner: &str,
) -> Object {
    let id = volume.volume_id().unwrap_or_default();
    let arn = volume
        .volume_arn()
        .map(str::to_string)
        .unwrap_or_else(|| ec2_arn(region, owner, &format!("volume/{id}")));
    crate::object! {
        "id" => id,
        "arn" => arn,
        "availability_zone" => volume.availability_zone(),
        "size" => volume.size(),
        "type" => volume.volume_type().map(|t| t.as_str()),
        "iops" => volume.iops(),
        "throughput" => volume.throughput(),
        "encrypted" => volume.encrypted(),
        "kms_key_id" => state_key(volume.kms_key_id(), prior.str("kms_key_id"), keys),
        "snapshot_id" => volume.snapshot_id().filter(|s| !s.is_empty()),
        "tags" => tags::user_tags(volume.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
    }
}

/// `iops = 0` on a type without provisioned IOPS, and `throughput = 0` on one
/// without provisioned throughput, mean "not set", as the provider reads them:
/// AWS reports its own figure (gp2: 3 IOPS per GiB), and no ModifyVolume can
/// make it 0, so the setting must not plan a change.
pub(super) fn without_zero_performance(mut config: Object, type_key: &str) -> Object {
    let (iops, throughput) = match config.get(type_key) {
        // Known only after apply: leave the figures alone.
        Some(Value::Unknown) => return config,
        Some(Value::String(kind)) => (
            matches!(kind.as_str(), "io1" | "io2" | "gp3"),
            kind == "gp3",
        ),
        // Not configured: AWS picks its default type, which has no provisioned figures.
        _ => (false, false),
    };
    if !iops {
        config = drop_zero(config, "iops");
    }
    if !throughput {
        config = drop_zero(config, "throughput");
    }
    config
}

fn drop_zero(mut config: Object, key: &str) -> Object {
    if config.get(key).and_then(Value::as_i64) == Some(0) {
        config.remove(key);
    }
    config
}

/// Sends ModifyVolume for what differs between `prior` and `planned` (size, type,
/// iops, throughput; the first two under the given attribute names). Returns
/// whether anything was sent.
pub(super) async fn modify_volume(
    client: &aws_sdk_ec2::Client,
    volume_id: &str,
    prior: &Object,
    planned: &Object,
    size_key: &str,
    type_key: &str,
) -> Result<bool> {
    let size_changed = known_change(prior, planned, size_key);
    let type_changed = known_change(prior, planned, type_key);
    let iops_changed = known_change(prior, planned, "iops");
    let throughput_changed = known_change(prior, planned, "throughput");
    if !(size_changed || type_changed || iops_changed || throughput_changed) {
        return Ok(false);
    }
    let mut req = client.modify_volume().volume_id(volume_id);
    if size_changed {
        req = req.set_size(known_i32(planned, size_key));
    }
    let new_type = known_str(planned, type_key).or(prior.str(type_key));
    if type_changed {
        req = req.set_volume_type(new_type.map(VolumeType::from));
    }
    // Changing to a provisioned type resets IOPS to a default unless they are sent.
    let provisioned = matches!(new_type, Some("io1" | "io2" | "gp3"));
    if iops_changed || (type_changed && provisioned) {
        req = req.set_iops(known_i32(planned, "iops").filter(|n| *n > 0));
    }
    if throughput_changed && new_type == Some("gp3") {
        req = req.set_throughput(known_i32(planned, "throughput").filter(|n| *n > 0));
    }
    req.send().await.map_err(sdk_error)?;
    Ok(true)
}

/// Waits until a volume is in `target` (`Deleted` also accepts a vanished volume).
pub(super) async fn wait_volume(
    client: &aws_sdk_ec2::Client,
    id: &str,
    target: VolumeState,
    timeout: Duration,
) -> Result<()> {
    let what = format!("EBS volume {id} to be {}", target.as_str());
    let start = Instant::now();
    wait_until(&what, Pace::backoff(timeout), || async {
        let found = find_one::<Volume>(client, id).await?;
        let state = found.as_ref().and_then(|v| v.state()).cloned();
        match state {
            None if target == VolumeState::Deleted => Ok(Some(())),
            // A volume just created can take a moment to be described.
            None if start.elapsed() < NOT_FOUND_GRACE => Ok(None),
            None => Err(ProviderError::with_code(
                "InvalidVolume.NotFound",
                format!("EBS volume {id} not found"),
            )),
            Some(s) if s == target => Ok(Some(())),
            Some(VolumeState::Error) => Err(ProviderError::new(format!(
                "EBS volume {id} is in state error"
            ))),
            Some(_) => Ok(None),
        }
    })
    .await
}

/// Waits until the latest modification of a volume is optimizing or completed
/// (the new size and type are usable from then on).
pub(super) async fn wait_volume_modified(
    client: &aws_sdk_ec2::Client,
    id: &str,
    timeout: Duration,
) -> Result<()> {
    let what = format!("EBS volume {id} modification");
    wait_until(&what, Pace::backoff(timeout), || async {
        let out = client
            .describe_volumes_modifications()
            .volume_ids(id)
            .send()
            .await
            .map_err(sdk_error)?;
        // moto returns every modification ever made; AWS only the latest.
        let Some(latest) = out.volumes_modifications().last() else {
            return Ok(Some(()));
        };
        match latest.modification_state() {
            Some(VolumeModificationState::Completed | VolumeModificationState::Optimizing)
            | None => Ok(Some(())),
            Some(VolumeModificationState::Failed) => Err(ProviderError::new(format!(
                "modifying EBS volume {id} failed: {}",
                latest.status_message().unwrap_or("no reason given")
            ))),
            Some(_) => Ok(None),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::without_zero_performance;
    use crate::object;
    use crate::value::Value;

    #[test]
    fn zero_iops_and_throughput_are_unset_where_the_type_has_no_such_setting() {
        let gp2 = object! {"type" => "gp2", "iops" => 0, "throughput" => 0, "size" => 8};
        assert_eq!(
            without_zero_performance(gp2, "type"),
            object! {"type" => "gp2", "size" => 8}
        );
        let untyped = object! {"iops" => 0};
        assert!(without_zero_performance(untyped, "type").is_empty());
        // gp3 keeps both (0 is then AWS's error to report); io1 keeps iops.
        let gp3 = object! {"type" => "gp3", "iops" => 0, "throughput" => 0};
        assert_eq!(without_zero_performance(gp3.clone(), "type"), gp3);
        let io1 = object! {"type" => "io1", "iops" => 0, "throughput" => 0};
        assert_eq!(
            without_zero_performance(io1, "type"),
            object! {"type" => "io1", "iops" => 0}
        );
        // A set figure, or a type known only after apply, is left alone.
        let set = object! {"type" => "gp2", "iops" => 100};
        assert_eq!(without_zero_performance(set.clone(), "type"), set);
        let unknown = object! {"type" => Value::Unknown, "iops" => 0};
        assert_eq!(without_zero_performance(unknown.clone(), "type"), unknown);
    }
}
