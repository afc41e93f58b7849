//! aws_sns_topic: an SNS topic (standard or FIFO), its settings, policy and tags.

use crate::aws::attribute_map::{changed, for_create, Reported, Settings};
use crate::aws::fifo_name::FifoNaming;
use crate::aws::prelude::*;
use crate::aws::sts::region::partition_of;
use crate::provider::Default;
use aws_sdk_sns::types::Tag;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_sns_topic",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::computed("owner", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("fifo_topic", Type::Bool)
            .default(Default::Bool(false))
            .force_new(),
        Attribute::optional("content_based_deduplication", Type::Bool)
            .default(Default::Bool(false)),
        Attribute::optional("display_name", Type::String),
        // AWS gives every topic a default policy (its owner may do everything).
        Attribute::optional_computed("policy", Type::Json),
        Attribute::optional("delivery_policy", Type::Json),
        Attribute::optional("kms_master_key_id", Type::String),
        Attribute::optional_computed("signature_version", Type::Number).whole_one_of(&[1, 2]),
        Attribute::optional_computed("tracing_config", Type::String)
            .one_of(&["PassThrough", "Active"]),
        TAGS,
    ],
    blocks: &[],
};

/// Schema attribute → SNS topic attribute, for everything CreateTopic and
/// SetTopicAttributes take.
const SETTINGS: Settings = &[
    ("fifo_topic", "FifoTopic"),
    ("content_based_deduplication", "ContentBasedDeduplication"),
    ("display_name", "DisplayName"),
    ("policy", "Policy"),
    ("delivery_policy", "DeliveryPolicy"),
    ("kms_master_key_id", "KmsMasterKeyId"),
    ("signature_version", "SignatureVersion"),
    ("tracing_config", "TracingConfig"),
];

const DELETE_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_secs(2);
/// CreateTopic's answer when the name is held by a topic with other tags or
/// settings (AWS returns the existing topic when they are the same).
const NAME_TAKEN: &str = "already exists";

/// SNS says "the name is taken" in a message, under an InvalidParameter code.
fn taken_as_conflict(err: ProviderError) -> ProviderError {
    if err.message.contains(NAME_TAKEN) {
        err.with_kind(ErrorKind::Conflict)
    } else {
        err
    }
}

client_type!(SnsTopic: sns, once, region, account);

#[async_trait]
impl ResourceType for SnsTopic {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn check_config(&self, config: &Object) -> Result<()> {
        NAMING.check_deduplication(config)
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        if set(planned, "name") && set(planned, "name_prefix") {
            return Err(ProviderError::new(
                "aws_sns_topic: \"name\" and \"name_prefix\" cannot both be set",
            ));
        }
        let name = topic_name(planned, meta)?;
        let what = format!("an SNS topic named {name}");
        // CreateTopic hands back an existing topic of the same name (and tags):
        // refuse to take one over unless an earlier attempt of this very create made it.
        let code = "TopicAlreadyExists";
        if let Some(adopted) =
            look_before_create(self, code, || what.clone(), planned, meta).await?
        {
            return Ok(adopted);
        }
        let topic_tags = tags::with_recon_tags(planned, meta)
            .into_iter()
            .map(|(k, v)| sns_tag(k, v))
            .collect::<Result<Vec<_>>>()?;
        let made = self
            .once
            .create_topic()
            .name(&name)
            .set_attributes(Some(
                for_create(&SCHEMA, SETTINGS, planned).into_iter().collect(),
            ))
            .set_tags(Some(topic_tags))
            .send()
            .await
            .map_err(sdk_error)
            .map_err(taken_as_conflict);
        let out = made_or_claim!(made, self, &what, planned, meta);
        let arn = answered(out.topic_arn(), "CreateTopic", "topic ARN")?;
        let mut partial = planned.clone();
        partial.retain(|_, v| !v.is_unknown());
        partial.insert("id".into(), Value::from(arn.as_str()));
        partial.insert("arn".into(), Value::from(arn.as_str()));
        partial.insert("name".into(), Value::from(name.as_str()));
        created(
            self.read_one(&arn, planned).await,
            partial,
            format_args!("SNS topic {name}"),
        )
    }

