//! aws_cloudwatch_log_subscription_filter: sends a log group's matching events to
//! a Lambda function, Kinesis or Firehose stream, or a cross-account destination.

use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_cloudwatchlogs::types::{Distribution, SubscriptionFilter};
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_cloudwatch_log_subscription_filter",
    attributes: &[
        // Terraform's "cwlsf-<crc32 of the group name and '-'>": the same for both
        // filters of one group; the filter is found by log_group_name and name.
        ID,
        Attribute::required("name", Type::String).force_new(),
        Attribute::required("log_group_name", Type::String).force_new(),
        Attribute::required("filter_pattern", Type::String),
        Attribute::required("destination_arn", Type::String),
        Attribute::optional_computed("role_arn", Type::String),
        Attribute::optional("distribution", Type::String)
            .default(Default::Str(BY_LOG_STREAM))
            .one_of(DISTRIBUTIONS),
        Attribute::optional_computed("apply_on_transformed_logs", Type::Bool),
    ],
    blocks: &[],
};

const TYPE: &str = "aws_cloudwatch_log_subscription_filter";
const BY_LOG_STREAM: &str = "ByLogStream";
const DISTRIBUTIONS: &[&str] = &["ByLogStream", "Random"];
const MAX_NAME: usize = 512;
const MAX_PATTERN: usize = 1024;

/// How long a put is tried again while AWS cannot yet use the destination or
/// role (a Lambda permission or IAM role made just before).
const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);
/// Messages of refusals that mean "permissions have not caught up yet".
const PROPAGATION_MESSAGES: &[&str] = &[
    "Could not execute the lambda function",
    "Could not deliver test message to specified",
    "Make sure you have given CloudWatch Logs permission to assume the provided role",
    "Please try again",
];

client_type!(LogSubscriptionFilter: logs, once);

#[async_trait]
impl ResourceType for LogSubscriptionFilter {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn check_config(&self, config: &Object) -> Result<()> {
        check_settings(config)
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let (group, name) = key(planned)?;
        // PutSubscriptionFilter would silently overwrite a filter of this name:
        // refuse unless it already is exactly this filter (an earlier attempt).
        match self.find_created(planned, meta).await? {
            Created::Found(existing) => return Ok(existing),
            Created::NotOurs { id } => {
                let what = format!("a subscription filter named {name} on log group {group}");
                return Err(not_ours("ResourceAlreadyExistsException", &what, meta, &id));
            }
            Created::Absent | Created::Unknowable => {}
        }
        put(&self.once, planned).await?;
        let partial = crate::object! {
            "id" => filter_id(group),
            "log_group_name" => group,
            "name" => name,
        };
        let read_back = self.read_one(group, name, planned).await;
        created(
            read_back,
            partial,
            format_args!("subscription filter {name} of log group {group}"),
        )
    }

    /// Filters carry no tags: the filter of this name on this group is this
    /// create's when it has the planned settings, anyone's otherwise.
    async fn find_created(&self, planned: &Object, _meta: &Meta) -> Result<Created> {
        let (group, name) = key(planned)?;
        let found = self.read_one(group, name, planned).await?;
        let import_id = || format!("{group}|{name}");
        Ok(Created::if_same(
            found,
            |f| same_filter(f, planned),
            import_id,
        ))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        // One listing per log group (a group has at most two filters).
        let mut by_group: HashMap<&str, Option<Vec<SubscriptionFilter>>> = HashMap::new();
        for prior in priors {
            let (group, _) = key(prior)?;
            if !by_group.contains_key(group) {
                by_group.insert(group, self.filters_of(group).await?);
            }
        }
        priors
            .iter()
            .map(|prior| {
                let (group, name) = key(prior)?;
                Ok(by_group
                    .get(group)
                    .and_then(Option::as_ref)
                    .and_then(|filters| filters.iter().find(|f| f.filter_name() == Some(name)))
                    .map(|f| to_state(f, group)))
            })
            .collect()
    }

