//! What a remote state backend needs from its storage and its key service,
//! without naming an SDK: `aws::state_store` implements both with S3 and KMS.

use std::collections::BTreeMap;

/// A failed storage or key-service call: the HTTP status and service code
/// when there was an answer, and a message for people.
#[derive(Clone, Debug, Default)]
pub struct StoreError {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
}

impl StoreError {
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
            ..StoreError::default()
        }
    }

    /// A conditional write or delete was refused: the object is not the one
    /// the condition named (412), or another write to it is in flight (409).
    pub fn precondition_failed(&self) -> bool {
        matches!(self.status, Some(412) | Some(409))
    }
}

/// "Code: message (HTTP status)", or the message alone when there is no code.
impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) if self.message.is_empty() => write!(f, "{code}")?,
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        match self.status {
            Some(status) => write!(f, " (HTTP {status})"),
            None => Ok(()),
        }
    }
}

/// An object as stored.
#[derive(Clone, Debug, Default)]
pub struct StoredObject {
    pub bytes: Vec<u8>,
    pub etag: Option<String>,
    /// User metadata (S3 `x-amz-meta-*`), by name without the prefix.
    pub metadata: BTreeMap<String, String>,
}

/// When a put may replace what is there.
#[derive(Clone, Debug)]
pub enum PutCondition {
    /// Only when the object has this ETag.
    IfMatch(String),
    /// Only when there is no object.
    IfAbsent,
}

/// Encryption at rest that the store applies itself.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerSide {
    None,
    /// SSE-S3 (AES256).
    Aes256,
    /// SSE-KMS under this key.
    Kms(String),
}

pub struct Put<'a> {
    pub key: &'a str,
    pub body: Vec<u8>,
    pub metadata: Vec<(&'static str, String)>,
    pub condition: PutCondition,
    pub encryption: &'a ServerSide,
}

/// One stored version of an object.
#[derive(Clone, Debug)]
pub struct ObjectVersion {
    pub id: String,
    /// RFC 3339.
    pub modified: String,
    pub size: i64,
    pub latest: bool,
    pub metadata: BTreeMap<String, String>,
}

/// A bucket of objects with conditional writes.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync {
    /// The object at `key` (a version of it); None when there is none.
    async fn get(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<StoredObject>, StoreError>;

    /// Writes an object if the condition holds; its new ETag.
    async fn put(&self, put: Put<'_>) -> Result<Option<String>, StoreError>;

    /// Deletes `key`, only when it has ETag `if_match` when one is given.
    async fn delete(&self, key: &str, if_match: Option<&str>) -> Result<(), StoreError>;

    /// Deletes many keys; already gone is success.
    async fn delete_all(&self, keys: &[String]) -> Result<(), StoreError>;

    /// Keys of every object under `prefix`.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;

    /// True when there is an object at `key`.
    async fn exists(&self, key: &str) -> bool;

    /// Fails when the bucket cannot be reached (status 404: none, 403: denied).
    async fn check_bucket(&self) -> Result<(), StoreError>;

    /// True when the bucket keeps every version of its objects.
    async fn versioning_enabled(&self) -> Result<bool, StoreError>;

    /// Every stored version of the object at `key` (not of keys under it).
    async fn versions(&self, key: &str) -> Result<Vec<ObjectVersion>, StoreError>;
}

/// A data key, plain and wrapped by the key service.
pub struct GeneratedKey {
    pub plain: Vec<u8>,
    pub wrapped: Vec<u8>,
    /// The full id (ARN) of the key that wrapped it, when the service says.
    pub key_arn: Option<String>,
}

/// Makes and opens 256-bit data keys (KMS `GenerateDataKey` and `Decrypt`),
/// each bound to an encryption context.
#[async_trait::async_trait]
pub trait KeyService: Send + Sync {
    async fn generate_data_key(
        &self,
        key_id: &str,
        context: (&str, &str),
    ) -> Result<GeneratedKey, StoreError>;

    async fn decrypt_data_key(
        &self,
        wrapped: &[u8],
        key_id: &str,
        context: (&str, &str),
    ) -> Result<Vec<u8>, StoreError>;
}
