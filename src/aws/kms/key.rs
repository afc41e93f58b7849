//! aws_kms_key: a customer managed KMS key, its key policy, rotation and tags.

use crate::aws::prelude::*;
use crate::aws::shared::READ_CONCURRENCY;
use crate::provider::{DataLoss, Default, LossContext};
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType, Tag};
use futures::{StreamExt, TryStreamExt};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_kms_key",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::computed("key_id", Type::String),
        Attribute::optional_computed("description", Type::String),
        Attribute::optional("key_usage", Type::String)
            .default(Default::Str("ENCRYPT_DECRYPT"))
            .force_new(),
        Attribute::optional("customer_master_key_spec", Type::String)
            .default(Default::Str("SYMMETRIC_DEFAULT"))
            .force_new(),
        Attribute::optional("enable_key_rotation", Type::Bool).default(Default::Bool(false)),
        // Days between rotations (90 to 2560; AWS's default 365), with rotation on.
        Attribute::optional_computed("rotation_period_in_days", Type::Number),
        // Write-only: AWS applies 30 days when unset, as Terraform leaves it.
        Attribute::optional("deletion_window_in_days", Type::Number),
        // Write-only: passed to CreateKey and PutKeyPolicy.
        Attribute::optional("bypass_policy_lockout_safety_check", Type::Bool)
            .default(Default::Bool(false)),
        // When unset AWS attaches its default key policy.
        Attribute::optional_computed("policy", Type::Json),
        Attribute::optional("is_enabled", Type::Bool).default(Default::Bool(true)),
        Attribute::optional_computed("multi_region", Type::Bool).force_new(),
        TAGS,
    ],
    blocks: &[],
};

/// KMS keeps one key policy per key, always under this name.
pub(super) const POLICY_NAME: &str = "default";
const DELETE_TIMEOUT: Duration = Duration::from_secs(300);

pub struct KmsKey {
    client: aws_sdk_kms::Client,
    /// For what the key encrypts when it is to be deleted.
    encrypts: super::encrypts::Scanner,
    /// For the create call alone: never retried by the SDK (see `Clients::once`).
    once: aws_sdk_kms::Client,
}

impl KmsKey {
    pub fn new(clients: &Clients) -> Self {
        KmsKey {
            client: clients.kms.clone(),
            encrypts: super::encrypts::Scanner::new(clients),
            once: clients.once().kms.clone(),
        }
    }
}

#[async_trait]
impl ResourceType for KmsKey {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        if let Some(days) = planned.i64("deletion_window_in_days") {
            check_deletion_window(days)?;
        }
        let kms_tags = kms_tags(tags::with_recon_tags(planned, meta))?;
        let output = self
            .once
            .create_key()
            .key_usage(KeyUsageType::from(
                planned.str("key_usage").unwrap_or("ENCRYPT_DECRYPT"),
            ))
            .key_spec(KeySpec::from(
                planned
                    .str("customer_master_key_spec")
                    .unwrap_or("SYMMETRIC_DEFAULT"),
            ))
            .bypass_policy_lockout_safety_check(
                planned
                    .bool("bypass_policy_lockout_safety_check")
                    .unwrap_or(false),
            )
            .set_description(planned.str("description").map(str::to_string))
            .set_multi_region(planned.bool("multi_region"))
            .set_policy(planned.str("policy").map(str::to_string))
            .set_tags(Some(kms_tags))
            .send()
            .await
            .map_err(sdk_error)?;
        let metadata = output
            .key_metadata()
            .ok_or_else(|| ProviderError::new("CreateKey returned no key metadata"))?;
        let key_id = metadata.key_id().to_string();
        let partial = partial_state(planned, &key_id, metadata.arn());

