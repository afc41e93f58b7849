//! aws_cloudwatch_log_group: a CloudWatch Logs log group, its retention, KMS key,
//! class and tags.

use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_cloudwatchlogs::types::{LogGroup, LogGroupClass};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_cloudwatch_log_group",
    attributes: &[
        // The name, as Terraform.
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("retention_in_days", Type::Number)
            .default(Default::Int(0))
            .whole_one_of(RETENTION_DAYS),
        Attribute::optional("kms_key_id", Type::String),
        Attribute::optional_computed("log_group_class", Type::String)
            .force_new()
            .one_of(CLASSES),
        // State only: destroy forgets the group instead of deleting it.
        Attribute::optional("skip_destroy", Type::Bool).default(Default::Bool(false)),
        TAGS,
    ],
    blocks: &[],
};

/// The retention periods AWS accepts (0: never expire, no policy).
pub const RETENTION_DAYS: &[i64] = &[
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
const CLASSES: &[&str] = &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];
/// What AWS gives a group created without a class.
const DEFAULT_CLASS: &str = "STANDARD";
/// DELIVERY groups have a retention AWS fixes itself; PutRetentionPolicy is refused.
const DELIVERY: &str = "DELIVERY";

/// Generated names start with this, like Terraform's "terraform-".
const DEFAULT_PREFIX: &str = "recon-";
const MAX_NAME: usize = 512;
/// DeleteLogGroup answers OperationAbortedException ("try again") while another
/// change to the group is under way: Terraform retries for a minute.
const DELETE_RETRY: Duration = Duration::from_secs(60);
const ABORTED: &[&str] = &["OperationAbortedException"];

client_type!(CloudWatchLogGroup: logs, once);

#[async_trait]
impl ResourceType for CloudWatchLogGroup {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        check_create_conflicts(planned)?;
        let name = group_name(planned, meta)?;
        let class = planned.str("log_group_class").filter(|c| !c.is_empty());
        let made = self
            .once
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(planned.str("kms_key_id").map(str::to_string))
            .set_log_group_class(class.map(LogGroupClass::from))
            .set_tags(Some(
                tags::with_recon_tags(planned, meta).into_iter().collect(),
            ))
            .send()
            .await
            .map_err(sdk_error);
        let what = format!("a CloudWatch log group named {name}");
        made_or_claim!(made, self, &what, planned, meta);

        let mut partial = planned.clone();
        partial.retain(|_, v| !v.is_unknown());
        partial.insert("id".into(), Value::from(name.as_str()));
        partial.insert("name".into(), Value::from(name.as_str()));

        let steps = async {
            let days = retention(planned);
            if days != 0 && class != Some(DELIVERY) {
                self.put_retention(&name, days).await?;
            }
            self.read_one(&name, planned).await
        };
        created(
            steps.await,
            partial,
            format_args!("CloudWatch log group {name}"),
        )
    }

    /// The group of the name the create asks for, adopted only when its tags carry
    /// this create's token (a generated name is derived from the token, so it is
    /// found too). Any other group of that name is someone else's: import it.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let found = async {
            let name = group_name(planned, meta)?;
            let Some(group) = self.describe(&name).await? else {
                return Ok(None);
            };
            Ok(self
                .group_tags(&group_arn(&group))
                .await?
                .map(|t| (name, t)))
        };
        let read = |name: String| async move { self.read_one(&name, planned).await };
        find_named(planned.str("name"), meta, found, made_by, read).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_one(id, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let class = planned
            .str("log_group_class")
            .or_else(|| prior.str("log_group_class"));
        let days = retention(planned);
        if days != retention(prior) && class != Some(DELIVERY) {
            if days == 0 {
                self.client
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            } else {
                self.put_retention(name, days).await?;
            }
        }
        let key = planned.get("kms_key_id").unwrap_or(&Value::Null);
        if !key.is_unknown() && prior.str("kms_key_id") != key.as_str() {
            match key.as_str().filter(|k| !k.is_empty()) {
                Some(key) => self
                    .client
                    .associate_kms_key()
                    .log_group_name(name)
                    .kms_key_id(key)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error),
                None => self
                    .client
                    .disassociate_kms_key()
                    .log_group_name(name)
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error),
            }?;
        }
        let arn = match prior.str("arn") {
            Some(arn) => arn.to_string(),
            None => self.arn_of(name).await?,
        };
        let arn = arn.as_str();
        tags::sync_tags!(prior => planned;
            self.client, untag_resource / tag_resource;
            resource_arn(arn), tags::tag_map)
        .await?;
        self.read_one(name, planned).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "CloudWatch log group {name} disappeared during update"
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = prior.str("id") else {
            return Ok(());
        };
        // As Terraform: the group and its logs stay; only state forgets them.
        if prior.bool("skip_destroy") == Some(true) {
            return Ok(());
        }
        let delete = || async {
            self.client
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await
                .map_err(sdk_error)
        };
        let busy = |e: &ProviderError| has_code(e, ABORTED);
        match retry_while(Pace::backoff(DELETE_RETRY), busy, delete).await {
            Ok(_) => Ok(()),
            Err(err) if is_not_found(&err) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// The group name, as Terraform imports it.
    fn import_stub(&self, id: &str) -> Object {
        crate::object! { "id" => id }
    }
}

