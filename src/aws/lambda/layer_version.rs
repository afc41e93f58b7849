//! aws_lambda_layer_version: one published version of a Lambda layer. A version
//! cannot change: every argument makes a new one.

use crate::aws::lambda::function::read_zip;
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_lambda::operation::get_layer_version::GetLayerVersionOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, LayerVersionContentInput, LayerVersionContentOutput, LayerVersionsListItem,
    Runtime,
};
use aws_smithy_types::date_time::{DateTime, Format};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::time::UNIX_EPOCH;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_lambda_layer_version",
    attributes: &[
        ID,
        Attribute::required("layer_name", Type::String).force_new(),
        // Write-only: the local zip the content is uploaded from.
        Attribute::optional("filename", Type::String).force_new(),
        Attribute::optional("s3_bucket", Type::String).force_new(),
        Attribute::optional("s3_key", Type::String).force_new(),
        Attribute::optional("s3_object_version", Type::String).force_new(),
        // Not refreshed (as Terraform): a change to it is what publishes new content.
        Attribute::optional_computed("source_code_hash", Type::String).force_new(),
        Attribute::optional("compatible_runtimes", Type::Set(&Type::String)).force_new(),
        Attribute::optional("compatible_architectures", Type::Set(&Type::String)).force_new(),
        Attribute::optional("description", Type::String).force_new(),
        Attribute::optional("license_info", Type::String).force_new(),
        // Kept in AWS when recon destroys or replaces it.
        Attribute::optional("skip_destroy", Type::Bool)
            .default(Default::Bool(false))
            .force_new(),
        Attribute::computed("arn", Type::String),
        Attribute::computed("layer_arn", Type::String),
        Attribute::computed("version", Type::String),
        Attribute::computed("created_date", Type::String),
        Attribute::computed("code_size", Type::Number),
        Attribute::computed("code_sha256", Type::String),
        Attribute::computed("source_code_size", Type::Number),
        Attribute::computed("signing_job_arn", Type::String),
        Attribute::computed("signing_profile_version_arn", Type::String),
    ],
    blocks: &[],
};

/// Clocks differ: a version published up to this long before the create began
/// still counts as published after it.
const CLOCK_SKEW: Duration = Duration::from_secs(300);

client_type!(LambdaLayerVersion: lambda, once);

