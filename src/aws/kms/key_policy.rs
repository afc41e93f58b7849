//! aws_kms_key_policy: a key's policy, kept apart from the key.

use super::key::{find_key, POLICY_NAME};
use crate::aws::prelude::*;
use crate::provider::Default;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_kms_key_policy",
    attributes: &[
        ID,
        Attribute::required("key_id", Type::String).force_new(),
        Attribute::required("policy", Type::Json),
        Attribute::optional("bypass_policy_lockout_safety_check", Type::Bool)
            .default(Default::Bool(false)),
    ],
    blocks: &[],
};

pub struct KmsKeyPolicy {
    client: aws_sdk_kms::Client,
}

impl KmsKeyPolicy {
    pub fn new(clients: &Clients) -> Self {
        KmsKeyPolicy {
            client: clients.kms.clone(),
        }
    }

    async fn put(&self, key: &str, policy: &str, bypass: bool) -> Result<()> {
        self.client
            .put_key_policy()
            .key_id(key)
            .policy_name(POLICY_NAME)
            .policy(policy)
            .bypass_policy_lockout_safety_check(bypass)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// None when the key is gone or pending deletion.
    async fn read_one(&self, key: &str, local: &Object) -> Result<Option<Object>> {
        if find_key(&self.client, key).await?.is_none() {
            return Ok(None);
        }
        let out = self
            .client
            .get_key_policy()
            .key_id(key)
            .policy_name(POLICY_NAME)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(Some(object! {
            "id" => key,
            "key_id" => key,
            "policy" => out.policy(),
            "bypass_policy_lockout_safety_check" => local
                .bool("bypass_policy_lockout_safety_check")
                .unwrap_or(false),
        }))
    }
}

#[async_trait]
impl ResourceType for KmsKeyPolicy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// A key has one policy: putting it again makes nothing twice.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> Result<Created> {
        Ok(Created::Absent)
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let key = planned
            .str("key_id")
            .ok_or_else(|| ProviderError::new("aws_kms_key_policy needs key_id"))?;
        let bypass = planned.bool("bypass_policy_lockout_safety_check") == Some(true);
        self.put(key, planned.str("policy").unwrap_or_default(), bypass)
            .await?;
        self.read_one(key, planned)
            .await?
            .ok_or_else(|| ProviderError::new(format!("KMS key {key} disappeared")))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |key, prior| self.read_one(key, prior)).await
    }

    async fn update(&self, _prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        // PutKeyPolicy replaces the document.
        self.create(planned, meta).await
    }

    /// As Terraform: the key goes back to the default key policy (its account's
    /// root may use it), since a key cannot be without one.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(key) = prior.str("id") else {
            return Ok(());
        };
        let Some(metadata) = find_key(&self.client, key).await? else {
            return Ok(());
        };
        let arn = metadata.arn().unwrap_or_default();
        // arn:PARTITION:kms:REGION:ACCOUNT:key/ID
        let parts: Vec<&str> = arn.split(':').collect();
        let (Some(partition), Some(account)) = (parts.get(1), parts.get(4)) else {
            return Err(ProviderError::new(format!(
                "KMS key {key} has an ARN recon cannot read: {arn}"
            )));
        };
        let default = serde_json::json!({
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [{
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
                "Action": "kms:*",
                "Resource": "*",
            }],
        });
        self.put(key, &default.to_string(), false).await
    }
}
