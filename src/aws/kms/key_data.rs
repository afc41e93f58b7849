//! data aws_kms_key: an existing key's metadata, by id, ARN, alias name or alias ARN.

use crate::aws::prelude::*;
use crate::provider::DataSource;
use aws_smithy_types::date_time::Format;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_kms_key",
    attributes: &[
        ID,
        Attribute::required("key_id", Type::String),
        Attribute::optional("grant_tokens", Type::List(&Type::String)),
        Attribute::computed("arn", Type::String),
        Attribute::computed("aws_account_id", Type::String),
        Attribute::computed("creation_date", Type::String),
        Attribute::computed("customer_master_key_spec", Type::String),
        Attribute::computed("deletion_date", Type::String),
        Attribute::computed("description", Type::String),
        Attribute::computed("enabled", Type::Bool),
        Attribute::computed("expiration_model", Type::String),
        Attribute::computed("key_manager", Type::String),
        Attribute::computed("key_spec", Type::String),
        Attribute::computed("key_state", Type::String),
        Attribute::computed("key_usage", Type::String),
        Attribute::computed("multi_region", Type::Bool),
        Attribute::computed("origin", Type::String),
        Attribute::computed("pending_deletion_window_in_days", Type::Number),
        Attribute::computed("valid_to", Type::String),
    ],
    blocks: &[],
};

client_type!(KmsKeyData: kms);

#[async_trait]
impl DataSource for KmsKeyData {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn read(&self, config: &Object) -> Result<Object> {
        let key_id = config.str("key_id").unwrap_or_default();
        let out = self
            .client
            .describe_key()
            .key_id(key_id)
            .set_grant_tokens(Some(config.strings("grant_tokens")).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(sdk_error)
            .map_err(|e| ProviderError {
                message: format!("KMS key {key_id:?}: {}", e.message),
                ..e
            })?;
        let key = out
            .key_metadata()
            .ok_or_else(|| ProviderError::new(format!("DescribeKey {key_id}: no metadata")))?;
        let date =
            |d: Option<&aws_smithy_types::DateTime>| d.and_then(|d| d.fmt(Format::DateTime).ok());
        Ok(object! {
            "id" => key.key_id(),
            "key_id" => key_id,
            "grant_tokens" => config.get("grant_tokens").cloned().unwrap_or_default(),
            "arn" => key.arn(),
            "aws_account_id" => key.aws_account_id(),
            "creation_date" => date(key.creation_date()),
            // The older name of key_spec (same values), kept by Terraform.
            "customer_master_key_spec" => key.key_spec().map(|s| s.as_str().to_string()),
            "deletion_date" => date(key.deletion_date()),
            "description" => key.description(),
            "enabled" => key.enabled(),
            "expiration_model" => key.expiration_model().map(|m| m.as_str().to_string()),
            "key_manager" => key.key_manager().map(|m| m.as_str().to_string()),
            "key_spec" => key.key_spec().map(|s| s.as_str().to_string()),
            "key_state" => key.key_state().map(|s| s.as_str().to_string()),
            "key_usage" => key.key_usage().map(|u| u.as_str().to_string()),
            "multi_region" => key.multi_region().unwrap_or(false),
            "origin" => key.origin().map(|o| o.as_str().to_string()),
            "pending_deletion_window_in_days" => key.pending_deletion_window_in_days().map(i64::from),
            "valid_to" => date(key.valid_to()),
        })
    }
}
