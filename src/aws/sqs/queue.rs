//! aws_sqs_queue: an SQS queue (standard or FIFO), its settings, encryption and tags.

use crate::aws::attribute_map::{changed, for_create_where, Reported, Settings};
use crate::aws::fifo_name::FifoNaming;
use crate::aws::prelude::*;
use crate::provider::Default;
use crate::value::json_equal;
use aws_sdk_sqs::types::QueueAttributeName;
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_sqs_queue",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::computed("url", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("fifo_queue", Type::Bool)
            .default(Default::Bool(false))
            .force_new(),
        Attribute::optional("content_based_deduplication", Type::Bool)
            .default(Default::Bool(false)),
        // FIFO only: AWS reports them for FIFO queues alone.
        Attribute::optional_computed("deduplication_scope", Type::String)
            .one_of(&["messageGroup", "queue"]),
        Attribute::optional_computed("fifo_throughput_limit", Type::String)
            .one_of(&["perMessageGroupId", "perQueue"]),
        Attribute::optional("delay_seconds", Type::Number)
            .whole_in(0, 900)
            .default(Default::Int(0)),
        // Terraform keeps 256 KiB although AWS now allows (and defaults new queues to) 1 MiB.
        Attribute::optional("max_message_size", Type::Number)
            .whole_in(1_024, 1_048_576)
            .default(Default::Int(262_144)),
        Attribute::optional("message_retention_seconds", Type::Number)
            .whole_in(60, 1_209_600)
            .default(Default::Int(345_600)),
        Attribute::optional("receive_wait_time_seconds", Type::Number)
            .whole_in(0, 20)
            .default(Default::Int(0)),
        Attribute::optional("visibility_timeout_seconds", Type::Number)
            .whole_in(0, 43_200)
            .default(Default::Int(30)),
        Attribute::optional_computed("policy", Type::Json),
        Attribute::optional_computed("redrive_policy", Type::Json),
        Attribute::optional_computed("redrive_allow_policy", Type::Json),
        Attribute::optional("kms_master_key_id", Type::String),
        Attribute::optional_computed("kms_data_key_reuse_period_seconds", Type::Number)
            .whole_in(60, 86_400),
        Attribute::optional_computed("sqs_managed_sse_enabled", Type::Bool),
        TAGS,
    ],
    blocks: &[],
};

/// Schema attribute → SQS queue attribute, for everything CreateQueue and
/// SetQueueAttributes take.
const SETTINGS: Settings = &[
    ("fifo_queue", "FifoQueue"),
    ("content_based_deduplication", "ContentBasedDeduplication"),
    ("deduplication_scope", "DeduplicationScope"),
    ("fifo_throughput_limit", "FifoThroughputLimit"),
    ("delay_seconds", "DelaySeconds"),
    ("max_message_size", "MaximumMessageSize"),
    ("message_retention_seconds", "MessageRetentionPeriod"),
    ("receive_wait_time_seconds", "ReceiveMessageWaitTimeSeconds"),
    ("visibility_timeout_seconds", "VisibilityTimeout"),
    ("policy", "Policy"),
    ("redrive_policy", "RedrivePolicy"),
    ("redrive_allow_policy", "RedriveAllowPolicy"),
    ("kms_master_key_id", "KmsMasterKeyId"),
    (
        "kms_data_key_reuse_period_seconds",
        "KmsDataKeyReusePeriodSeconds",
    ),
    ("sqs_managed_sse_enabled", "SqsManagedSseEnabled"),
];

/// Inclusive ranges AWS (and Terraform's validation) allow.
/// What AWS applies (and Terraform stores) when the reuse period is not reported.
const DEFAULT_KMS_REUSE_SECONDS: i64 = 300;
/// AWS refuses a name for 60 s after its queue was deleted; wait a bit longer.
const DELETED_RECENTLY_WAIT: Duration = Duration::from_secs(90);
/// SQS attributes can take up to a minute to show everywhere.
const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(90);
/// Terraform's delete timeout.
const DELETE_TIMEOUT: Duration = Duration::from_secs(180);
const POLL: Duration = Duration::from_secs(2);

const DELETED_RECENTLY: &[&str] = &[
    "AWS.SimpleQueueService.QueueDeletedRecently",
    "QueueDeletedRecently",
];

client_type!(SqsQueue: sqs, once);

#[async_trait]
impl ResourceType for SqsQueue {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn check_config(&self, config: &Object) -> Result<()> {
        NAMING.check_deduplication(config)
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        check_create_conflicts(planned)?;
        let name = queue_name(planned, meta)?;
        let what = format!("an SQS queue named {name}");
        // CreateQueue hands back an existing queue of the same name and settings:
        // refuse to take one over unless an earlier attempt of this very create made it.
        let code = "QueueAlreadyExists";
        if let Some(adopted) =
            look_before_create(self, code, || what.clone(), planned, meta).await?
        {
            return Ok(adopted);
        }
        let attributes = create_attributes(planned);
        let made = self
            .create_queue(&name, &attributes, tags::with_recon_tags(planned, meta))
            .await;
        let url = made_or_claim!(made, self, &what, planned, meta);

