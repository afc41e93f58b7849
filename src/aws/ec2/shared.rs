//! Helpers shared by the EC2 types: ARNs, tags, filters, planned
//! values, protocol names, and deletes that wait.

use crate::aws::error::none_if_gone;
pub(super) use crate::aws::shared::Account;
use crate::aws::sts::region::partition_of as partition;
use crate::aws::wait::{has_code, retry_while, wait_until, Pace};
use crate::aws::{sdk_error, tags};
use crate::provider::{
    Meta, ProviderError, ProviderResult, RefusedChange, VolumeLoss, VolumeSnapshot,
};
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_ec2::types::{Filter, ResourceType, SnapshotState, Tag, TagSpecification};
use futures::future::BoxFuture;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::time::Duration;

/// Ids per describe call: AWS accepts up to 200 values in one filter.
pub(super) const CHUNK: usize = 100;

/// How long a delete keeps retrying while AWS still reports a dependency (ENIs of
/// terminated instances linger for a while, as Terraform knows too).
const DEPENDENCY_TIMEOUT: Duration = Duration::from_secs(300);

/// How long to wait for a new resource to become usable, or a deleted one to go.
pub(super) const STATE_TIMEOUT: Duration = Duration::from_secs(300);

/// `arn:<partition>:ec2:<region>:<account>:<resource>`.
pub(super) fn ec2_arn(region: &str, account: &str, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{region}:{account}:{resource}",
        partition(region)
    )
}

pub(super) fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// Runs `describe` with a filter `name` over `ids` (each once, CHUNK per call) and
/// gathers what the calls return. Unlike a list of ids, a filter does not fail
/// the whole call when one id no longer exists.
pub(super) async fn describe_by_filter<T, F, Fut>(
    name: &str,
    ids: &[String],
    describe: F,
) -> ProviderResult<Vec<T>>
where
    F: Fn(Filter) -> Fut,
    Fut: Future<Output = ProviderResult<Vec<T>>>,
{
    let unique: Vec<String> = ids
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut found = Vec::new();
    for chunk in unique.chunks(CHUNK) {
        found.extend(describe(filter(name, chunk)).await?);
    }
    Ok(found)
}

/// `items` keyed by their id (items without one are left out).
pub(super) fn by_id<T>(items: Vec<T>, id: impl Fn(&T) -> Option<&str>) -> HashMap<String, T> {
    items
        .into_iter()
        .filter_map(|item| Some((id(&item)?.to_string(), item)))
        .collect()
}

/// The user's tags plus recon's own, for the TagSpecifications of a create call.
pub(super) fn tag_specification(
    kind: ResourceType,
    planned: &Object,
    meta: &Meta,
) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(ec2_tags(&tags::with_recon_tags(planned, meta))))
        .build()
}

fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The state value of `tags`: what AWS reports minus recon's own tags.
pub(super) fn state_tags(aws: &[Tag]) -> Value {
    tags::user_tags(aws.iter().filter_map(|t| {
        Some((
            t.key()?.to_string(),
            t.value().unwrap_or_default().to_string(),
        ))
    }))
}

/// Moves the user's tags of an EC2 resource from `prior` to `planned` (nothing
/// while the planned tags are still unknown).
pub(super) async fn update_tags(
    client: &aws_sdk_ec2::Client,
    id: &str,
    prior: &Object,
    planned: &Object,
) -> ProviderResult<()> {
    let untag = |keys: Vec<String>| async move {
        let keys = keys.iter().map(|k| Tag::builder().key(k).build());
        let call = client
            .delete_tags()
            .resources(id)
            .set_tags(Some(keys.collect()));
        call.send().await.map(drop).map_err(sdk_error)
    };
    let tag = |set| async move {
        let call = client
            .create_tags()
            .resources(id)
            .set_tags(Some(ec2_tags(&set)));
        call.send().await.map(drop).map_err(sdk_error)
    };
    tags::sync(prior, planned, untag, tag).await
}