impl CloudWatchLogGroup {
    /// Reads one group by name; None when it does not exist. `prior` supplies
    /// what AWS does not report: the name prefix and skip_destroy.
    async fn read_one(&self, name: &str, prior: &Object) -> Result<Option<Object>> {
        let Some(group) = self.describe(name).await? else {
            return Ok(None);
        };
        let arn = group_arn(&group);
        let Some(found) = self.group_tags(&arn).await? else {
            return Ok(None);
        };
        Ok(Some(to_state(&group, &arn, found, prior)))
    }

    /// DescribeLogGroups by prefix, keeping the group of exactly this name (the
    /// prefix also matches longer names, on as many pages as it takes).
    async fn describe(&self, name: &str) -> Result<Option<LogGroup>> {
        let mut groups = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .into_paginator()
            .items()
            .send();
        while let Some(item) = groups.next().await {
            match item.map_err(sdk_error) {
                Ok(group) if group.log_group_name() == Some(name) => return Ok(Some(group)),
                Ok(_) => {}
                Err(err) if is_not_found(&err) => return Ok(None),
                Err(err) => return Err(err),
            }
        }
        Ok(None)
    }

    /// Every tag on the group (recon's own included); None when the group is gone.
    async fn group_tags(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>> {
        let listed = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send();
        let found = none_if_gone(listed.await.map_err(sdk_error))?;
        Ok(found.map(|out| out.tags.unwrap_or_default().into_iter().collect()))
    }

    /// The ARN of a group whose state lacks it (an interrupted create).
    async fn arn_of(&self, name: &str) -> Result<String> {
        match self.describe(name).await? {
            Some(group) => Ok(group_arn(&group)),
            None => Err(
                ProviderError::new(format!("CloudWatch log group {name} does not exist"))
                    .with_kind(ErrorKind::NotFound),
            ),
        }
    }

    async fn put_retention(&self, name: &str, days: i64) -> Result<()> {
        self.client
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days as i32)
            .send()
            .await
            .map(drop)
            .map_err(sdk_error)
    }
}

/// Whether a group's tags say this very create made it: its stack and address,
/// and its token when the create has one (a group left by skip_destroy or another
/// create carries another token, and is imported instead).
fn made_by(found: &BTreeMap<String, String>, meta: &Meta) -> bool {
    let pairs = found.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let token = found.get(tags::TAG_TOKEN);
    tags::made_for(pairs, meta) && meta.token.as_ref().is_none_or(|t| token == Some(t))
}

/// The ARN without the `:*` that DescribeLogGroups adds to `arn` (Terraform's
/// `arn`, and what TagResource takes).
fn group_arn(group: &LogGroup) -> String {
    let trimmed = group.arn().map(|arn| arn.strip_suffix(":*").unwrap_or(arn));
    group
        .log_group_arn()
        .or(trimmed)
        .unwrap_or_default()
        .to_string()
}

fn retention(obj: &Object) -> i64 {
    obj.get("retention_in_days")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// Checks done before any call, as Terraform's validation does.
/// Checked at create only: on update, a computed name carried over from state
/// cannot be told from a configured one.
fn check_create_conflicts(planned: &Object) -> Result<()> {
    let set = |k: &str| planned.str(k).is_some_and(|s| !s.is_empty());
    if set("name") && set("name_prefix") {
        return Err(ProviderError::new(
            "aws_cloudwatch_log_group: \"name\" and \"name_prefix\" cannot both be set",
        ));
    }
    Ok(())
}

/// The name to create: `name`, or `name_prefix` (default "recon-") plus a unique
/// suffix (the same for every attempt of one create). Checked against AWS's rules.
fn group_name(planned: &Object, meta: &Meta) -> Result<String> {
    let name = generated_name(planned, ("name", "name_prefix"), DEFAULT_PREFIX, meta);
    check_name(&name)?;
    Ok(name)
}

/// AWS's rules: 1 to 512 letters, digits and `_ - / . #`.
fn check_name(name: &str) -> Result<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c));
    if name.is_empty() || name.len() > MAX_NAME || !ok_chars {
        return Err(ProviderError::new(format!(
            "aws_cloudwatch_log_group: invalid log group name \"{name}\": it must be 1 to {MAX_NAME} \
             letters, digits, underscores, hyphens, slashes, periods or number signs"
        )));
    }
    Ok(())
}