#[async_trait]
impl ResourceType for LambdaLayerVersion {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let layer = layer_name(planned)?;
        let content = match planned.str("filename") {
            Some(filename) => LayerVersionContentInput::builder()
                .zip_file(Blob::new(read_zip(filename).await?))
                .build(),
            None => match (planned.str("s3_bucket"), planned.str("s3_key")) {
                (Some(bucket), Some(key)) => LayerVersionContentInput::builder()
                    .s3_bucket(bucket)
                    .s3_key(key)
                    .set_s3_object_version(planned.str("s3_object_version").map(str::to_string))
                    .build(),
                _ => {
                    return Err(ProviderError::new(
                        "aws_lambda_layer_version needs filename, or s3_bucket and s3_key",
                    ))
                }
            },
        };
        let out = self
            .once
            .publish_layer_version()
            .layer_name(layer)
            .content(content)
            .set_description(planned.str("description").map(str::to_string))
            .set_license_info(planned.str("license_info").map(str::to_string))
            .set_compatible_runtimes(runtimes(planned))
            .set_compatible_architectures(architectures(planned))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(to_state(&Published::from(&out), planned))
    }

    /// Versions cannot be tagged, and every publish makes a new one: the newest
    /// version published since the create began, when its content and settings
    /// are the planned ones, is the one a lost create made.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(began) = meta.began else {
            return Ok(Created::Unknowable);
        };
        let layer = layer_name(planned)?;
        let since = began
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .saturating_sub(CLOCK_SKEW.as_secs()) as i64;
        // The hash AWS will report for the local zip (none for S3 content).
        let sha = match planned.str("filename") {
            Some(filename) => Some(
                base64::engine::general_purpose::STANDARD
                    .encode(Sha256::digest(read_zip(filename).await?)),
            ),
            None => None,
        };
        let mut pages = self
            .client
            .list_layer_versions()
            .layer_name(layer)
            .into_paginator()
            .items()
            .send();
        let mut newest: Option<LayerVersionsListItem> = None;
        while let Some(item) = pages.next().await {
            let item = item.map_err(sdk_error)?;
            let recent = item
                .created_date()
                .and_then(seconds)
                .is_some_and(|s| s >= since);
            if recent && newest.as_ref().is_none_or(|n| n.version() < item.version()) {
                newest = Some(item);
            }
        }
        let Some(item) = newest else {
            return Ok(Created::Absent);
        };
        let Some(found) = self.find(layer, item.version(), planned).await? else {
            return Ok(Created::Absent);
        };
        let text = |o: &Object, key: &str| o.str(key).filter(|s| !s.is_empty()).map(str::to_string);
        let set = |o: &Object, key: &str| {
            let mut items = o.strings(key);
            items.sort();
            items
        };
        let same = sha.is_none_or(|sha| found.str("code_sha256") == Some(sha.as_str()))
            && ["description", "license_info"]
                .iter()
                .all(|k| text(&found, k) == text(planned, k))
            && ["compatible_runtimes", "compatible_architectures"]
                .iter()
                .all(|k| set(&found, k) == set(planned, k));
        Ok(if same {
            Created::Found(found)
        } else {
            Created::Absent
        })
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |id, prior| async move {
            let Some((layer, version)) = split_arn(id) else {
                return Ok(None);
            };
            self.find(layer, version, prior).await
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        // Every argument forces a new version; skip_destroy lives only in state.
        let mut state = prior.clone();
        state.insert(
            "skip_destroy".into(),
            Value::Bool(planned.bool("skip_destroy").unwrap_or(false)),
        );
        Ok(state)
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        if prior.bool("skip_destroy") == Some(true) {
            return Ok(());
        }
        let Some((layer, version)) = prior.str("id").and_then(split_arn) else {
            return Ok(());
        };
        let answer = self
            .client
            .delete_layer_version()
            .layer_name(layer)
            .version_number(version)
            .send()
            .await;
        gone_ok(answer.map_err(sdk_error))
    }

    /// The version ARN, as Terraform.
    fn import_stub(&self, id: &str) -> Object {
        match split_arn(id) {
            Some((layer, _)) => crate::object! { "id" => id, "layer_name" => layer },
            None => crate::object! { "id" => id },
        }
    }
}

impl LambdaLayerVersion {
    /// GetLayerVersion; None when the version (or the layer) does not exist.
    async fn find(&self, layer: &str, version: i64, prior: &Object) -> Result<Option<Object>> {
        let answer = self
            .client
            .get_layer_version()
            .layer_name(layer)
            .version_number(version)
            .send()
            .await;
        Ok(none_if_gone(answer.map_err(sdk_error))?
            .map(|out| to_state(&Published::from(&out), prior)))
    }
}

