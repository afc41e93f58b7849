//! aws_s3_object: one object in a bucket, uploaded from a file (`source`) or from
//! the configuration (`content`, `content_base64`).

use super::shared::{has_code, retry_new_bucket, NO_SUCH_BUCKET};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    Delete, ObjectCannedAcl, ObjectIdentifier, ServerSideEncryption, StorageClass, Tag, Tagging,
};
use base64::Engine as _;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_s3_object",
    attributes: &[
        // The key, as Terraform.
        ID,
        Attribute::optional("acl", Type::String),
        Attribute::computed("arn", Type::String),
        Attribute::required("bucket", Type::String).force_new(),
        Attribute::optional_computed("bucket_key_enabled", Type::Bool),
        Attribute::optional("cache_control", Type::String),
        Attribute::optional("content", Type::String),
        Attribute::optional("content_base64", Type::String),
        Attribute::optional("content_disposition", Type::String),
        Attribute::optional("content_encoding", Type::String),
        Attribute::optional("content_language", Type::String),
        Attribute::optional_computed("content_type", Type::String),
        // S3's ETag of the object: the MD5 of its bytes for a plain upload. Set it
        // (`filemd5(...)`) to upload again when the file behind `source` changes.
        Attribute::optional_computed("etag", Type::String),
        Attribute::optional("force_destroy", Type::Bool).default(Default::Bool(false)),
        Attribute::required("key", Type::String).force_new(),
        Attribute::optional_computed("kms_key_id", Type::String),
        Attribute::optional("metadata", Type::Map(&Type::String)),
        Attribute::optional_computed("server_side_encryption", Type::String),
        Attribute::optional("source", Type::String),
        // Any value that changes when the file does (`filebase64sha256(...)`).
        Attribute::optional("source_hash", Type::String),
        Attribute::optional_computed("storage_class", Type::String),
        TAGS,
        Attribute::computed("version_id", Type::String),
        Attribute::optional("website_redirect", Type::String),
    ],
    blocks: &[],
};

/// What only recon's state knows (S3 keeps the bytes, not where they came from).
const FROM_CONFIGURATION: &[&str] = &[
    "acl",
    "content",
    "content_base64",
    "force_destroy",
    "source",
    "source_hash",
];

/// What a change to sends the object again (everything else is tags or ACL).
const UPLOADED: &[&str] = &[
    "bucket_key_enabled",
    "cache_control",
    "content",
    "content_base64",
    "content_disposition",
    "content_encoding",
    "content_language",
    "content_type",
    "etag",
    "kms_key_id",
    "metadata",
    "server_side_encryption",
    "source",
    "source_hash",
    "storage_class",
    "website_redirect",
];

client_type!(S3Object: s3);