/// A string from AWS as a state value; an empty string (moto's way of saying
/// "none") is Null like a missing one.
pub(super) fn opt_str(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::String(s.to_string()),
        _ => Value::Null,
    }
}

/// One state per prior, in order: what `found` (by id) holds for its id, read by
/// `to_state`; None for a prior whose object is gone.
pub(super) fn states_by_id<T>(
    priors: &[Object],
    found: &HashMap<String, T>,
    to_state: impl Fn(&T) -> Object,
) -> Vec<Option<Object>> {
    priors
        .iter()
        .map(|p| p.str("id").and_then(|id| found.get(id)).map(&to_state))
        .collect()
}

/// [`states_by_id`] for a `to_state` that calls AWS, with the prior (one prior
/// after the other, in order).
pub(super) async fn states_by_id_with<'a, T>(
    priors: &'a [Object],
    found: &'a HashMap<String, T>,
    to_state: impl Fn(&'a T, &'a Object) -> BoxFuture<'a, ProviderResult<Object>>,
) -> ProviderResult<Vec<Option<Object>>> {
    let mut states = Vec::with_capacity(priors.len());
    for prior in priors {
        states.push(match prior.str("id").and_then(|id| found.get(id)) {
            Some(o) => Some(to_state(o, prior).await?),
            None => None,
        });
    }
    Ok(states)
}

/// The ids of the priors that have one, for a batched describe.
pub(super) fn prior_ids(priors: &[Object]) -> Vec<String> {
    priors
        .iter()
        .filter_map(|p| p.str("id").map(str::to_string))
        .collect()
}

pub(super) fn required<'a>(obj: &'a Object, key: &str) -> ProviderResult<&'a str> {
    obj.str(key)
        .ok_or_else(|| ProviderError::new(format!("`{key}` must be set")))
}

/// A known value that differs between prior and planned (Unknown means "keep").
pub(super) fn changed(prior: &Object, planned: &Object, key: &str) -> bool {
    match planned.get(key) {
        Some(Value::Unknown) => false,
        new => new.unwrap_or(&Value::Null) != prior.get(key).unwrap_or(&Value::Null),
    }
}

/// True when `planned` holds a known value for `key` that differs from `prior`
/// (unlike [`changed`], a key missing from `planned` means "keep").
pub(super) fn known_change(prior: &Object, planned: &Object, key: &str) -> bool {
    match planned.get(key) {
        None | Some(Value::Unknown) => false,
        Some(v) => prior.get(key).unwrap_or(&Value::Null) != v,
    }
}

/// A configured string (not Unknown, not Null).
pub(super) fn known_str<'a>(o: &'a Object, key: &str) -> Option<&'a str> {
    o.str(key)
}

pub(super) fn known_i32(o: &Object, key: &str) -> Option<i32> {
    o.i64(key).and_then(|n| i32::try_from(n).ok())
}

pub(super) fn known_bool(o: &Object, key: &str) -> Option<bool> {
    o.bool(key)
}

/// What to record when a create fails half way: the planned values with the id,
/// Unknowns dropped to Null.
pub(super) fn partial_state(planned: &Object, id: &str) -> Object {
    fn known(v: &Value) -> Value {
        match v {
            Value::Unknown => Value::Null,
            Value::List(items) => Value::List(items.iter().map(known).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), known(v))).collect())
            }
            other => other.clone(),
        }
    }
    let mut state: Object = planned.iter().map(|(k, v)| (k.clone(), known(v))).collect();
    state.insert("id".into(), Value::String(id.to_string()));
    state
}

/// The rest of a create after the call that made its object (waits, settings,
/// the read back): a failure there records `partial` (the new id, at least), so
/// that the object is kept in the state rather than lost.
pub(super) async fn after_create<T>(
    partial: Object,
    rest: impl Future<Output = ProviderResult<T>>,
) -> ProviderResult<T> {
    rest.await.map_err(|e| e.with_partial(partial))
}

