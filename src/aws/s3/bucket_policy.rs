//! aws_s3_bucket_policy: the resource policy attached to a bucket.

use super::config::{BucketConfig, BucketSetting};
use super::shared::{has_code, unless_gone, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::aws::wait::{retry_while, Pace};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_policy",
    attributes: &[
        ID,
        Attribute::required("bucket", Type::String).force_new(),
        Attribute::required("policy", Type::Json),
    ],
    blocks: &[],
};

const NOT_FOUND: &str = "NoSuchBucketPolicy";
/// A policy naming a just-created IAM principal is refused until IAM has propagated it.
const PRINCIPAL_TIMEOUT: Duration = Duration::from_secs(120);

pub type S3BucketPolicy = BucketConfig<Policy>;

pub struct Policy {
    client: aws_sdk_s3::Client,
}

#[async_trait]
impl BucketSetting for Policy {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the policy";

    fn new(clients: &Clients) -> Self {
        Policy {
            client: clients.s3.clone(),
        }
    }

    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
        let policy = required_policy(planned)?;
        let pace = Pace::every(Duration::from_secs(2), PRINCIPAL_TIMEOUT);
        let unseen_principal = |err: &ProviderError| {
            has_code(err, &["MalformedPolicy"]) && err.message.contains("Invalid principal")
        };
        retry_while(pace, unseen_principal, || async {
            self.client
                .put_bucket_policy()
                .bucket(bucket)
                .policy(policy)
                .send()
                .await
                .map_err(sdk_error)
        })
        .await?;
        Ok(())
    }

    async fn remove(&self, bucket: &str, _prior: &Object) -> Result<()> {
        let deleted = self
            .client
            .delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }

    /// None when the bucket or its policy is gone. The policy is kept as S3 returns
    /// it: the engine compares JSON by meaning.
    async fn get(&self, bucket: &str, _prior: &Object) -> Result<Option<Object>> {
        let got = self.client.get_bucket_policy().bucket(bucket).send().await;
        let Some(out) = unless_gone(got.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])? else {
            return Ok(None);
        };
        let Some(policy) = out.policy().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        Ok(Some(crate::object! {
            "id" => bucket,
            "bucket" => bucket,
            "policy" => policy,
        }))
    }
}

fn required_policy(planned: &Object) -> Result<&str> {
    planned
        .str("policy")
        .ok_or_else(|| ProviderError::new(format!("{}: \"policy\" is required", SCHEMA.type_name)))
}