        // Settings CreateKey cannot take.
        let steps = async {
            if planned.bool("enable_key_rotation") == Some(true) {
                self.set_rotation(&key_id, true, rotation_period(planned)?)
                    .await?;
            }
            if planned.bool("is_enabled") == Some(false) {
                self.set_enabled(&key_id, false).await?;
            }
            self.read_one(&key_id, planned).await
        };
        created(steps.await, partial, format_args!("KMS key {key_id}"))
    }

    /// A key has no name: the one tagged with this create's token, among every key
    /// of the account (one ListResourceTags per key). Keys pending deletion count
    /// as gone, as `read` has them.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(token) = &meta.token else {
            return Ok(Created::Unknowable);
        };
        let keys: Vec<_> = all_items!(self.client.list_keys())?;
        let ids: Vec<String> = keys
            .iter()
            .filter_map(|k| k.key_id().map(str::to_string))
            .collect();
        // Collected first: a lazy map inside the stream trips the Send check.
        let lookups: Vec<_> = ids
            .into_iter()
            .map(|id| async move {
                match list_tags(&self.client, &id).await {
                    Ok(found) => {
                        let ours = found
                            .iter()
                            .any(|(k, v)| k == tags::TAG_TOKEN && v == token)
                            && tags::made_for(
                                found.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                                meta,
                            );
                        Ok(ours.then_some(id))
                    }
                    // Deleted meanwhile; or another's key whose policy keeps us out
                    // (a key recon made grants its creator, unless its policy says
                    // otherwise).
                    Err(e)
                        if is_not_found(&e)
                            || e.code.as_deref() == Some("AccessDeniedException") =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .collect();
        let tagged: Vec<Option<String>> = futures::stream::iter(lookups)
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        for id in tagged.into_iter().flatten() {
            if let Some(state) = self.read_one(&id, planned).await? {
                return Ok(Created::Found(state));
            }
        }
        Ok(Created::Absent)
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_one(id, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        if let Some(days) = planned.i64("deletion_window_in_days") {
            check_deletion_window(days)?;
        }
        let enable = changed_bool(prior, planned, "is_enabled");
        // A disabled key cannot be changed: enable it first, disable it last.
        if enable == Some(true) {
            self.set_enabled(id, true).await?;
        }
        let period = rotation_period(planned)?;
        let rotation = changed_bool(prior, planned, "enable_key_rotation");
        let new_period =
            period.is_some() && prior.i64("rotation_period_in_days") != period.map(i64::from);
        if let Some(rotation) = rotation {
            self.set_rotation(id, rotation, period).await?;
        } else if new_period && planned.bool("enable_key_rotation") == Some(true) {
            // EnableKeyRotation on a rotating key changes its period.
            self.set_rotation(id, true, period).await?;
        }
        if let Some(description) = planned.str("description") {
            if prior.str("description") != Some(description) {
                self.client
                    .update_key_description()
                    .key_id(id)
                    .description(description)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        if let Some(policy) = planned.str("policy") {
            if !same_json(prior.str("policy"), policy) {
                self.client
                    .put_key_policy()
                    .key_id(id)
                    .policy_name(POLICY_NAME)
                    .policy(policy)
                    .bypass_policy_lockout_safety_check(
                        planned
                            .bool("bypass_policy_lockout_safety_check")
                            .unwrap_or(false),
                    )
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        tags::sync_tags!(prior => planned;
            self.client, untag_resource / tag_resource;
            key_id(id), kms_tags)
        .await?;
        if enable == Some(false) {
            self.set_enabled(id, false).await?;
        }
        self.read_one(id, planned)
            .await?
            .ok_or_else(|| ProviderError::new(format!("KMS key {id} disappeared during update")))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(id) = prior.str("id") else {
            return Ok(());
        };
        let result = self
            .client
            .schedule_key_deletion()
            .key_id(id)
            .set_pending_window_in_days(
                prior
                    .i64("deletion_window_in_days")
                    .and_then(|d| i32::try_from(d).ok()),
            )
            .send()
            .await
            .map_err(sdk_error);
        match result {
            Ok(_) => {}
            Err(err) if is_not_found(&err) => return Ok(()),
            Err(err) if is_pending_deletion(&err) => return Ok(()),
            Err(err) => return Err(err),
        }
        wait_key_gone(&self.client, id).await
    }

    async fn assess_data_loss(
        &self,
        prior: &Object,
        ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        let encrypted = self.encrypts.encrypted_by(prior, ctx).await?;
        Ok(encrypted.into_iter().map(DataLoss::Encrypted).collect())
    }
}

impl KmsKey {
    /// Reads one key in full; None when it is gone or pending deletion. `prior` supplies
    /// the write-only attributes and the user's spelling of nothing else.
    async fn read_one(&self, id: &str, prior: &Object) -> Result<Option<Object>> {
        let Some(metadata) = find_key(&self.client, id).await? else {
            return Ok(None);
        };
        let rotation = async {
            match self
                .client
                .get_key_rotation_status()
                .key_id(id)
                .send()
                .await
            {
                Ok(out) => Ok((out.key_rotation_enabled(), out.rotation_period_in_days())),
                Err(err) => {
                    let err = sdk_error(err);
                    // Asymmetric and HMAC keys have no rotation to report.
                    if err.code.as_deref() == Some("UnsupportedOperationException") {
                        Ok((false, None))
                    } else {
                        Err(err)
                    }
                }
            }
        };
        let policy = async {
            self.client
                .get_key_policy()
                .key_id(id)
                .policy_name(POLICY_NAME)
                .send()
                .await
                .map(|out| out.policy().map(str::to_string))
                .map_err(sdk_error)
        };
        let found = futures::try_join!(rotation, policy, list_tags(&self.client, id));
        let (rotation, policy, key_tags) = match found {
            Ok(parts) => parts,
            // Deleted between the calls.
            Err(err) if is_not_found(&err) => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(Some(to_state(&metadata, rotation, policy, key_tags, prior)))
    }

    async fn set_rotation(&self, id: &str, enabled: bool, period: Option<i32>) -> Result<()> {
        if enabled {
            self.client
                .enable_key_rotation()
                .key_id(id)
                .set_rotation_period_in_days(period)
                .send()
                .await
                .map_err(sdk_error)?;
        } else {
            self.client
                .disable_key_rotation()
                .key_id(id)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }

    async fn set_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        if enabled {
            self.client
                .enable_key()
                .key_id(id)
                .send()
                .await
                .map_err(sdk_error)?;
        } else {
            self.client
                .disable_key()
                .key_id(id)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(())
    }
}

/// DescribeKey; None when the key does not exist or is scheduled for deletion (as
/// Terraform, a key pending deletion counts as gone).
pub(super) async fn find_key(
    client: &aws_sdk_kms::Client,
    id: &str,
) -> Result<Option<aws_sdk_kms::types::KeyMetadata>> {
    let found = client.describe_key().key_id(id).send().await;
    let Some(output) = none_if_gone(found.map_err(sdk_error))? else {
        return Ok(None);
    };
    Ok(output.key_metadata.filter(|m| {
        !matches!(
            m.key_state(),
            Some(KeyState::PendingDeletion) | Some(KeyState::PendingReplicaDeletion)
        )
    }))
}

/// All tags on a key, following NextMarker.
async fn list_tags(client: &aws_sdk_kms::Client, id: &str) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut marker = None;
    loop {
        let out = client
            .list_resource_tags()
            .key_id(id)
            .set_marker(marker)
            .send()
            .await
            .map_err(sdk_error)?;
        found.extend(
            out.tags()
                .iter()
                .map(|t| (t.tag_key().to_string(), t.tag_value().to_string())),
        );
        match out.next_marker() {
            Some(next) if out.truncated() => marker = Some(next.to_string()),
            _ => return Ok(found),
        }
    }
}

/// Polls until the key is pending deletion or gone.
async fn wait_key_gone(client: &aws_sdk_kms::Client, id: &str) -> Result<()> {
    let what = format!("KMS key {id} to be scheduled for deletion");
    wait_until(
        what,
        Pace::every(Duration::from_secs(2), DELETE_TIMEOUT),
        || async { Ok(find_key(client, id).await?.is_none().then_some(())) },
    )
    .await
}

fn kms_tags(tags: BTreeMap<String, String>) -> Result<Vec<Tag>> {
    let tag = |(key, value)| Tag::builder().tag_key(key).tag_value(value).build();
    let tags = tags.into_iter().map(tag).collect::<Result<_, _>>();
    tags.map_err(|e| ProviderError::new(format!("invalid KMS tag: {e}")))
}

fn check_deletion_window(days: i64) -> Result<()> {
    if (7..=30).contains(&days) {
        Ok(())
    } else {
        Err(ProviderError::new(format!(
            "deletion_window_in_days must be between 7 and 30, got {days}"
        )))
    }
}

fn is_pending_deletion(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("KMSInvalidStateException")
        && err.message.contains("pending deletion")
}

/// The new value of a bool attribute when the plan changes it.
fn changed_bool(prior: &Object, planned: &Object, key: &str) -> Option<bool> {
    let new = planned.bool(key)?;
    (prior.bool(key) != Some(new)).then_some(new)
}

/// True when `old` holds the same JSON document as `new` (text when either is not JSON).
fn same_json(old: Option<&str>, new: &str) -> bool {
    let Some(old) = old else {
        return false;
    };
    match (
        serde_json::from_str::<serde_json::Value>(old),
        serde_json::from_str::<serde_json::Value>(new),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => old == new,
    }
}

/// What is known right after CreateKey, for a create that fails half way.
fn partial_state(planned: &Object, key_id: &str, arn: Option<&str>) -> Object {
    let mut state = planned.clone();
    state.retain(|_, v| !v.is_unknown());
    state.insert("id".into(), Value::from(key_id));
    state.insert("key_id".into(), Value::from(key_id));
    state.insert("arn".into(), Value::from(arn));
    state
}

/// The configured period, checked as KMS would.
fn rotation_period(planned: &Object) -> Result<Option<i32>> {
    let Some(days) = planned.i64("rotation_period_in_days") else {
        return Ok(None);
    };
    match i32::try_from(days).ok().filter(|d| (90..=2560).contains(d)) {
        Some(d) => Ok(Some(d)),
        None => Err(ProviderError::new(format!(
            "aws_kms_key: rotation_period_in_days must be between 90 and 2560, got {days}"
        ))),
    }
}

/// The period AWS reports for a rotating key; when it reports none (moto never
/// does), the one known before; none for a key that does not rotate.
fn rotation_period_state(rotation: bool, period: Option<i32>, prior: &Object) -> Value {
    match (rotation, period) {
        (false, _) => Value::Null,
        (true, Some(days)) => Value::from(days),
        (true, None) => match prior.get("rotation_period_in_days") {
            Some(Value::Number(n)) => Value::Number(*n),
            _ => Value::Null,
        },
    }
}

fn to_state(
    metadata: &aws_sdk_kms::types::KeyMetadata,
    (rotation, period): (bool, Option<i32>),
    policy: Option<String>,
    key_tags: Vec<(String, String)>,
    prior: &Object,
) -> Object {
    let write_only = |key: &str| match prior.get(key) {
        Some(v) if !v.is_unknown() => v.clone(),
        _ => Value::Null,
    };
    let bypass = prior
        .bool("bypass_policy_lockout_safety_check")
        .unwrap_or(false);
    crate::object! {
        "id" => metadata.key_id(),
        "arn" => metadata.arn(),
        "key_id" => metadata.key_id(),
        "description" => metadata.description().unwrap_or_default(),
        "key_usage" => metadata.key_usage().map(|u| u.as_str()),
        "customer_master_key_spec" => metadata.key_spec().map(|s| s.as_str()),
        "enable_key_rotation" => rotation,
        "rotation_period_in_days" => rotation_period_state(rotation, period, prior),
        "deletion_window_in_days" => write_only("deletion_window_in_days"),
        "bypass_policy_lockout_safety_check" => bypass,
        "policy" => policy,
        "is_enabled" => metadata.enabled(),
        "multi_region" => metadata.multi_region().unwrap_or(false),
        "tags" => tags::user_tags(key_tags),
    }
}
