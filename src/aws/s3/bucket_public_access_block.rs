//! aws_s3_bucket_public_access_block: the four switches that keep a bucket from
//! being made public by ACLs or bucket policies.

use super::shared::{
    bucket_of, planned_bucket, read_buckets, required_bucket, retry_new_bucket, unless_gone,
    NO_SUCH_BUCKET,
};
use crate::aws::{sdk_error, Clients};
use crate::provider::{
    Attribute, Created, Default, Meta, ProviderError, ProviderResult, ResourceType, Schema, Type,
    ID,
};
use crate::value::{Object, ObjectExt};
use async_trait::async_trait;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_public_access_block",
    attributes: &[
        ID,
        Attribute::required("bucket", Type::String).force_new(),
        Attribute::optional("block_public_acls", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("block_public_policy", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("ignore_public_acls", Type::Bool).default(Default::Bool(false)),
        Attribute::optional("restrict_public_buckets", Type::Bool).default(Default::Bool(false)),
    ],
    blocks: &[],
};

const NOT_FOUND: &str = "NoSuchPublicAccessBlockConfiguration";

pub struct S3BucketPublicAccessBlock {
    client: aws_sdk_s3::Client,
}

impl S3BucketPublicAccessBlock {
    pub fn new(clients: &Clients) -> Self {
        S3BucketPublicAccessBlock {
            client: clients.s3.clone(),
        }
    }
}

#[async_trait]
impl ResourceType for S3BucketPublicAccessBlock {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> ProviderResult<Object> {
        let bucket = planned_bucket(planned, SCHEMA.type_name)?;
        retry_new_bucket(|| self.put(bucket, planned)).await?;
        self.read_one(bucket).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "the public access block of bucket \"{bucket}\" could not be read back"
            ))
        })
    }

    /// PutPublicAccessBlock is an idempotent put (it replaces the bucket's one block),
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
        self.put(bucket, planned).await?;
        self.read_one(bucket).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "the public access block of bucket \"{bucket}\" disappeared during update"
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> ProviderResult<()> {
        let Some(bucket) = bucket_of(prior) else {
            return Ok(());
        };
        let deleted = self
            .client
            .delete_public_access_block()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }
}

impl S3BucketPublicAccessBlock {
    async fn put(&self, bucket: &str, planned: &Object) -> ProviderResult<()> {
        let flag = |name: &str| planned.bool(name).unwrap_or(false);
        let configuration = PublicAccessBlockConfiguration::builder()
            .block_public_acls(flag("block_public_acls"))
            .block_public_policy(flag("block_public_policy"))
            .ignore_public_acls(flag("ignore_public_acls"))
            .restrict_public_buckets(flag("restrict_public_buckets"))
            .build();
        self.client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(configuration)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// None when the bucket or its public access block is gone.
    async fn read_one(&self, bucket: &str) -> ProviderResult<Option<Object>> {
        let got = self
            .client
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await;
        let Some(out) = unless_gone(got.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])? else {
            return Ok(None);
        };
        let Some(c) = out.public_access_block_configuration() else {
            return Ok(None);
        };
        Ok(Some(crate::object! {
            "id" => bucket,
            "bucket" => bucket,
            "block_public_acls" => c.block_public_acls().unwrap_or(false),
            "block_public_policy" => c.block_public_policy().unwrap_or(false),
            "ignore_public_acls" => c.ignore_public_acls().unwrap_or(false),
            "restrict_public_buckets" => c.restrict_public_buckets().unwrap_or(false),
        }))
    }
}