        let mut partial = planned.clone();
        partial.retain(|_, v| !v.is_unknown());
        partial.insert("id".into(), Value::from(url.as_str()));
        partial.insert("url".into(), Value::from(url.as_str()));
        partial.insert("name".into(), Value::from(name.as_str()));

        let steps = async {
            self.wait_propagated(&url, &attributes).await?;
            self.read_one(&url, planned).await
        };
        created(steps.await, partial, format_args!("SQS queue {name}"))
    }

    /// The queue of the name the create asks for, when its tags say it was made
    /// for `meta` (a generated name is derived from the token, so it is found too).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let found = async {
            let Some(url) = self.url_of(&queue_name(planned, meta)?).await? else {
                return Ok(None);
            };
            Ok(self.queue_tags(&url).await?.map(|t| (url, t)))
        };
        let read = |url: String| async move { self.read_one(&url, planned).await };
        find_named(planned.str("name"), meta, found, tags::map_made_for, read).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_one(id, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let url = state_id(prior, SCHEMA.type_name)?;
        let changes = changed_attributes(prior, planned);
        if !changes.is_empty() {
            self.client
                .set_queue_attributes()
                .queue_url(url)
                .set_attributes(Some(api_map(&changes)))
                .send()
                .await
                .map_err(sdk_error)?;
            self.wait_propagated(url, &changes).await?;
        }
        tags::sync_tags!(prior => planned;
            self.client, untag_queue / tag_queue;
            queue_url(url), tags::tag_map)
        .await?;
        self.read_one(url, planned)
            .await?
            .ok_or_else(|| ProviderError::new(format!("SQS queue {url} disappeared during update")))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(url) = prior.str("id") else {
            return Ok(());
        };
        let deleted = self.client.delete_queue().queue_url(url).send().await;
        if none_if_gone(deleted.map_err(sdk_error))?.is_none() {
            return Ok(());
        }
        self.wait_gone(url).await
    }
}

