//! aws_s3_bucket_acl: a bucket's canned ACL (`private`, `public-read`, ...), the
//! standalone form of provider v3's inline `acl`.

use super::bucket::{bucket_canned_acl, check_acl};
use super::config::{BucketConfig, BucketSetting};
use super::shared::{has_code, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use aws_sdk_s3::types::BucketCannedAcl;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_acl",
    attributes: &[
        ID,
        Attribute::required("bucket", Type::String).force_new(),
        // Terraform's access_control_policy (explicit grants) is not supported.
        Attribute::required("acl", Type::String),
    ],
    blocks: &[],
};

pub type S3BucketAcl = BucketConfig<Acl>;

pub struct Acl {
    client: aws_sdk_s3::Client,
}

#[async_trait]
impl BucketSetting for Acl {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the ACL";

    fn new(clients: &Clients) -> Self {
        Acl {
            client: clients.s3.clone(),
        }
    }

    fn check(&self, _prior: Option<&Object>, planned: &Object) -> Result<()> {
        check_acl(SCHEMA.type_name, planned.str("acl").unwrap_or_default())
    }

    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
        self.client
            .put_bucket_acl()
            .bucket(bucket)
            .acl(BucketCannedAcl::from(
                planned.str("acl").unwrap_or_default(),
            ))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// An ACL of grants no canned ACL makes reads as the one configured.
    async fn get(&self, bucket: &str, prior: &Object) -> Result<Option<Object>> {
        let acl = match bucket_canned_acl(&self.client, bucket).await {
            Ok(acl) => acl.or(prior.str("acl")),
            Err(e) if has_code(&e, &[NO_SUCH_BUCKET]) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(crate::object! {
            "id" => bucket,
            "bucket" => bucket,
            "acl" => acl,
        }))
    }

    /// As in Terraform, destroying the resource leaves the bucket's ACL as it is.
    async fn remove(&self, _bucket: &str, _prior: &Object) -> Result<()> {
        Ok(())
    }
}