#[async_trait]
impl ResourceType for S3Object {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let (bucket, key) = (required(planned, "bucket")?, required(planned, "key")?);
        // A PutObject sent again writes the same bytes: no duplicate can come of it.
        self.upload(bucket, key, planned, meta).await?;
        let partial = object! {"id" => key, "bucket" => bucket, "key" => key};
        self.read_one(bucket, key, planned)
            .await
            .map_err(|e| e.with_partial(partial.clone()))?
            .ok_or_else(|| {
                ProviderError::new(format!("s3://{bucket}/{key} was uploaded but not found"))
                    .with_partial(partial)
            })
    }

    /// The object at the key, when its tags carry this create's token.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let (Some(bucket), Some(key)) = (planned.str("bucket"), planned.str("key")) else {
            return Ok(Created::Unknowable);
        };
        if self.head(bucket, key).await?.is_none() {
            return Ok(Created::Absent);
        }
        let found = self.tags(bucket, key).await?;
        let pairs = found.iter().map(|t| (t.key(), t.value()));
        if !tags::made_for(pairs, meta) {
            return Ok(Created::Absent);
        }
        Ok(Created::found_or_absent(
            self.read_one(bucket, key, planned).await?,
        ))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |key, prior| async move {
            let bucket = required(prior, "bucket")?;
            self.read_one(bucket, key, prior).await
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let (bucket, key) = (required(prior, "bucket")?, required(prior, "key")?);
        let changed = |attr: &str| prior.get(attr) != planned.get(attr);
        if UPLOADED.iter().any(|a| changed(a)) {
            self.upload(bucket, key, planned, meta).await?;
        } else {
            if changed("tags") {
                let tagging = tagging(&tags::with_recon_tags(planned, meta))?;
                self.client
                    .put_object_tagging()
                    .bucket(bucket)
                    .key(key)
                    .tagging(tagging)
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
            if let Some(acl) = planned.str("acl").filter(|_| changed("acl")) {
                self.client
                    .put_object_acl()
                    .bucket(bucket)
                    .key(key)
                    .acl(ObjectCannedAcl::from(acl))
                    .send()
                    .await
                    .map_err(sdk_error)?;
            }
        }
        self.read_one(bucket, key, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("s3://{bucket}/{key} disappeared during update"))
        })
    }

    /// Every version of the key goes (a versioned bucket keeps the others
    /// otherwise), as Terraform does; force_destroy also passes object lock
    /// governance.
    async fn delete(&self, prior: &Object) -> Result<()> {
        let (bucket, key) = (required(prior, "bucket")?, required(prior, "key")?);
        let listed = self
            .client
            .list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .send()
            .await
            .map_err(sdk_error);
        let listed = match listed {
            Err(e) if has_code(&e, &[NO_SUCH_BUCKET]) => return Ok(()),
            other => other?,
        };
        let versions = listed.versions().iter().map(|v| (v.key(), v.version_id()));
        let markers = listed
            .delete_markers()
            .iter()
            .map(|m| (m.key(), m.version_id()));
        let mut objects = Vec::new();
        for (_, version) in versions.chain(markers).filter(|(k, _)| *k == Some(key)) {
            let id = ObjectIdentifier::builder()
                .key(key)
                .set_version_id(version.map(str::to_string));
            objects.push(id.build().map_err(|e| ProviderError::new(e.to_string()))?);
        }
        if objects.is_empty() {
            let deleted = self
                .client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await;
            return deleted.map(|_| ()).map_err(sdk_error);
        }
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .build()
            .map_err(|e| ProviderError::new(e.to_string()))?;
        let out = self
            .client
            .delete_objects()
            .bucket(bucket)
            .delete(delete)
            .set_bypass_governance_retention(prior.bool("force_destroy").filter(|f| *f))
            .send()
            .await
            .map_err(sdk_error)?;
        match out.errors().first() {
            Some(e) => Err(ProviderError::with_code(
                e.code().unwrap_or("DeleteFailed"),
                format!(
                    "s3://{bucket}/{key} (version {}) was not deleted: {}",
                    e.version_id().unwrap_or("null"),
                    e.message().unwrap_or("no reason given")
                ),
            )),
            None => Ok(()),
        }
    }

    fn import_stub(&self, id: &str) -> Object {
        // Terraform's import id: "bucket/key" (or s3://bucket/key).
        let id = id.strip_prefix("s3://").unwrap_or(id);
        match id.split_once('/') {
            Some((bucket, key)) => object! {"id" => key, "bucket" => bucket, "key" => key},
            None => object! {"id" => id},
        }
    }
}

