//! aws_s3_bucket_server_side_encryption_configuration: a bucket's default encryption
//! (SSE-S3 or SSE-KMS with a key, optionally with an S3 Bucket Key).

use super::config::{BucketConfig, BucketSetting};
use super::shared::{unless_gone, NO_SUCH_BUCKET};
use crate::aws::kms::key_refs::{key_arns, state_key};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Nesting};
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_server_side_encryption_configuration",
    attributes: &[ID, Attribute::required("bucket", Type::String).force_new()],
    blocks: &[rule_block(Nesting::Set)],
};

/// The `rule` block, also aws_s3_bucket's inline one (there a single block, as
/// provider v3 had it): `expand` and `get` serve both.
pub(super) const fn rule_block(nesting: Nesting) -> BlockType {
    BlockType::new("rule", nesting, RULE_ATTRIBUTES).with_blocks(RULE_BLOCKS)
}

const RULE_ATTRIBUTES: &[Attribute] = &[Attribute::optional("bucket_key_enabled", Type::Bool)];
const RULE_BLOCKS: &[BlockType] = &[BlockType::new(
    BY_DEFAULT,
    Nesting::Single,
    &[
        Attribute::required("sse_algorithm", Type::String),
        Attribute::optional("kms_master_key_id", Type::String),
    ],
)];
const BY_DEFAULT: &str = "apply_server_side_encryption_by_default";
const ALGORITHMS: &[&str] = &["AES256", "aws:kms", "aws:kms:dsse"];
const NOT_FOUND: &str = "ServerSideEncryptionConfigurationNotFoundError";

pub type S3BucketServerSideEncryptionConfiguration = BucketConfig<Encryption>;

pub struct Encryption {
    client: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
}

#[async_trait]
impl BucketSetting for Encryption {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the encryption configuration";

    fn new(clients: &Clients) -> Self {
        Encryption {
            client: clients.s3.clone(),
            kms: clients.kms.clone(),
        }
    }

    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
        self.client
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(expand(planned)?)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// The bucket goes back to S3's default encryption (SSE-S3).
    async fn remove(&self, bucket: &str, _prior: &Object) -> Result<()> {
        let deleted = self
            .client
            .delete_bucket_encryption()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }

    /// None when the bucket or its encryption configuration is gone.
    async fn get(&self, bucket: &str, prior: &Object) -> Result<Option<Object>> {
        let got = self
            .client
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await;
        let Some(out) = unless_gone(got.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])? else {
            return Ok(None);
        };
        let rules = out
            .server_side_encryption_configuration()
            .map(|c| c.rules())
            .unwrap_or_default();
        let prior_keys = prior_rules(prior)
            .filter_map(|r| r.block(BY_DEFAULT))
            .filter_map(|d| d.str("kms_master_key_id"))
            .map(str::to_string)
            .collect::<Vec<_>>();
        let actual_keys = rules
            .iter()
            .filter_map(|r| r.apply_server_side_encryption_by_default())
            .filter_map(|d| d.kms_master_key_id());
        let arns = key_arns(
            &self.kms,
            actual_keys.chain(prior_keys.iter().map(String::as_str)),
        )
        .await;
        // S3 reports a Bucket Key as false when it was never asked for: keep that unset
        // unless the configuration said false.
        let prior_said_false =
            prior_rules(prior).any(|r| r.bool("bucket_key_enabled") == Some(false));
        let rule_values = rules
            .iter()
            .map(|rule| {
                let by_default = rule
                    .apply_server_side_encryption_by_default()
                    .map(|d| {
                        Value::Object(crate::object! {
                            "sse_algorithm" => d.sse_algorithm().as_str(),
                            "kms_master_key_id" => state_key(
                                d.kms_master_key_id(),
                                prior_keys.iter().map(String::as_str),
                                &arns,
                            ),
                        })
                    })
                    .into_iter()
                    .collect::<Vec<_>>();
                let bucket_key = match rule.bucket_key_enabled() {
                    Some(false) if !prior_said_false => None,
                    other => other,
                };
                Value::Object(crate::object! {
                    "bucket_key_enabled" => bucket_key,
                    BY_DEFAULT => by_default,
                })
            })
            .collect::<Vec<_>>();
        Ok(Some(crate::object! {
            "id" => bucket,
            "bucket" => bucket,
            "rule" => rule_values,
        }))
    }
}

fn prior_rules(prior: &Object) -> impl Iterator<Item = &Object> {
    prior.list("rule").iter().filter_map(Value::as_object)
}

/// The planned rules as the API takes them, checked.
pub(super) fn expand(planned: &Object) -> Result<ServerSideEncryptionConfiguration> {
    let mut rules = Vec::new();
    for rule in prior_rules(planned) {
        let mut built = ServerSideEncryptionRule::builder()
            .set_bucket_key_enabled(rule.bool("bucket_key_enabled"));
        if let Some(by_default) = rule.block(BY_DEFAULT) {
            let algorithm = by_default.str("sse_algorithm").unwrap_or_default();
            if !ALGORITHMS.contains(&algorithm) {
                return Err(ProviderError::new(format!(
                    "{}: sse_algorithm must be one of {}; got \"{algorithm}\"",
                    SCHEMA.type_name,
                    ALGORITHMS.join(", ")
                )));
            }
            let key = by_default
                .str("kms_master_key_id")
                .filter(|k| !k.is_empty());
            if key.is_some() && !algorithm.starts_with("aws:kms") {
                return Err(ProviderError::new(format!(
                    "{}: kms_master_key_id can only be set when sse_algorithm is aws:kms or aws:kms:dsse",
                    SCHEMA.type_name
                )));
            }
            let sse = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(algorithm))
                .set_kms_master_key_id(key.map(str::to_string))
                .build()
                .map_err(|e| ProviderError::new(format!("invalid encryption rule: {e}")))?;
            built = built.apply_server_side_encryption_by_default(sse);
        }
        rules.push(built.build());
    }
    if rules.is_empty() {
        return Err(ProviderError::new(format!(
            "{}: at least one rule block is required",
            SCHEMA.type_name
        )));
    }
    ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| ProviderError::new(format!("invalid encryption configuration: {e}")))
}