    /// The topic of the name the create asks for, when its tags say it was made
    /// for `meta` (a generated name is derived from the token, so it is found too).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let found = async {
            let arn = self.arn_of(&topic_name(planned, meta)?).await?;
            Ok(topic_tags(&self.client, &arn).await?.map(|t| (arn, t)))
        };
        let read = |arn: String| async move { self.read_one(&arn, planned).await };
        find_named(planned.str("name"), meta, found, tags::map_made_for, read).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| self.read_one(id, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let arn = state_id(prior, SCHEMA.type_name)?;
        // SetTopicAttributes takes one attribute a call.
        for (name, value) in changed(&SCHEMA, SETTINGS, prior, planned) {
            set_attribute(&self.client, arn, &name, &value).await?;
        }
        tags::sync(
            prior,
            planned,
            |keys| async move {
                let call = self.client.untag_resource().resource_arn(arn);
                call.set_tag_keys(Some(keys))
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error)
            },
            |pairs| async move {
                let pairs = pairs
                    .into_iter()
                    .map(|(k, v)| sns_tag(k, v))
                    .collect::<Result<Vec<_>>>()?;
                let call = self.client.tag_resource().resource_arn(arn);
                call.set_tags(Some(pairs))
                    .send()
                    .await
                    .map(drop)
                    .map_err(sdk_error)
            },
        )
        .await?;
        self.read_one(arn, planned)
            .await?
            .ok_or_else(|| ProviderError::new(format!("SNS topic {arn} disappeared during update")))
    }

    /// Deleting a topic deletes its subscriptions too.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(arn) = prior.str("id") else {
            return Ok(());
        };
        match self
            .client
            .delete_topic()
            .topic_arn(arn)
            .send()
            .await
            .map_err(sdk_error)
        {
            Ok(_) => {}
            Err(err) if is_not_found(&err) => return Ok(()),
            Err(err) => return Err(err),
        }
        let what = format!("SNS topic {arn}");
        wait_gone(what, Pace::every(POLL, DELETE_TIMEOUT), || async {
            Ok(topic_attributes(&self.client, arn).await?.is_some())
        })
        .await
    }
}

impl SnsTopic {
    /// Reads one topic by ARN; None when it does not exist. `prior` supplies the
    /// name prefix, which AWS does not keep.
    async fn read_one(&self, arn: &str, prior: &Object) -> Result<Option<Object>> {
        let found = futures::try_join!(
            topic_attributes(&self.client, arn),
            topic_tags(&self.client, arn)
        )?;
        Ok(match found {
            (Some(attributes), Some(topic_tags)) => {
                Some(to_state(arn, &attributes, topic_tags, prior))
            }
            _ => None,
        })
    }

    /// The ARN a topic of `name` has in this account and region.
    async fn arn_of(&self, name: &str) -> Result<String> {
        let account = self.account.id().await?;
        let region = &self.region;
        Ok(format!(
            "arn:{}:sns:{region}:{account}:{name}",
            partition_of(region)
        ))
    }
}

/// GetTopicAttributes as a name → value map; None when the topic is gone.
pub(super) async fn topic_attributes(
    client: &aws_sdk_sns::Client,
    arn: &str,
) -> Result<Option<BTreeMap<String, String>>> {
    let got = client.get_topic_attributes().topic_arn(arn).send();
    let found = none_if_gone(got.await.map_err(sdk_error))?;
    Ok(found.map(|out| out.attributes.unwrap_or_default().into_iter().collect()))
}

/// SetTopicAttributes for one attribute.
pub(super) async fn set_attribute(
    client: &aws_sdk_sns::Client,
    arn: &str,
    name: &str,
    value: &str,
) -> Result<()> {
    client
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map_err(sdk_error)?;
    Ok(())
}