impl S3Object {
    async fn upload(&self, bucket: &str, key: &str, planned: &Object, meta: &Meta) -> Result<()> {
        let body = body(planned).await?;
        let tag_query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(tags::with_recon_tags(planned, meta))
            .finish();
        let metadata: Option<std::collections::HashMap<String, String>> =
            planned.get("metadata").and_then(Value::as_object).map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            });
        let text = |a: &str| planned.str(a).map(str::to_string);
        retry_new_bucket(|| async {
            self.client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from(body.clone()))
                .set_acl(planned.str("acl").map(ObjectCannedAcl::from))
                .set_bucket_key_enabled(planned.bool("bucket_key_enabled"))
                .set_cache_control(text("cache_control"))
                .set_content_disposition(text("content_disposition"))
                .set_content_encoding(text("content_encoding"))
                .set_content_language(text("content_language"))
                .set_content_type(text("content_type"))
                .set_metadata(metadata.clone())
                .set_server_side_encryption(
                    planned
                        .str("server_side_encryption")
                        .map(ServerSideEncryption::from),
                )
                .set_ssekms_key_id(text("kms_key_id"))
                .set_storage_class(planned.str("storage_class").map(StorageClass::from))
                .set_website_redirect_location(text("website_redirect"))
                .tagging(&tag_query)
                .send()
                .await
                .map_err(sdk_error)
        })
        .await?;
        Ok(())
    }

    async fn head(&self, bucket: &str, key: &str) -> Result<Option<HeadObjectOutput>> {
        let out = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await;
        match out.map_err(sdk_error) {
            Ok(out) => Ok(Some(out)),
            // HEAD has no body: a missing key or bucket is a bare 404.
            Err(e) if has_code(&e, &["NotFound", "NoSuchKey", NO_SUCH_BUCKET]) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn tags(&self, bucket: &str, key: &str) -> Result<Vec<Tag>> {
        let out = self
            .client
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.tag_set().to_vec())
    }

    /// The object's state; `local` gives what S3 does not keep.
    async fn read_one(&self, bucket: &str, key: &str, local: &Object) -> Result<Option<Object>> {
        let Some(head) = self.head(bucket, key).await? else {
            return Ok(None);
        };
        let object_tags = self.tags(bucket, key).await?;
        let metadata: BTreeMap<&str, &str> = head
            .metadata()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut state = object! {
            "id" => key,
            "arn" => format!("arn:aws:s3:::{bucket}/{key}"),
            "bucket" => bucket,
            "bucket_key_enabled" => head.bucket_key_enabled().unwrap_or(false),
            "cache_control" => head.cache_control(),
            "content_disposition" => head.content_disposition(),
            "content_encoding" => head.content_encoding(),
            "content_language" => head.content_language(),
            "content_type" => head.content_type(),
            "etag" => head.e_tag().map(|e| e.trim_matches('"').to_string()),
            "key" => key,
            "kms_key_id" => head.ssekms_key_id(),
            "metadata" => match metadata.is_empty() && local.get("metadata").is_none_or(Value::is_null) {
                true => Value::Null,
                false => Value::Object(metadata.into_iter().map(|(k, v)| (k.to_string(), Value::from(v))).collect()),
            },
            "server_side_encryption" => head.server_side_encryption().map(|s| s.as_str().to_string()),
            // S3 leaves STANDARD unsaid.
            "storage_class" => head.storage_class().map(|s| s.as_str()).unwrap_or("STANDARD"),
            "tags" => tags::user_tags(object_tags.iter().map(|t| (t.key(), t.value()))),
            "version_id" => head.version_id().filter(|v| *v != "null"),
            "website_redirect" => head.website_redirect_location(),
        };
        for attr in FROM_CONFIGURATION {
            let known = local.get(*attr).filter(|v| !v.is_unknown());
            state.insert(attr.to_string(), known.cloned().unwrap_or(Value::Null));
        }
        Ok(Some(state))
    }
}

/// The bytes to upload: the file named by `source` (relative to the stack's
/// directory), or `content`, or the decoded `content_base64`; nothing else is an
/// empty object.
async fn body(planned: &Object) -> Result<Vec<u8>> {
    match (
        planned.str("source"),
        planned.str("content"),
        planned.str("content_base64"),
    ) {
        (Some(path), None, None) => tokio::fs::read(path)
            .await
            .map_err(|e| ProviderError::new(format!("reading source {path}: {e}"))),
        (None, Some(text), None) => Ok(text.as_bytes().to_vec()),
        (None, None, Some(encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| ProviderError::new(format!("content_base64 is not base64: {e}"))),
        (None, None, None) => Ok(Vec::new()),
        _ => Err(ProviderError::new(
            "set only one of source, content and content_base64",
        )),
    }
}

/// Tags as PutObjectTagging takes them.
fn tagging(tags: &BTreeMap<String, String>) -> Result<Tagging> {
    let set: Result<Vec<Tag>, _> = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    Tagging::builder()
        .set_tag_set(Some(set.map_err(|e| ProviderError::new(e.to_string()))?))
        .build()
        .map_err(|e| ProviderError::new(e.to_string()))
}

fn required<'a>(obj: &'a Object, attr: &str) -> Result<&'a str> {
    obj.str(attr)
        .ok_or_else(|| ProviderError::new(format!("aws_s3_object: \"{attr}\" is required")))
}
