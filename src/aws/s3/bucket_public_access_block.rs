//! aws_s3_bucket_public_access_block: the four switches that keep a bucket from
//! being made public by ACLs or bucket policies.

use super::config::{BucketConfig, BucketSetting};
use super::shared::{unless_gone, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::provider::Default;
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

pub type S3BucketPublicAccessBlock = BucketConfig<PublicAccessBlock>;

pub struct PublicAccessBlock {
    client: aws_sdk_s3::Client,
}

#[async_trait]
impl BucketSetting for PublicAccessBlock {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the public access block";

    fn new(clients: &Clients) -> Self {
        PublicAccessBlock {
            client: clients.s3.clone(),
        }
    }

    async fn remove(&self, bucket: &str, _prior: &Object) -> Result<()> {
        let deleted = self
            .client
            .delete_public_access_block()
            .bucket(bucket)
            .send()
            .await;
        unless_gone(deleted.map_err(sdk_error), &[NO_SUCH_BUCKET, NOT_FOUND])?;
        Ok(())
    }

    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
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
    async fn get(&self, bucket: &str, _prior: &Object) -> Result<Option<Object>> {
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