/// Every tag on the topic (recon's own included); None when the topic is gone.
async fn topic_tags(
    client: &aws_sdk_sns::Client,
    arn: &str,
) -> Result<Option<BTreeMap<String, String>>> {
    let listed = client.list_tags_for_resource().resource_arn(arn).send();
    let found = none_if_gone(listed.await.map_err(sdk_error))?;
    Ok(found.map(|out| {
        (out.tags().iter())
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    }))
}

fn sns_tag(key: String, value: String) -> Result<Tag> {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .map_err(|e| ProviderError::new(format!("invalid SNS tag: {e}")))
}

fn set(planned: &Object, name: &str) -> bool {
    planned.str(name).is_some_and(|s| !s.is_empty())
}

/// Checks done before any call, as Terraform's validation and CustomizeDiff do.
/// SNS's rules: up to 256 characters, ".fifo" included.
const NAMING: FifoNaming = FifoNaming {
    type_name: "aws_sns_topic",
    noun: "topic",
    fifo_attr: "fifo_topic",
    max: 256,
};

fn topic_name(planned: &Object, meta: &Meta) -> Result<String> {
    NAMING.name(planned, meta)
}

/// The topic name: the last field of its ARN.
pub(super) fn name_from_arn(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

fn to_state(
    arn: &str,
    attributes: &BTreeMap<String, String>,
    topic_tags: BTreeMap<String, String>,
    prior: &Object,
) -> Object {
    let got = Reported::new(attributes, prior);
    // AWS reports these once they were set; before, what was asked for stands.
    let or_prior = |value: Value, name: &str| -> Value {
        match (value, prior.get(name)) {
            (Value::Null, Some(v)) if v.is_wholly_known() => v.clone(),
            (value, _) => value,
        }
    };
    let name_prefix = match prior.get("name_prefix") {
        Some(Value::String(p)) => Value::from(p.as_str()),
        _ => Value::Null,
    };
    crate::object! {
        "id" => arn,
        "arn" => arn,
        "owner" => got.text("Owner"),
        "name" => name_from_arn(arn),
        "name_prefix" => name_prefix,
        "fifo_topic" => got.flag("FifoTopic"),
        "content_based_deduplication" => got.flag("ContentBasedDeduplication"),
        "display_name" => got.text("DisplayName"),
        "policy" => got.text("Policy"),
        "delivery_policy" => got.document("DeliveryPolicy", "delivery_policy"),
        "kms_master_key_id" => got.text("KmsMasterKeyId"),
        "signature_version" => or_prior(got.number("SignatureVersion"), "signature_version"),
        "tracing_config" => or_prior(got.text("TracingConfig"), "tracing_config"),
        "tags" => tags::user_tags(topic_tags),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_sends_set_values_and_update_clears_removed_strings() {
        let planned = crate::object! {
            "fifo_topic" => false,
            "content_based_deduplication" => false,
            "display_name" => "Updates",
            "policy" => Value::Unknown,
            "signature_version" => 2,
            "kms_master_key_id" => Value::Null,
        };
        assert_eq!(
            for_create(&SCHEMA, SETTINGS, &planned),
            [
                ("DisplayName".to_string(), "Updates".to_string()),
                ("SignatureVersion".to_string(), "2".to_string()),
            ]
        );

        let prior = crate::object! {
            "display_name" => "Updates",
            "kms_master_key_id" => "alias/aws/sns",
            "delivery_policy" => r#"{"http":{"defaultHealthyRetryPolicy":{"numRetries":3}}}"#,
            "fifo_topic" => false,
        };
        let planned = crate::object! {
            "display_name" => "Updates",
            "kms_master_key_id" => Value::Null,
            "delivery_policy" => r#"{ "http": { "defaultHealthyRetryPolicy": { "numRetries": 3 } } }"#,
            "fifo_topic" => true,
        };
        assert_eq!(
            changed(&SCHEMA, SETTINGS, &prior, &planned),
            [("KmsMasterKeyId".to_string(), String::new())]
        );
    }
}
