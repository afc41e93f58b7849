//! aws_sns_topic_policy: a topic's access policy, kept apart from the topic.

use super::topic::{set_attribute, topic_attributes};
use crate::aws::prelude::*;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_sns_topic_policy",
    attributes: &[
        ID,
        Attribute::required("arn", Type::String).force_new(),
        Attribute::required("policy", Type::Json),
        Attribute::computed("owner", Type::String),
    ],
    blocks: &[],
};

pub struct SnsTopicPolicy {
    client: aws_sdk_sns::Client,
}

impl SnsTopicPolicy {
    pub fn new(clients: &Clients) -> Self {
        SnsTopicPolicy {
            client: clients.sns.clone(),
        }
    }

    /// None when the topic is gone.
    async fn read_one(&self, arn: &str) -> Result<Option<Object>> {
        let Some(attributes) = topic_attributes(&self.client, arn).await? else {
            return Ok(None);
        };
        let get = |k: &str| attributes.get(k).filter(|v| !v.is_empty()).cloned();
        Ok(Some(object! {
            "id" => arn,
            "arn" => arn,
            "policy" => get("Policy"),
            "owner" => get("Owner"),
        }))
    }
}

#[async_trait]
impl ResourceType for SnsTopicPolicy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// A topic has one policy: setting it again makes nothing twice.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> Result<Created> {
        Ok(Created::Absent)
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let arn = planned
            .str("arn")
            .ok_or_else(|| ProviderError::new("aws_sns_topic_policy needs arn"))?;
        let policy = planned.str("policy").unwrap_or_default();
        if let Err(err) = serde_json::from_str::<serde_json::Value>(policy) {
            return Err(ProviderError::new(format!(
                "aws_sns_topic_policy: policy is not valid JSON: {err}"
            )));
        }
        set_attribute(&self.client, arn, "Policy", policy).await?;
        self.read_one(arn)
            .await?
            .ok_or_else(|| ProviderError::new(format!("SNS topic {arn} disappeared")))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |arn, _| self.read_one(arn)).await
    }

    async fn update(&self, _prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        // SetTopicAttributes replaces the document.
        self.create(planned, meta).await
    }

    /// As Terraform: the topic goes back to the policy AWS gives a new topic (its
    /// owner's account may use it), since a topic cannot be without one.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(arn) = prior.str("id") else {
            return Ok(());
        };
        let Some(attributes) = topic_attributes(&self.client, arn).await? else {
            return Ok(());
        };
        let owner = match attributes.get("Owner").filter(|o| !o.is_empty()) {
            Some(owner) => owner.clone(),
            // arn:PARTITION:sns:REGION:ACCOUNT:NAME
            None => arn.split(':').nth(4).unwrap_or_default().to_string(),
        };
        let policy = default_policy(arn, &owner).to_string();
        match set_attribute(&self.client, arn, "Policy", &policy).await {
            Err(err) if is_not_found(&err) => Ok(()),
            other => other,
        }
    }
}

/// The policy AWS gives a new topic: the owner's account may manage, subscribe
/// to and publish to it.
pub fn default_policy(arn: &str, owner: &str) -> serde_json::Value {
    let actions = [
        "GetTopicAttributes",
        "SetTopicAttributes",
        "AddPermission",
        "RemovePermission",
        "DeleteTopic",
        "Subscribe",
        "ListSubscriptionsByTopic",
        "Publish",
    ];
    serde_json::json!({
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": actions.iter().map(|a| format!("SNS:{a}")).collect::<Vec<_>>(),
            "Resource": arn,
            "Condition": {"StringEquals": {"AWS:SourceOwner": owner}},
        }],
    })
}