fn to_state(
    group: &LogGroup,
    arn: &str,
    found: BTreeMap<String, String>,
    prior: &Object,
) -> Object {
    let name = group.log_group_name().unwrap_or_default();
    // Not reported by moto; AWS always reports it.
    let class = match group.log_group_class() {
        Some(class) => Value::from(class.as_str()),
        None => Value::from(prior.str("log_group_class").unwrap_or(DEFAULT_CLASS)),
    };
    // AWS manages a DELIVERY group's retention: what was configured stays.
    let days = match class.as_str() {
        Some(DELIVERY) => Value::from(retention(prior)),
        _ => Value::from(i64::from(group.retention_in_days().unwrap_or(0))),
    };
    let name_prefix = match prior.get("name_prefix") {
        Some(Value::String(p)) => Value::from(p.as_str()),
        _ => Value::Null,
    };
    crate::object! {
        "id" => name,
        "arn" => arn,
        "name" => name,
        "name_prefix" => name_prefix,
        "retention_in_days" => days,
        "kms_key_id" => Value::from(group.kms_key_id().map(str::to_string)),
        "log_group_class" => class,
        "skip_destroy" => prior.bool("skip_destroy").unwrap_or(false),
        "tags" => tags::user_tags(found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        for good in ["Yada", "/aws/lambda/fn_1", "a.b#c-d", &"a".repeat(512)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "has space", "colon:no", "star*", &"a".repeat(513)] {
            let err = check_name(bad).unwrap_err();
            assert!(err.message.contains("invalid log group name"), "{err}");
        }
    }

    #[test]
    fn retention_and_class_are_checked() {
        for days in [0, 1, 14, 365, 3653] {
            let config = crate::object! {"retention_in_days" => days};
            assert_eq!(SCHEMA.refused(&config), None);
        }
        for days in [2.0, 366.0, 14.5, -1.0] {
            let config = crate::object! {"retention_in_days" => days};
            let err = SCHEMA.refused(&config).unwrap();
            assert!(
                err.contains("retention_in_days: must be one of 0, 1, 3"),
                "{err}"
            );
        }
        let err = SCHEMA
            .refused(&crate::object! {"log_group_class" => "COLD"})
            .unwrap();
        assert!(
            err.contains("\"STANDARD\", \"INFREQUENT_ACCESS\", \"DELIVERY\", got \"COLD\""),
            "{err}"
        );
    }

    #[test]
    fn only_this_creates_token_is_adopted() {
        let meta = Meta {
            token: Some("tok".into()),
            ..Meta::new("s", "aws_cloudwatch_log_group.g")
        };
        let mut found: BTreeMap<String, String> = [
            (tags::TAG_STACK, "s"),
            (tags::TAG_ADDRESS, "aws_cloudwatch_log_group.g"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // No token (made before, or by hand with copied tags): not this create's.
        assert!(!made_by(&found, &meta));
        found.insert(tags::TAG_TOKEN.into(), "other".into());
        assert!(!made_by(&found, &meta));
        found.insert(tags::TAG_TOKEN.into(), "tok".into());
        assert!(made_by(&found, &meta));
        let elsewhere = Meta {
            token: Some("tok".into()),
            ..Meta::new("s", "aws_cloudwatch_log_group.h")
        };
        assert!(!made_by(&found, &elsewhere));
    }

    #[test]
    fn generated_names_get_the_prefix() {
        let meta = Meta {
            token: Some("tok".into()),
            ..Meta::new("s", "aws_cloudwatch_log_group.g")
        };
        let bare = group_name(&crate::object! {}, &meta).unwrap();
        assert!(
            bare.starts_with(DEFAULT_PREFIX) && bare.len() == 32,
            "{bare}"
        );
        let prefixed = crate::object! {"name_prefix" => "/app/"};
        assert_eq!(
            group_name(&prefixed, &meta).unwrap(),
            group_name(&prefixed, &meta).unwrap()
        );
        assert!(group_name(&prefixed, &meta).unwrap().starts_with("/app/"));
    }
}
