//! aws_s3_bucket_policy: the resource policy attached to a bucket.

use super::shared::{
    bucket_of, has_code, planned_bucket, read_buckets, required_bucket, retry_new_bucket,
    unless_gone, NO_SUCH_BUCKET,
};
use crate::aws::{sdk_error, Clients};
use crate::provider::{
    Attribute, Created, Meta, ProviderError, ProviderResult, ResourceType, Schema, Type, ID,
};
use crate::value::{Object, ObjectExt};
use async_trait::async_trait;
use std::time::{Duration, Instant};

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

pub struct S3BucketPolicy {
    client: aws_sdk_s3::Client,
}

impl S3BucketPolicy {
    pub fn new(clients: &Clients) -> Self {
        S3BucketPolicy {
            client: clients.s3.clone(),
        }
    }
}

#[async_trait]
impl ResourceType for S3BucketPolicy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> ProviderResult<Object> {
        let bucket = planned_bucket(planned, SCHEMA.type_name)?;
        let policy = required_policy(planned)?;
        retry_new_bucket(|| self.put(bucket, policy)).await?;
        self.read_one(bucket).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "the policy of bucket \"{bucket}\" could not be read back"
            ))
        })
    }

    /// PutBucketPolicy is an idempotent put (it replaces the bucket's one policy),
    /// so trying it again makes nothing twice.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> ProviderResult<Created> {
        Ok(Created::Absent)
    }

    async fn read(&self, priors: &[Object]) -> ProviderResult<Vec<Option<Object>>> {
        read_buckets(priors, |bucket, _| self.read_one(bucket)).await
    }

    async fn update(
        &self,
        prior: &Object,
        planned: &Object,
        _meta: &Meta,
    ) -> ProviderResult<Object> {
        let bucket = required_bucket(prior, SCHEMA.type_name)?;
        self.put(bucket, required_policy(planned)?).await?;
        self.read_one(bucket).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "the policy of bucket \"{bucket}\" disappeared during update"
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> ProviderResult<()> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(());
        };
        let deleted = self
            .client
            .delete_bucket_policy()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }
}

impl S3BucketPolicy {
    async fn put(&self, bucket: &str, policy: &str) -> ProviderResult<()> {
        let start = Instant::now();
        loop {
            let result = self
                .client
                .put_bucket_policy()
                .bucket(bucket)
                .policy(policy)
                .send()
                .await
                .map_err(sdk_error);
            match result {
                Ok(_) => return Ok(()),
                Err(err)
                    if has_code(&err, &["MalformedPolicy"])
                        && err.message.contains("Invalid principal")
                        && start.elapsed() < PRINCIPAL_TIMEOUT =>
                {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// None when the bucket or its policy is gone. The policy is kept as S3 returns
    /// it: the engine compares JSON by meaning.
    async fn read_one(&self, bucket: &str) -> ProviderResult<Option<Object>> {
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

fn required_policy(planned: &Object) -> ProviderResult<&str> {
    planned
        .str("policy")
        .ok_or_else(|| ProviderError::new(format!("{}: \"policy\" is required", SCHEMA.type_name)))
}