fn layer_name(obj: &Object) -> Result<&str> {
    obj.str("layer_name")
        .ok_or_else(|| ProviderError::new("aws_lambda_layer_version needs layer_name"))
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION` → (name, version).
fn split_arn(arn: &str) -> Option<(&str, i64)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "layer", name, version] => Some((name, version.parse().ok()?)),
        _ => None,
    }
}

/// Seconds since the epoch of a Lambda date (`2024-01-02T03:04:05.678+0000`).
fn seconds(date: &str) -> Option<i64> {
    let date = match date.strip_suffix("+0000") {
        Some(utc) => format!("{utc}Z"),
        None => date.to_string(),
    };
    DateTime::from_str(&date, Format::DateTime)
        .ok()
        .map(|d| d.secs())
}

fn runtimes(planned: &Object) -> Option<Vec<Runtime>> {
    let list = planned.strings("compatible_runtimes");
    (!list.is_empty()).then(|| list.iter().map(|r| Runtime::from(r.as_str())).collect())
}

fn architectures(planned: &Object) -> Option<Vec<Architecture>> {
    let list = planned.strings("compatible_architectures");
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|a| Architecture::from(a.as_str()))
            .collect()
    })
}

/// What PublishLayerVersion and GetLayerVersion answer alike.
struct Published<'a> {
    arn: Option<&'a str>,
    layer_arn: Option<&'a str>,
    version: i64,
    created: Option<&'a str>,
    content: Option<&'a LayerVersionContentOutput>,
    description: Option<&'a str>,
    license: Option<&'a str>,
    runtimes: &'a [Runtime],
    architectures: &'a [Architecture],
}

macro_rules! published {
    ($($out:ty),*) => {$(
        impl<'a> From<&'a $out> for Published<'a> {
            fn from(out: &'a $out) -> Self {
                Published {
                    arn: out.layer_version_arn(),
                    layer_arn: out.layer_arn(),
                    version: out.version(),
                    created: out.created_date(),
                    content: out.content(),
                    description: out.description(),
                    license: out.license_info(),
                    runtimes: out.compatible_runtimes(),
                    architectures: out.compatible_architectures(),
                }
            }
        }
    )*};
}

published!(
    GetLayerVersionOutput,
    aws_sdk_lambda::operation::publish_layer_version::PublishLayerVersionOutput
);

fn non_empty(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

/// The state of a version; `prior` supplies what AWS does not report (where the
/// content came from, skip_destroy).
fn to_state(found: &Published, prior: &Object) -> Object {
    let arn = found.arn.unwrap_or_default();
    let layer_name = split_arn(arn)
        .map(|(name, _)| name.to_string())
        .or_else(|| prior.str("layer_name").map(str::to_string))
        .unwrap_or_default();
    let content = found.content;
    let code_sha = content.and_then(|c| c.code_sha256());
    let code_size = content.map_or(0, |c| c.code_size());
    // Not refreshed: the configured hash stays; after an import, AWS's own.
    let source_code_hash = match prior.get("source_code_hash") {
        Some(Value::String(s)) => Value::from(s.as_str()),
        _ => Value::from(code_sha),
    };
    let kept = |key: &str| match prior.get(key) {
        Some(Value::String(s)) => Value::from(s.as_str()),
        _ => Value::Null,
    };
    let runtimes: Vec<Value> = found
        .runtimes
        .iter()
        .map(|r| Value::from(r.as_str()))
        .collect();
    let architectures: Vec<Value> = found
        .architectures
        .iter()
        .map(|a| Value::from(a.as_str()))
        .collect();
    crate::object! {
        // The version ARN is the id, as Terraform's.
        "id" => arn,
        "arn" => arn,
        "layer_arn" => found.layer_arn,
        "layer_name" => layer_name,
        "version" => found.version.to_string(),
        "created_date" => found.created,
        "filename" => kept("filename"),
        "s3_bucket" => kept("s3_bucket"),
        "s3_key" => kept("s3_key"),
        "s3_object_version" => kept("s3_object_version"),
        "source_code_hash" => source_code_hash,
        "code_sha256" => code_sha,
        "code_size" => code_size,
        "source_code_size" => code_size,
        "description" => non_empty(found.description),
        "license_info" => non_empty(found.license),
        "compatible_runtimes" => Value::List(runtimes),
        "compatible_architectures" => Value::List(architectures),
        "skip_destroy" => prior.bool("skip_destroy").unwrap_or(false),
        "signing_job_arn" => non_empty(content.and_then(|c| c.signing_job_arn())),
        "signing_profile_version_arn" => non_empty(content.and_then(|c| c.signing_profile_version_arn())),
    }
}