    /// PutSubscriptionFilter replaces the filter of that name: every setting in one call.
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (group, name) = key(prior)?;
        put(&self.client, planned).await?;
        self.read_one(group, name, planned).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "subscription filter {name} of log group {group} disappeared during update"
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let (group, name) = key(prior)?;
        match self
            .client
            .delete_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .send()
            .await
            .map_err(sdk_error)
        {
            // The filter, or its whole group, may be gone already.
            Err(err) if !is_not_found(&err) => Err(err),
            _ => Ok(()),
        }
    }

    /// `LOG_GROUP_NAME|FILTER_NAME`, as Terraform imports it.
    fn import_stub(&self, id: &str) -> Object {
        import_stub(id)
    }
}

impl LogSubscriptionFilter {
    async fn read_one(&self, group: &str, name: &str, _prior: &Object) -> Result<Option<Object>> {
        let filters = self.filters_of(group).await?;
        Ok(filters
            .iter()
            .flatten()
            .find(|f| f.filter_name() == Some(name))
            .map(|f| to_state(f, group)))
    }

    /// Every filter of a group; None when the group does not exist.
    async fn filters_of(&self, group: &str) -> Result<Option<Vec<SubscriptionFilter>>> {
        let listed = all_items!(self
            .client
            .describe_subscription_filters()
            .log_group_name(group));
        none_if_gone(listed)
    }
}

/// PutSubscriptionFilter with every planned setting, tried again while AWS
/// refuses because it cannot use the destination or role yet (nothing was done).
async fn put(client: &aws_sdk_cloudwatchlogs::Client, planned: &Object) -> Result<()> {
    let (group, name) = key(planned)?;
    let distribution = planned.str("distribution").unwrap_or(BY_LOG_STREAM);
    let call = || async {
        client
            .put_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .filter_pattern(planned.str("filter_pattern").unwrap_or_default())
            .destination_arn(planned.str("destination_arn").unwrap_or_default())
            .set_role_arn(planned.str("role_arn").map(str::to_string))
            .distribution(Distribution::from(distribution))
            .set_apply_on_transformed_logs(planned.bool("apply_on_transformed_logs"))
            .send()
            .await
            .map(drop)
            .map_err(sdk_error)
    };
    let not_yet = |err: &ProviderError| {
        has_code(
            err,
            &[
                "InvalidParameterException",
                "OperationAbortedException",
                "ValidationException",
            ],
        ) && PROPAGATION_MESSAGES.iter().any(|m| err.message.contains(m))
    };
    let pace = Pace::backoff(PROPAGATION_TIMEOUT)
        .starting(Duration::from_secs(1))
        .at_most(Duration::from_secs(10));
    retry_while(pace, not_yet, call).await
}

fn import_stub(id: &str) -> Object {
    match id.split_once('|') {
        Some((group, name)) if !group.is_empty() && !name.is_empty() && !name.contains('|') => {
            crate::object! {
                "id" => filter_id(group),
                "log_group_name" => group,
                "name" => name,
            }
        }
        // Read says what an import id must look like.
        _ => crate::object! { "id" => id },
    }
}

/// The log group and filter name; an error for a malformed import id.
fn key(obj: &Object) -> Result<(&str, &str)> {
    match (obj.str("log_group_name"), obj.str("name")) {
        (Some(group), Some(name)) => Ok((group, name)),
        _ => Err(ProviderError::new(format!(
            "{TYPE}: cannot find the filter \"{}\": import it as LOG_GROUP_NAME|FILTER_NAME",
            obj.str("id").unwrap_or_default()
        ))),
    }
}

/// Terraform's id: the same for every filter of one group.
pub fn filter_id(group: &str) -> String {
    format!("cwlsf-{}", crc32fast::hash(format!("{group}-").as_bytes()))
}

/// Whether an existing filter has every setting the plan knows.
fn same_filter(existing: &Object, planned: &Object) -> bool {
    [
        "filter_pattern",
        "destination_arn",
        "role_arn",
        "distribution",
        "apply_on_transformed_logs",
    ]
    .iter()
    .all(|k| match planned.get(*k) {
        None | Some(Value::Unknown) => true,
        Some(v) => existing.get(*k).unwrap_or(&Value::Null) == v,
    })
}

