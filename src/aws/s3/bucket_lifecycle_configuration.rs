//! aws_s3_bucket_lifecycle_configuration: the rules that move a bucket's objects
//! to cheaper storage classes and expire them (and their old versions).

use super::config::{BucketConfig, BucketSetting};
use super::shared::{unless_gone, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::object;
use crate::provider::{BlockType, Nesting};
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter,
    NoncurrentVersionExpiration, NoncurrentVersionTransition, Tag, Transition,
    TransitionDefaultMinimumObjectSize, TransitionStorageClass,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

const SIZES: [Attribute; 2] = [
    Attribute::optional("object_size_greater_than", Type::Number),
    Attribute::optional("object_size_less_than", Type::Number),
];

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_lifecycle_configuration",
    attributes: &[
        ID,
        Attribute::required("bucket", Type::String).force_new(),
        Attribute::optional("expected_bucket_owner", Type::String).force_new(),
        Attribute::optional_computed("transition_default_minimum_object_size", Type::String),
    ],
    blocks: &[BlockType::new(
        "rule",
        Nesting::List,
        &[
            Attribute::required("id", Type::String),
            // Provider v3's place for the prefix; `filter { prefix }` since.
            Attribute::optional("prefix", Type::String),
            Attribute::required("status", Type::String),
        ],
    )
    .with_blocks(&[
        BlockType::new(
            "abort_incomplete_multipart_upload",
            Nesting::Single,
            &[Attribute::optional("days_after_initiation", Type::Number)],
        ),
        BlockType::new(
            "expiration",
            Nesting::Single,
            &[
                Attribute::optional("date", Type::String),
                Attribute::optional("days", Type::Number),
                Attribute::optional_computed("expired_object_delete_marker", Type::Bool),
            ],
        ),
        BlockType::new(
            "filter",
            Nesting::Single,
            &[
                SIZES[0],
                SIZES[1],
                Attribute::optional("prefix", Type::String),
            ],
        )
        .with_blocks(&[
            BlockType::new(
                "tag",
                Nesting::Single,
                &[
                    Attribute::required("key", Type::String),
                    Attribute::required("value", Type::String),
                ],
            ),
            BlockType::new(
                "and",
                Nesting::Single,
                &[
                    SIZES[0],
                    SIZES[1],
                    Attribute::optional("prefix", Type::String),
                    Attribute::optional("tags", Type::Map(&Type::String)),
                ],
            ),
        ]),
        BlockType::new(
            "noncurrent_version_expiration",
            Nesting::Single,
            &[
                Attribute::optional("newer_noncurrent_versions", Type::Number),
                Attribute::optional("noncurrent_days", Type::Number),
            ],
        ),
        BlockType::new(
            "noncurrent_version_transition",
            Nesting::Set,
            &[
                Attribute::optional("newer_noncurrent_versions", Type::Number),
                Attribute::optional("noncurrent_days", Type::Number),
                Attribute::required("storage_class", Type::String),
            ],
        ),
        BlockType::new(
            "transition",
            Nesting::Set,
            &[
                Attribute::optional("date", Type::String),
                Attribute::optional("days", Type::Number),
                Attribute::required("storage_class", Type::String),
            ],
        ),
    ])],
};

const NOT_FOUND: &str = "NoSuchLifecycleConfiguration";

pub type S3BucketLifecycleConfiguration = BucketConfig<Lifecycle>;

pub struct Lifecycle {
    client: aws_sdk_s3::Client,
}

#[async_trait]
impl BucketSetting for Lifecycle {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the lifecycle configuration";

    fn new(clients: &Clients) -> Self {
        Lifecycle {
            client: clients.s3.clone(),
        }
    }

    fn check(&self, _prior: Option<&Object>, planned: &Object) -> Result<()> {
        for rule in blocks(planned, "rule") {
            let id = rule.str("id").unwrap_or_default();
            if !matches!(rule.str("status"), Some("Enabled" | "Disabled") | None) {
                return Err(ProviderError::new(format!(
                    "lifecycle rule {id:?}: status must be \"Enabled\" or \"Disabled\""
                )));
            }
            for date in dates(rule) {
                parse_date(date)
                    .map_err(|e| ProviderError::new(format!("lifecycle rule {id:?}: {e}")))?;
            }
        }
        Ok(())
    }

    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
        let rules = blocks(planned, "rule")
            .map(to_rule)
            .collect::<Result<Vec<_>>>()?;
        let configuration = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| ProviderError::new(e.to_string()))?;
        let minimum = planned
            .str("transition_default_minimum_object_size")
            .map(TransitionDefaultMinimumObjectSize::from);
        self.client
            .put_bucket_lifecycle_configuration()
            .bucket(bucket)
            .lifecycle_configuration(configuration)
            .set_transition_default_minimum_object_size(minimum)
            .set_expected_bucket_owner(planned.str("expected_bucket_owner").map(str::to_string))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// None when the bucket or its lifecycle configuration is gone.
    async fn get(&self, bucket: &str, prior: &Object) -> Result<Option<Object>> {
        let got = self
            .client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await;
        let Some(out) = unless_gone(got.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])? else {
            return Ok(None);
        };
        let known: Vec<&Object> = blocks(prior, "rule").collect();
        let rules = out
            .rules()
            .iter()
            .map(|rule| {
                let id = rule.id().unwrap_or_default();
                let local = known.iter().find(|r| r.str("id") == Some(id)).copied();
                Value::Object(rule_state(rule, local))
            })
            .collect::<Vec<_>>();
        Ok(Some(object! {
            "id" => bucket,
            "bucket" => bucket,
            "expected_bucket_owner" => prior.str("expected_bucket_owner"),
            "transition_default_minimum_object_size" => out
                .transition_default_minimum_object_size()
                .map(|m| m.as_str().to_string()),
            "rule" => Value::List(rules),
        }))
    }

    async fn remove(&self, bucket: &str, _prior: &Object) -> Result<()> {
        let deleted = self
            .client
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }
}