/// An IP protocol as Terraform stores it: names for tcp/udp/icmp/icmpv6, "-1" for all.
pub(super) fn normalize_protocol(protocol: &str) -> String {
    let lower = protocol.trim().to_ascii_lowercase();
    match lower.as_str() {
        "-1" | "all" => "-1".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        "58" => "icmpv6".to_string(),
        _ => lower,
    }
}

/// Deletes a resource with `delete`, retried while AWS answers one of
/// `dependency_codes` (for at most DEPENDENCY_TIMEOUT), then waits until `gone`
/// says it no longer exists. Deleting something already gone is success.
pub(super) async fn delete_and_wait<T, D, DFut, G, GFut>(
    what: &str,
    dependency_codes: &[&str],
    delete: D,
    gone: G,
) -> ProviderResult<()>
where
    D: FnMut() -> DFut,
    DFut: Future<Output = ProviderResult<T>>,
    G: Fn() -> GFut,
    GFut: Future<Output = ProviderResult<bool>>,
{
    let dependency = Pace::backoff(DEPENDENCY_TIMEOUT)
        .starting(Duration::from_millis(500))
        .at_most(Duration::from_secs(10));
    let answer = retry_while(dependency, |e| has_code(e, dependency_codes), delete).await;
    if none_if_gone(answer)?.is_none() {
        return Ok(());
    }
    // `gone` says true once the object no longer exists.
    let pace = Pace::backoff(STATE_TIMEOUT);
    wait_until(format!("{what} to be deleted"), pace, || {
        let gone = gone();
        async move { Ok(gone.await?.then_some(())) }
    })
    .await
}

/// How long a snapshot may take before recon gives up (and destroys nothing).
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(3600);

/// Snapshots each volume, tagged with where it came from, and waits until every
/// snapshot is complete: only then may the change that destroys them go ahead.
pub(super) async fn snapshot_volumes(
    client: &aws_sdk_ec2::Client,
    volumes: &[VolumeLoss],
    meta: &Meta,
) -> ProviderResult<Vec<VolumeSnapshot>> {
    let mut taken = Vec::new();
    for volume in volumes {
        let tags = BTreeMap::from([
            (tags::TAG_STACK.to_string(), meta.stack.clone()),
            ("recon:snapshot-of".to_string(), meta.address.clone()),
            ("recon:volume".to_string(), volume.volume_id.clone()),
            (
                "Name".to_string(),
                format!("{} {} before destroy", meta.address, volume.role),
            ),
        ]);
        let out = client
            .create_snapshot()
            .volume_id(&volume.volume_id)
            .description(format!(
                "recon: {} of {} before a change destroys it",
                volume.role, meta.address
            ))
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Snapshot)
                    .set_tags(Some(ec2_tags(&tags)))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                let e = sdk_error(e);
                ProviderError {
                    message: format!("snapshotting {}: {}", volume.volume_id, e.message),
                    ..e
                }
            })?;
        let snapshot_id = out.snapshot_id().unwrap_or_default().to_string();
        taken.push(VolumeSnapshot {
            volume_id: volume.volume_id.clone(),
            snapshot_id,
        });
    }
    let ids: Vec<String> = taken.iter().map(|s| s.snapshot_id.clone()).collect();
    wait_until(
        "the snapshots to complete",
        Pace::backoff(SNAPSHOT_TIMEOUT),
        || async {
            let out = client
                .describe_snapshots()
                .set_snapshot_ids(Some(ids.clone()))
                .send()
                .await
                .map_err(sdk_error)?;
            let mut done = 0;
            for s in out.snapshots() {
                match s.state() {
                    Some(SnapshotState::Completed) => done += 1,
                    Some(SnapshotState::Error) => {
                        return Err(ProviderError::with_code(
                            "SnapshotFailed",
                            format!(
                                "snapshot {} of {} failed: {}",
                                s.snapshot_id().unwrap_or_default(),
                                s.volume_id().unwrap_or_default(),
                                s.state_message().unwrap_or("no reason given")
                            ),
                        ))
                    }
                    _ => {}
                }
            }
            Ok((done == ids.len()).then_some(()))
        },
    )
    .await?;
    Ok(taken)
}

