//! The S3 state backend's storage (an S3 bucket) and key service (KMS), with
//! the clients of [`Clients`], so state calls share recon's retry policy and
//! timeouts.

use super::Clients;
use crate::state::s3::{S3Backend, S3Settings};
use crate::state::store::{
    GeneratedKey, KeyService, ObjectStore, ObjectVersion, Put, PutCondition, ServerSide,
    StoreError, StoredObject,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier, ServerSideEncryption};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The S3 backend for `settings`, through `clients`.
pub fn s3_backend(clients: &Clients, settings: S3Settings) -> S3Backend {
    let objects = S3Objects {
        s3: clients.s3.clone(),
        bucket: settings.bucket.clone(),
    };
    let keys = KmsKeys {
        kms: clients.kms.clone(),
    };
    S3Backend::new(Arc::new(objects), Arc::new(keys), settings)
}

/// One bucket's objects.
pub struct S3Objects {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

/// Data keys from KMS.
pub struct KmsKeys {
    kms: aws_sdk_kms::Client,
}

fn store_error<E>(e: &SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = e.code().map(str::to_string);
    StoreError {
        status: e.raw_response().map(|r| r.status().as_u16()),
        message: match (e.message(), &code) {
            (Some(m), _) => m.to_string(),
            (None, Some(_)) => String::new(),
            (None, None) => DisplayErrorContext(e).to_string(),
        },
        code,
    }
}

fn user_metadata(m: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    m.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[async_trait::async_trait]
impl ObjectStore for S3Objects {
    async fn get(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<StoredObject>, StoreError> {
        let out = match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_version_id(version.map(str::to_string))
            .send()
            .await
        {
            Ok(out) => out,
            // A 404 without a body (HEAD-like answers) is a missing key too, but
            // never a missing bucket.
            Err(e)
                if e.as_service_error().is_some_and(|s| s.is_no_such_key())
                    || (e.raw_response().map(|r| r.status().as_u16()) == Some(404)
                        && version.is_none()
                        && e.code() != Some("NoSuchBucket")) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(store_error(&e)),
        };
        let etag = out.e_tag().map(str::to_string);
        let metadata = user_metadata(out.metadata());
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::new(e.to_string()))?
            .into_bytes()
            .to_vec();
        Ok(Some(StoredObject {
            bytes,
            etag,
            metadata,
        }))
    }

    async fn put(&self, put: Put<'_>) -> Result<Option<String>, StoreError> {
        let mut req = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(put.key)
            .content_type("application/json")
            .body(ByteStream::from(put.body));
        for (name, value) in put.metadata {
            req = req.metadata(name, value);
        }
        req = match put.encryption {
            ServerSide::Kms(k) => req
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(k),
            ServerSide::Aes256 => req.server_side_encryption(ServerSideEncryption::Aes256),
            ServerSide::None => req,
        };
        req = match put.condition {
            PutCondition::IfMatch(etag) => req.if_match(etag),
            PutCondition::IfAbsent => req.if_none_match("*"),
        };
        let out = req.send().await.map_err(|e| store_error(&e))?;
        Ok(out.e_tag().map(str::to_string))
    }

    async fn delete(&self, key: &str, if_match: Option<&str>) -> Result<(), StoreError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .set_if_match(if_match.map(str::to_string))
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        Ok(())
    }

    async fn delete_all(&self, keys: &[String]) -> Result<(), StoreError> {
        // DeleteObjects takes at most 1000 keys.
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::new(e.to_string()))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| StoreError::new(e.to_string()))?;
            self.s3
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| store_error(&e))?;
        }
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| store_error(&e))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => return Ok(keys),
            }
        }
    }

    async fn exists(&self, key: &str) -> bool {
        let head = self.s3.head_object().bucket(&self.bucket).key(key);
        head.send().await.is_ok()
    }

    async fn check_bucket(&self) -> Result<(), StoreError> {
        self.s3
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        Ok(())
    }

    async fn versioning_enabled(&self) -> Result<bool, StoreError> {
        match self
            .s3
            .get_bucket_versioning()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(v) => Ok(v.status().map(|s| s.as_str()) == Some("Enabled")),
            // moto answers with a root element the SDK does not accept; the
            // answer itself is fine, so read the status from it.
            Err(e) if e.raw_response().map(|r| r.status().as_u16()) == Some(200) => Ok(e
                .raw_response()
                .and_then(|r| r.body().bytes())
                .is_some_and(|b| String::from_utf8_lossy(b).contains("<Status>Enabled</Status>"))),
            Err(e) => Err(store_error(&e)),
        }
    }

    async fn versions(&self, key: &str) -> Result<Vec<ObjectVersion>, StoreError> {
        let mut out = Vec::new();
        let mut key_marker = None;
        let mut version_marker = None;
        loop {
            let page = self
                .s3
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(key)
                // Keys under `key/` (a journal) fold into one common prefix.
                .delimiter("/")
                .set_key_marker(key_marker)
                .set_version_id_marker(version_marker)
                .send()
                .await
                .map_err(|e| store_error(&e))?;
            for v in page.versions().iter().filter(|v| v.key() == Some(key)) {
                let id = v.version_id().unwrap_or("null").to_string();
                let head = self
                    .s3
                    .head_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .version_id(&id)
                    .send()
                    .await
                    .ok();
                out.push(ObjectVersion {
                    id,
                    modified: v
                        .last_modified()
                        .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
                        .unwrap_or_default(),
                    size: v.size().unwrap_or(0),
                    latest: v.is_latest() == Some(true),
                    metadata: user_metadata(head.as_ref().and_then(|h| h.metadata())),
                });
            }
            if page.is_truncated() != Some(true) {
                return Ok(out);
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
    }
}

#[async_trait::async_trait]
impl KeyService for KmsKeys {
    async fn generate_data_key(
        &self,
        key_id: &str,
        context: (&str, &str),
    ) -> Result<GeneratedKey, StoreError> {
        let out = self
            .kms
            .generate_data_key()
            .key_id(key_id)
            .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
            .encryption_context(context.0, context.1)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        let (Some(plain), Some(wrapped)) = (out.plaintext(), out.ciphertext_blob()) else {
            return Err(StoreError::new("KMS GenerateDataKey returned no data key"));
        };
        Ok(GeneratedKey {
            plain: plain.as_ref().to_vec(),
            wrapped: wrapped.as_ref().to_vec(),
            key_arn: out.key_id().map(str::to_string),
        })
    }

    async fn decrypt_data_key(
        &self,
        wrapped: &[u8],
        key_id: &str,
        context: (&str, &str),
    ) -> Result<Vec<u8>, StoreError> {
        let out = self
            .kms
            .decrypt()
            .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(wrapped))
            .key_id(key_id)
            .encryption_context(context.0, context.1)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        let key = out
            .plaintext()
            .ok_or_else(|| StoreError::new("KMS Decrypt returned no key"))?;
        Ok(key.as_ref().to_vec())
    }
}