/// The elements of block `name` of `obj`.
fn blocks<'a>(obj: &'a Object, name: &str) -> impl Iterator<Item = &'a Object> {
    obj.list(name).iter().filter_map(Value::as_object)
}

fn int(obj: &Object, key: &str) -> Option<i32> {
    obj.i64(key).and_then(|n| i32::try_from(n).ok())
}

/// The dates a rule names (expiration and transitions).
fn dates(rule: &Object) -> impl Iterator<Item = &str> {
    let expiration = rule.block("expiration").into_iter();
    let transitions = blocks(rule, "transition");
    expiration.chain(transitions).filter_map(|b| b.str("date"))
}

/// An RFC 3339 date ("2026-01-01T00:00:00Z"), as Terraform takes it; S3 wants
/// midnight UTC.
fn parse_date(date: &str) -> Result<DateTime> {
    DateTime::from_str(date, Format::DateTime).map_err(|_| {
        ProviderError::new(format!(
            "date {date:?} is not an RFC 3339 date (write it as 2026-01-01T00:00:00Z)"
        ))
    })
}

fn format_date(date: &DateTime) -> Option<String> {
    date.fmt(Format::DateTime).ok()
}

fn tag(key: &str, value: &str) -> Result<Tag> {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| ProviderError::new(e.to_string()))
}

// The rule-level prefix is deprecated in the API but still in configurations
// written for provider v3, and S3 still honours it.
#[allow(deprecated)]
fn to_rule(rule: &Object) -> Result<LifecycleRule> {
    let mut builder = LifecycleRule::builder()
        .set_id(rule.str("id").map(str::to_string))
        .status(ExpirationStatus::from(
            rule.str("status").unwrap_or("Enabled"),
        ))
        .set_prefix(rule.str("prefix").map(str::to_string));
    if let Some(abort) = rule.block("abort_incomplete_multipart_upload") {
        builder = builder.abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .set_days_after_initiation(int(abort, "days_after_initiation"))
                .build(),
        );
    }
    if let Some(e) = rule.block("expiration") {
        let date = e.str("date").map(parse_date).transpose()?;
        builder = builder.expiration(
            LifecycleExpiration::builder()
                .set_date(date)
                .set_days(int(e, "days"))
                // Sent only when true: S3 refuses it beside days or a date, even false.
                .set_expired_object_delete_marker(
                    e.bool("expired_object_delete_marker").filter(|m| *m),
                )
                .build(),
        );
    }
    if let Some(f) = rule.block("filter") {
        let mut filter = LifecycleRuleFilter::builder()
            .set_prefix(f.str("prefix").map(str::to_string))
            .set_object_size_greater_than(f.i64("object_size_greater_than"))
            .set_object_size_less_than(f.i64("object_size_less_than"));
        if let Some(t) = f.block("tag") {
            let (key, value) = (t.str("key"), t.str("value"));
            filter = filter.tag(tag(key.unwrap_or_default(), value.unwrap_or_default())?);
        }
        if let Some(and) = f.block("and") {
            let tags = and
                .string_map("tags")
                .iter()
                .map(|(k, v)| tag(k, v))
                .collect::<Result<Vec<_>>>()?;
            filter = filter.and(
                LifecycleRuleAndOperator::builder()
                    .set_prefix(and.str("prefix").map(str::to_string))
                    .set_tags((!tags.is_empty()).then_some(tags))
                    .set_object_size_greater_than(and.i64("object_size_greater_than"))
                    .set_object_size_less_than(and.i64("object_size_less_than"))
                    .build(),
            );
        }
        let filter = filter.build();
        // `filter {}` is every object: S3 takes that as an empty prefix, as Terraform sends it.
        let everything = filter.prefix().is_none()
            && filter.tag().is_none()
            && filter.and().is_none()
            && filter.object_size_greater_than().is_none()
            && filter.object_size_less_than().is_none();
        builder = builder.filter(match everything {
            true => LifecycleRuleFilter::builder().prefix("").build(),
            false => filter,
        });
    }
    if let Some(n) = rule.block("noncurrent_version_expiration") {
        builder = builder.noncurrent_version_expiration(
            NoncurrentVersionExpiration::builder()
                .set_newer_noncurrent_versions(int(n, "newer_noncurrent_versions"))
                .set_noncurrent_days(int(n, "noncurrent_days"))
                .build(),
        );
    }
    for n in blocks(rule, "noncurrent_version_transition") {
        builder = builder.noncurrent_version_transitions(
            NoncurrentVersionTransition::builder()
                .set_newer_noncurrent_versions(int(n, "newer_noncurrent_versions"))
                .set_noncurrent_days(int(n, "noncurrent_days"))
                .set_storage_class(n.str("storage_class").map(TransitionStorageClass::from))
                .build(),
        );
    }
    for t in blocks(rule, "transition") {
        let date = t.str("date").map(parse_date).transpose()?;
        builder = builder.transitions(
            Transition::builder()
                .set_date(date)
                .set_days(int(t, "days"))
                .set_storage_class(t.str("storage_class").map(TransitionStorageClass::from))
                .build(),
        );
    }
    builder
        .build()
        .map_err(|e| ProviderError::new(e.to_string()))
}