impl SqsQueue {
    /// Reads one queue by URL (or name); None when it does not exist. `prior`
    /// supplies what AWS does not report: the name prefix, a reuse period on an
    /// unencrypted queue, and an explicitly empty policy.
    async fn read_one(&self, id: &str, prior: &Object) -> Result<Option<Object>> {
        let url = if is_url(id) {
            id.to_string()
        } else {
            match self.url_of(id).await? {
                Some(url) => url,
                None => return Ok(None),
            }
        };
        let found = futures::try_join!(self.attributes(&url), self.queue_tags(&url));
        match found {
            Ok((Some(attributes), Some(queue_tags))) => {
                Ok(Some(to_state(&url, &attributes, queue_tags, prior)))
            }
            Ok(_) => Ok(None),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// GetQueueAttributes(All) as a name → value map; None when the queue is gone.
    async fn attributes(&self, url: &str) -> Result<Option<BTreeMap<String, String>>> {
        let got = (self.client.get_queue_attributes().queue_url(url))
            .attribute_names(QueueAttributeName::All)
            .send();
        let found = none_if_gone(got.await.map_err(sdk_error))?;
        Ok(found.map(|out| {
            (out.attributes.unwrap_or_default().into_iter())
                .map(|(k, v)| (k.as_str().to_string(), v))
                .collect()
        }))
    }

    /// Every tag on the queue (recon's own included); None when the queue is gone.
    async fn queue_tags(&self, url: &str) -> Result<Option<BTreeMap<String, String>>> {
        let listed = self.client.list_queue_tags().queue_url(url).send();
        let found = none_if_gone(listed.await.map_err(sdk_error))?;
        Ok(found.map(|out| out.tags.unwrap_or_default().into_iter().collect()))
    }

    /// GetQueueUrl; None when no queue has that name.
    async fn url_of(&self, name: &str) -> Result<Option<String>> {
        let got = self.client.get_queue_url().queue_name(name).send();
        let found = none_if_gone(got.await.map_err(sdk_error))?;
        Ok(found.and_then(|out| out.queue_url))
    }

    /// CreateQueue, waiting out the minute AWS refuses a recently deleted name
    /// (a replaced queue that keeps its name hits this). Returns the queue URL.
    async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        queue_tags: BTreeMap<String, String>,
    ) -> Result<String> {
        let create = || async {
            self.once
                .create_queue()
                .queue_name(name)
                .set_attributes(Some(api_map(attributes)))
                .set_tags(Some(queue_tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(sdk_error)
        };
        let refused = |e: &ProviderError| has_code(e, DELETED_RECENTLY);
        let pace = Pace::every(Duration::from_secs(5), DELETED_RECENTLY_WAIT);
        match retry_while(pace, refused, create).await {
            Ok(out) => out.queue_url().map(str::to_string).ok_or_else(|| {
                ProviderError::new(format!("CreateQueue returned no URL for {name}"))
            }),
            Err(err) if refused(&err) => Err(ProviderError {
                message: format!(
                    "SQS still refuses the name {name} {}s after asking: a queue of that name was \
                     deleted less than 60 s ago; apply again in a minute, or choose another name",
                    DELETED_RECENTLY_WAIT.as_secs()
                ),
                ..err
            }),
            Err(err) => Err(err),
        }
    }

    /// Polls until every attribute just set reads back with that value. An
    /// attribute the queue does not report is taken as set (some are reported only
    /// for encrypted or FIFO queues).
    async fn wait_propagated(&self, url: &str, expected: &BTreeMap<String, String>) -> Result<()> {
        let lagging = std::sync::Mutex::new(String::new());
        let settled = poll_until(Pace::every(POLL, PROPAGATION_TIMEOUT), || async {
            // A new queue can be invisible for a moment: not found is "not yet".
            let behind: Vec<&str> = match self.attributes(url).await? {
                Some(got) => expected
                    .iter()
                    .filter(|(k, want)| {
                        got.get(*k).is_some_and(|have| !same_setting(k, have, want))
                    })
                    .map(|(k, _)| k.as_str())
                    .collect(),
                None => vec!["(queue not visible yet)"],
            };
            *lagging.lock().unwrap_or_else(|e| e.into_inner()) = behind.join(", ");
            Ok(behind.is_empty().then_some(()))
        });
        settled.await?.ok_or_else(|| {
            ProviderError::new(format!(
                "timed out after {}s waiting for SQS queue {url} to report {}",
                PROPAGATION_TIMEOUT.as_secs(),
                lagging.lock().unwrap_or_else(|e| e.into_inner())
            ))
        })
    }

    /// Polls GetQueueUrl until the name is gone (deletes take up to 60 s in AWS).
    async fn wait_gone(&self, url: &str) -> Result<()> {
        let name = name_from_url(url);
        let what = format!("SQS queue {url}");
        wait_gone(what, Pace::every(POLL, DELETE_TIMEOUT), || async {
            Ok(self.url_of(name).await?.is_some())
        })
        .await
    }
}

fn is_url(id: &str) -> bool {
    id.starts_with("https://") || id.starts_with("http://")
}

/// The queue name: the last segment of its URL.
fn name_from_url(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

fn api_map(attributes: &BTreeMap<String, String>) -> HashMap<QueueAttributeName, String> {
    attributes
        .iter()
        .map(|(k, v)| (QueueAttributeName::from(k.as_str()), v.clone()))
        .collect()
}

/// Attribute `api` as AWS reports it equals what was set.
fn same_setting(api: &str, have: &str, want: &str) -> bool {
    match api {
        "Policy" | "RedrivePolicy" | "RedriveAllowPolicy" => {
            (have.is_empty() && want.is_empty()) || json_equal(have, want)
        }
        _ => have == want,
    }
}

/// What CreateQueue gets, as Terraform sends it: true booleans (and
/// sqs_managed_sse_enabled whenever configured), every number but an unset or zero
/// reuse period, and non-empty strings.
fn create_attributes(planned: &Object) -> BTreeMap<String, String> {
    let send = |attr: &Attribute, value: &Value, encoded: &str| match attr.ty {
        Type::Bool => attr.name == "sqs_managed_sse_enabled" || value.as_bool() == Some(true),
        Type::Number => !attr.is_computed() || value.as_i64() != Some(0),
        _ => !encoded.is_empty(),
    };
    for_create_where(&SCHEMA, SETTINGS, planned, send)
        .into_iter()
        .collect()
}

/// What SetQueueAttributes gets: each setting the plan changes, unset strings as
/// "" (which removes a policy or a KMS key).
fn changed_attributes(prior: &Object, planned: &Object) -> BTreeMap<String, String> {
    changed(&SCHEMA, SETTINGS, prior, planned)
        .into_iter()
        .collect()
}

/// Checks done before any call, as Terraform's validation and CustomizeDiff do.
/// Arguments that may not be configured together. Checked at create only: on
/// update, computed values carried over from state cannot be told from configured ones.
fn check_create_conflicts(planned: &Object) -> Result<()> {
    let set = |k: &str| planned.str(k).is_some_and(|s| !s.is_empty());
    if set("name") && set("name_prefix") {
        return Err(ProviderError::new(
            "aws_sqs_queue: \"name\" and \"name_prefix\" cannot both be set",
        ));
    }
    if set("kms_master_key_id") && planned.bool("sqs_managed_sse_enabled").is_some() {
        return Err(ProviderError::new(
            "aws_sqs_queue: \"kms_master_key_id\" and \"sqs_managed_sse_enabled\" cannot both be set \
             (SSE-KMS and SSE-SQS are alternatives)",
        ));
    }
    Ok(())
}

/// SQS's rules: up to 80 characters, ".fifo" included.
const NAMING: FifoNaming = FifoNaming {
    type_name: "aws_sqs_queue",
    noun: "queue",
    fifo_attr: "fifo_queue",
    max: 80,
};

fn queue_name(planned: &Object, meta: &Meta) -> Result<String> {
    NAMING.name(planned, meta)
}

fn to_state(
    url: &str,
    attributes: &BTreeMap<String, String>,
    queue_tags: BTreeMap<String, String>,
    prior: &Object,
) -> Object {
    let got = Reported::new(attributes, prior);
    // Reported for encrypted queues only: otherwise what was asked for, else AWS's 300.
    let reuse = match got.number("KmsDataKeyReusePeriodSeconds") {
        Value::Null => match prior.get("kms_data_key_reuse_period_seconds") {
            Some(v @ Value::Number(_)) => v.clone(),
            _ => Value::from(DEFAULT_KMS_REUSE_SECONDS),
        },
        v => v,
    };
    let name_prefix = match prior.get("name_prefix") {
        Some(Value::String(p)) => Value::from(p.as_str()),
        _ => Value::Null,
    };
    crate::object! {
        "id" => url,
        "arn" => got.text("QueueArn"),
        "url" => url,
        "name" => name_from_url(url),
        "name_prefix" => name_prefix,
        "fifo_queue" => got.flag("FifoQueue"),
        "content_based_deduplication" => got.flag("ContentBasedDeduplication"),
        "deduplication_scope" => got.text("DeduplicationScope"),
        "fifo_throughput_limit" => got.text("FifoThroughputLimit"),
        "delay_seconds" => got.number("DelaySeconds"),
        "max_message_size" => got.number("MaximumMessageSize"),
        "message_retention_seconds" => got.number("MessageRetentionPeriod"),
        "receive_wait_time_seconds" => got.number("ReceiveMessageWaitTimeSeconds"),
        "visibility_timeout_seconds" => got.number("VisibilityTimeout"),
        "policy" => got.document("Policy", "policy"),
        "redrive_policy" => got.document("RedrivePolicy", "redrive_policy"),
        "redrive_allow_policy" => got.document("RedriveAllowPolicy", "redrive_allow_policy"),
        "kms_master_key_id" => got.text("KmsMasterKeyId"),
        "kms_data_key_reuse_period_seconds" => reuse,
        "sqs_managed_sse_enabled" => got.flag("SqsManagedSseEnabled"),
        "tags" => tags::user_tags(queue_tags),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_sends_what_terraform_sends() {
        let planned = crate::object! {
            "fifo_queue" => false,
            "content_based_deduplication" => false,
            "deduplication_scope" => Value::Unknown,
            "delay_seconds" => 0,
            "max_message_size" => 262_144,
            "policy" => Value::Unknown,
            "kms_master_key_id" => Value::Null,
            "kms_data_key_reuse_period_seconds" => Value::Unknown,
            "sqs_managed_sse_enabled" => false,
        };
        let sent = create_attributes(&planned);
        let keys: Vec<&str> = sent.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["DelaySeconds", "MaximumMessageSize", "SqsManagedSseEnabled"]
        );
        assert_eq!(sent["SqsManagedSseEnabled"], "false");
    }

    #[test]
    fn update_sends_changes_only_and_clears_removed_strings() {
        let prior = crate::object! {
            "visibility_timeout_seconds" => 30,
            "delay_seconds" => 0,
            "kms_master_key_id" => "alias/aws/sqs",
            "policy" => r#"{"Version":"2012-10-17","Statement":[]}"#,
        };
        let planned = crate::object! {
            "visibility_timeout_seconds" => 60,
            "delay_seconds" => 0,
            "kms_master_key_id" => Value::Null,
            "policy" => r#"{ "Statement": [], "Version": "2012-10-17" }"#,
        };
        let sent = changed_attributes(&prior, &planned);
        assert_eq!(
            sent.into_iter().collect::<Vec<_>>(),
            vec![
                ("KmsMasterKeyId".to_string(), String::new()),
                ("VisibilityTimeout".to_string(), "60".to_string()),
            ]
        );
    }
}