/// Whether EC2 `tags` say a create with `meta`'s token made their object.
pub(super) fn tagged_for(tags: &[Tag], meta: &Meta) -> bool {
    let pairs = tags.iter().filter_map(|t| Some((t.key()?, t.value()?)));
    tags::made_for(pairs, meta)
}

/// What a create with `meta`'s token made, among the objects `listed` (for the
/// types DescribeTags does not serve): the first whose `tags` say so, read by
/// `state`. Nothing is listed without a token.
pub(super) async fn created_among<T, I, S>(
    meta: &Meta,
    listed: impl Future<Output = ProviderResult<I>>,
    tags: impl Fn(&T) -> &[Tag],
    state: impl FnOnce(T) -> S,
) -> ProviderResult<crate::provider::Created>
where
    I: IntoIterator<Item = T>,
    S: Future<Output = ProviderResult<Object>>,
{
    use crate::provider::Created;
    if meta.token.is_none() {
        return Ok(Created::Unknowable);
    }
    let ours = listed
        .await?
        .into_iter()
        .find(|o| tagged_for(tags(o), meta));
    Ok(match ours {
        Some(o) => Created::Found(state(o).await?),
        None => Created::Absent,
    })
}

/// What a create with `meta`'s token made, for an EC2 type: the resource of
/// `kind` (DescribeTags' resource-type, e.g. "vpc") tagged `recon:token`,
/// read in full. Other resources a create tags (an instance's volumes) are of
/// another kind and never match.
pub(super) async fn created_by_token(
    client: &aws_sdk_ec2::Client,
    kind: &str,
    rt: &(impl crate::provider::ResourceType + ?Sized),
    meta: &Meta,
) -> ProviderResult<crate::provider::Created> {
    use crate::provider::Created;
    let Some(token) = &meta.token else {
        return Ok(Created::Unknowable);
    };
    let out = client
        .describe_tags()
        .filters(filter("key", &[tags::TAG_TOKEN.to_string()]))
        .filters(filter("value", std::slice::from_ref(token)))
        .filters(filter("resource-type", &[kind.to_string()]))
        .send()
        .await
        .map_err(sdk_error)?;
    let ids: BTreeSet<String> = out
        .tags()
        .iter()
        .filter_map(|t| t.resource_id().map(str::to_string))
        .collect();
    for id in ids {
        if let Some(found) = crate::provider::read_single(rt, &rt.import_stub(&id)).await? {
            return Ok(Created::Found(found));
        }
    }
    Ok(Created::Absent)
}

/// Refuses a smaller `size_attr` than `prior` has: AWS grows an EBS volume in
/// place but can never shrink one. `path` is where the size is written.
pub(super) fn refuse_shrink(
    prior: &Object,
    planned: &Object,
    size_attr: &'static str,
    path: Vec<&'static str>,
) -> Option<RefusedChange> {
    let (Some(old), Some(new)) = (prior.i64(size_attr), planned.i64(size_attr)) else {
        return None;
    };
    (new < old).then(|| RefusedChange {
        message: format!(
            "AWS cannot shrink EBS volumes; {} is {new} GiB but the volume{} is {old} GiB",
            path.join("."),
            prior.str("volume_id").or(prior.str("id")).map(|v| format!(" {v}")).unwrap_or_default()
        ),
        help: format!(
            "set {} to {old} or more; for a smaller volume, create a new one and copy the data over, \
             since replacing this one destroys what it holds",
            path.join(".")
        ),
        path,
    })
}

/// CRC-32 (IEEE 802.3, as Go's crc32.ChecksumIEEE): how the provider derives ids.
pub(super) fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_ieee_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