/// A list holding `block` when there is one (a Single block in state).
fn single(block: Option<Object>) -> Value {
    Value::List(block.into_iter().map(Value::Object).collect())
}

fn number(n: Option<i32>) -> Value {
    n.map(i64::from).into()
}

/// The state of `rule`; `local` (the configured rule of the same id) says
/// whether an empty `filter {}` was written, which S3 cannot tell apart.
#[allow(deprecated)] // the rule-level prefix, as in to_rule
fn rule_state(rule: &LifecycleRule, local: Option<&Object>) -> Object {
    let filter = rule.filter().map(|f| {
        let tag = f
            .tag()
            .map(|t| object! {"key" => t.key(), "value" => t.value()});
        let and = f.and().map(|a| {
            let tags: Object = a
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), Value::from(t.value())))
                .collect();
            object! {
                "object_size_greater_than" => a.object_size_greater_than(),
                "object_size_less_than" => a.object_size_less_than(),
                "prefix" => a.prefix(),
                "tags" => if tags.is_empty() { Value::Null } else { Value::Object(tags) },
            }
        });
        object! {
            "object_size_greater_than" => f.object_size_greater_than(),
            "object_size_less_than" => f.object_size_less_than(),
            // S3 reports an empty prefix for "all objects".
            "prefix" => f.prefix().filter(|p| !p.is_empty()),
            "tag" => single(tag),
            "and" => single(and),
        }
    });
    let empty_filter = filter.as_ref().is_none_or(|f| {
        f.values()
            .all(|v| v.is_null() || v.as_list().is_some_and(<[Value]>::is_empty))
    });
    let filter = match (empty_filter, local.and_then(|l| l.block("filter"))) {
        (false, _) => filter,
        // Written as `filter {}`: kept so.
        (true, Some(written)) => Some(written.clone()),
        (true, None) => None,
    };
    let expiration = rule.expiration().map(|e| {
        let written_marker = local
            .and_then(|l| l.block("expiration"))
            .and_then(|e| e.bool("expired_object_delete_marker"));
        object! {
            "date" => e.date().and_then(format_date),
            // S3 reports 0 days beside a date.
            "days" => number(e.days().filter(|d| *d > 0)),
            "expired_object_delete_marker" => e.expired_object_delete_marker().or(written_marker).unwrap_or(false),
        }
    });
    let transitions: Vec<Value> = rule
        .transitions()
        .iter()
        .map(|t| {
            Value::Object(object! {
                "date" => t.date().and_then(format_date),
                "days" => number(t.days()),
                "storage_class" => t.storage_class().map(|s| s.as_str().to_string()),
            })
        })
        .collect();
    let noncurrent_transitions: Vec<Value> = rule
        .noncurrent_version_transitions()
        .iter()
        .map(|n| {
            Value::Object(object! {
                "newer_noncurrent_versions" => number(n.newer_noncurrent_versions()),
                "noncurrent_days" => number(n.noncurrent_days()),
                "storage_class" => n.storage_class().map(|s| s.as_str().to_string()),
            })
        })
        .collect();
    object! {
        "id" => rule.id(),
        "prefix" => rule.prefix().filter(|p| !p.is_empty()),
        "status" => rule.status().as_str(),
        "abort_incomplete_multipart_upload" => single(rule.abort_incomplete_multipart_upload().map(|a| {
            object! {"days_after_initiation" => number(a.days_after_initiation())}
        })),
        "expiration" => single(expiration),
        "filter" => single(filter),
        "noncurrent_version_expiration" => single(rule.noncurrent_version_expiration().map(|n| {
            object! {
                "newer_noncurrent_versions" => number(n.newer_noncurrent_versions()),
                "noncurrent_days" => number(n.noncurrent_days()),
            }
        })),
        "noncurrent_version_transition" => Value::List(noncurrent_transitions),
        "transition" => Value::List(transitions),
    }
}
