//! aws_s3_bucket_versioning: a bucket's versioning state (Enabled, Suspended, or
//! Disabled for a bucket that was never versioned) and MFA delete.

use super::config::{BucketConfig, BucketSetting};
use super::shared::{has_code, unless_gone, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Nesting};
use aws_sdk_s3::types::{BucketVersioningStatus, MfaDelete, VersioningConfiguration};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_bucket_versioning",
    attributes: &[
        ID,
        Attribute::required("bucket", Type::String).force_new(),
        // Write-only: "<device serial> <code>", sent with every change.
        Attribute::optional("mfa", Type::String).sensitive(),
    ],
    // Required by Terraform (exactly one block); checked at create.
    blocks: &[BlockType::new(
        "versioning_configuration",
        Nesting::Single,
        &[
            Attribute::required("status", Type::String),
            Attribute::optional_computed("mfa_delete", Type::String),
        ],
    )],
};

/// Terraform's status for a bucket that has never had versioning turned on.
const DISABLED: &str = "Disabled";
const STATUSES: &[&str] = &["Enabled", "Suspended", DISABLED];

pub type S3BucketVersioning = BucketConfig<Versioning>;

pub struct Versioning {
    client: aws_sdk_s3::Client,
}

#[async_trait]
impl BucketSetting for Versioning {
    const SCHEMA: &'static Schema = &SCHEMA;
    const WHAT: &'static str = "the versioning";

    fn new(clients: &Clients) -> Self {
        Versioning {
            client: clients.s3.clone(),
        }
    }

    fn check(&self, prior: Option<&Object>, planned: &Object) -> Result<()> {
        let (status, _) = configured(planned)?;
        let old = prior
            .and_then(|p| p.block("versioning_configuration"))
            .and_then(|b| b.str("status"));
        if status == DISABLED && old.is_some_and(|o| o != DISABLED) {
            return Err(ProviderError::new(format!(
                "versioning_configuration.status cannot be changed from \"{}\" to \"Disabled\": \
                 a bucket that has been versioned can only be suspended (status = \"Suspended\")",
                old.unwrap_or_default()
            )));
        }
        Ok(())
    }

    /// "Disabled" adopts an unversioned bucket as it is: there is nothing to send.
    async fn put(&self, bucket: &str, planned: &Object) -> Result<()> {
        let (status, mfa_delete) = configured(planned)?;
        if status == DISABLED {
            return Ok(());
        }
        self.send(bucket, status, mfa_delete, planned.str("mfa"))
            .await
    }

    /// Versioning cannot be removed from a bucket, only suspended (as Terraform does).
    async fn remove(&self, bucket: &str, prior: &Object) -> Result<()> {
        let status = prior
            .block("versioning_configuration")
            .and_then(|b| b.str("status"));
        if status == Some(DISABLED) {
            return Ok(());
        }
        let suspended = self.send(bucket, "Suspended", None, prior.str("mfa")).await;
        unless_gone(suspended, &[NO_SUCH_BUCKET])?;
        Ok(())
    }

    /// None when the bucket is gone.
    async fn get(&self, bucket: &str, prior: &Object) -> Result<Option<Object>> {
        let (status, reported_mfa_delete) = match self
            .client
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => (
                out.status().map(|s| s.as_str().to_string()),
                out.mfa_delete().map(|m| m.as_str().to_string()),
            ),
            Err(err) => {
                let fallback = err
                    .raw_response()
                    .filter(|r| r.status().is_success())
                    .and_then(|r| r.body().bytes())
                    .and_then(misnamed_root_fields);
                match fallback {
                    Some(fields) => fields,
                    None => {
                        let err = sdk_error(err);
                        return if has_code(&err, &[NO_SUCH_BUCKET]) {
                            Ok(None)
                        } else {
                            Err(err)
                        };
                    }
                }
            }
        };
        let status = status.as_deref().unwrap_or(DISABLED);
        let prior_mfa_delete = prior
            .block("versioning_configuration")
            .and_then(|b| b.str("mfa_delete"));
        // S3 reports MFA delete only once it has been set; unreported means Disabled.
        let mfa_delete = match reported_mfa_delete.as_deref() {
            Some(m) => Some(m),
            None if prior_mfa_delete == Some("Disabled") => Some("Disabled"),
            None => None,
        };
        Ok(Some(crate::object! {
            "id" => bucket,
            "bucket" => bucket,
            "mfa" => prior.str("mfa"),
            "versioning_configuration" => vec![Value::Object(crate::object! {
                "status" => status,
                "mfa_delete" => mfa_delete,
            })],
        }))
    }
}

impl Versioning {
    async fn send(
        &self,
        bucket: &str,
        status: &str,
        mfa_delete: Option<&str>,
        mfa: Option<&str>,
    ) -> Result<()> {
        let configuration = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::from(status))
            .set_mfa_delete(mfa_delete.map(MfaDelete::from))
            .build();
        self.client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(configuration)
            .set_mfa(mfa.map(str::to_string))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

/// The configured status and MFA delete, checked.
fn configured(planned: &Object) -> Result<(&str, Option<&str>)> {
    let block = planned.block("versioning_configuration").ok_or_else(|| {
        ProviderError::new(
            "aws_s3_bucket_versioning: a versioning_configuration block is required, e.g. versioning_configuration { status = \"Enabled\" }",
        )
    })?;
    let status = block.str("status").unwrap_or_default();
    if !STATUSES.contains(&status) {
        return Err(ProviderError::new(format!(
            "aws_s3_bucket_versioning: versioning_configuration.status must be one of Enabled, Suspended, Disabled; got \"{status}\""
        )));
    }
    let mfa_delete = block.str("mfa_delete");
    if let Some(m) = mfa_delete {
        if m != "Enabled" && m != "Disabled" {
            return Err(ProviderError::new(format!(
                "aws_s3_bucket_versioning: versioning_configuration.mfa_delete must be Enabled or Disabled; got \"{m}\""
            )));
        }
    }
    Ok((status, mfa_delete))
}

/// moto (5.2.5) names the root element of a GetBucketVersioning answer
/// `GetBucketVersioningResponse` instead of `VersioningConfiguration`, which the SDK
/// refuses to parse. The fields inside are the same: read them from the body.
fn misnamed_root_fields(body: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find(&format!("</{name}>"))?;
        Some(text[start..end].trim().to_string())
    };
    Some((element("Status"), element("MfaDelete")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_of_a_misnamed_root() {
        let set = br#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></GetBucketVersioningResponse>"#;
        assert_eq!(
            misnamed_root_fields(set),
            Some((Some("Suspended".into()), None))
        );
        let unset =
            br#"<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#;
        assert_eq!(misnamed_root_fields(unset), Some((None, None)));
        assert_eq!(
            misnamed_root_fields(b"<Error><Code>NoSuchBucket</Code></Error>"),
            None
        );
    }
}