/// Checks done before any call, as Terraform's validation does.
fn check_settings(planned: &Object) -> Result<()> {
    let fail = |msg: String| Err(ProviderError::new(msg));
    if let Some(name) = planned.str("name") {
        if name.is_empty() || name.len() > MAX_NAME || name.contains(['*', ':']) {
            return fail(format!(
                "name must be 1 to {MAX_NAME} characters without '*' or ':', got \"{name}\""
            ));
        }
    }
    if let Some(pattern) = planned.str("filter_pattern") {
        if pattern.len() > MAX_PATTERN {
            return fail(format!(
                "filter_pattern must be at most {MAX_PATTERN} characters, got {}",
                pattern.len()
            ));
        }
    }
    for attr in ["destination_arn", "role_arn"] {
        if let Some(arn) = planned.str(attr) {
            if !arn.starts_with("arn:") {
                return fail(format!("{attr} must be an ARN, got \"{arn}\""));
            }
        }
    }
    Ok(())
}

fn to_state(filter: &SubscriptionFilter, group: &str) -> Object {
    let distribution = filter
        .distribution()
        .map(Distribution::as_str)
        .unwrap_or(BY_LOG_STREAM);
    crate::object! {
        "id" => filter_id(group),
        "name" => filter.filter_name().unwrap_or_default(),
        "log_group_name" => filter.log_group_name().unwrap_or(group),
        "filter_pattern" => filter.filter_pattern().unwrap_or_default(),
        "destination_arn" => filter.destination_arn().unwrap_or_default(),
        "role_arn" => Value::from(filter.role_arn().filter(|r| !r.is_empty()).map(str::to_string)),
        "distribution" => distribution,
        "apply_on_transformed_logs" => filter.apply_on_transformed_logs(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_terraforms() {
        // Go's crc32.ChecksumIEEE of "<group>-" (computed with Python's zlib.crc32).
        assert_eq!(filter_id("/aws/lambda/fn"), "cwlsf-1910659802");
        assert_eq!(filter_id("/default"), "cwlsf-1597088776");
    }

    #[test]
    fn import_ids_name_group_and_filter() {
        assert_eq!(
            import_stub("/default|logging_default"),
            crate::object! {
                "id" => filter_id("/default"),
                "log_group_name" => "/default",
                "name" => "logging_default",
            }
        );
        for bad in ["no-bar", "|f", "g|", "g|f|x"] {
            let err = key(&import_stub(bad)).unwrap_err();
            assert!(err.message.contains("LOG_GROUP_NAME|FILTER_NAME"), "{err}");
        }
    }

    #[test]
    fn settings_are_checked() {
        let ok = crate::object! {
            "name" => "f",
            "filter_pattern" => "",
            "destination_arn" => "arn:aws:lambda:us-east-1:123456789012:function:f",
            "distribution" => "Random",
        };
        assert!(check_settings(&ok).is_ok());
        assert_eq!(SCHEMA.refused(&ok), None);
        let mut uneven = ok.clone();
        uneven.insert("distribution".into(), Value::from("Even"));
        let err = SCHEMA.refused(&uneven).unwrap();
        assert!(
            err.contains("distribution: must be one of \"ByLogStream\", \"Random\""),
            "{err}"
        );
        for (k, v, msg) in [
            ("destination_arn", "fn", "destination_arn must be an ARN"),
            ("name", "", "name must be 1 to 512"),
        ] {
            let mut bad = ok.clone();
            bad.insert(k.into(), Value::from(v));
            let err = check_settings(&bad).unwrap_err();
            assert!(err.message.contains(msg), "{err}");
        }
    }

    #[test]
    fn a_filter_is_the_same_when_every_known_setting_is() {
        let existing = crate::object! {
            "filter_pattern" => "ERROR",
            "destination_arn" => "arn:d",
            "role_arn" => Value::Null,
            "distribution" => "ByLogStream",
            "apply_on_transformed_logs" => false,
        };
        let mut planned = existing.clone();
        planned.insert("role_arn".into(), Value::Unknown);
        planned.insert("apply_on_transformed_logs".into(), Value::Unknown);
        assert!(same_filter(&existing, &planned));
        planned.insert("filter_pattern".into(), Value::from("WARN"));
        assert!(!same_filter(&existing, &planned));
    }
}
