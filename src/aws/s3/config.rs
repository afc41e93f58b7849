//! The bucket configuration types (policy, public access block, encryption,
//! versioning): S3 keeps each as one document per bucket that a put replaces, so
//! create and update are the same put, nothing is ever made twice, and the id is
//! the bucket. A type says how to put, get and remove its document
//! ([`BucketSetting`]); [`BucketConfig`] is the resource type around it.

use super::shared::{bucket_of, planned_bucket, required_bucket, retry_new_bucket};
use crate::aws::shared::read_by_key;
use crate::aws::Clients;
use crate::provider::{Created, Meta, ProviderError, ProviderResult, ResourceType, Schema};
use crate::value::Object;
use async_trait::async_trait;

/// The calls of one bucket configuration type.
#[async_trait]
pub trait BucketSetting: Send + Sync + Sized + 'static {
    const SCHEMA: &'static Schema;
    /// What the document is called in messages ("the policy").
    const WHAT: &'static str;

    fn new(clients: &Clients) -> Self;

    /// Refuses a change before anything is sent (`prior` is None on create).
    fn check(&self, _prior: Option<&Object>, _planned: &Object) -> ProviderResult<()> {
        Ok(())
    }

    /// Sets the bucket's document to what `planned` says.
    async fn put(&self, bucket: &str, planned: &Object) -> ProviderResult<()>;

    /// The state of the document; None when the bucket or the document is gone.
    /// `prior` carries what S3 does not report (write-only attributes).
    async fn get(&self, bucket: &str, prior: &Object) -> ProviderResult<Option<Object>>;

    /// Removes the document (or returns the bucket to S3's default); a bucket
    /// already gone is success.
    async fn remove(&self, bucket: &str, prior: &Object) -> ProviderResult<()>;
}

/// The resource type of a [`BucketSetting`].
pub struct BucketConfig<S>(pub S);

impl<S: BucketSetting> BucketConfig<S> {
    pub fn new(clients: &Clients) -> Self {
        BucketConfig(S::new(clients))
    }

    async fn read_back(
        &self,
        bucket: &str,
        planned: &Object,
        when: &str,
    ) -> ProviderResult<Object> {
        self.0
            .get(bucket, planned)
            .await?
            .ok_or_else(|| ProviderError::new(format!("{} of bucket \"{bucket}\" {when}", S::WHAT)))
    }
}

#[async_trait]
impl<S: BucketSetting> ResourceType for BucketConfig<S> {
    fn schema(&self) -> &'static Schema {
        S::SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> ProviderResult<Object> {
        let bucket = planned_bucket(planned, S::SCHEMA.type_name)?;
        self.0.check(None, planned)?;
        retry_new_bucket(|| self.0.put(bucket, planned)).await?;
        self.read_back(bucket, planned, "could not be read back")
            .await
    }

    /// The put replaces the bucket's one document, so trying it again makes
    /// nothing twice.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> ProviderResult<Created> {
        Ok(Created::Absent)
    }

    async fn read(&self, priors: &[Object]) -> ProviderResult<Vec<Option<Object>>> {
        read_by_key(priors, bucket_of, |bucket, prior| self.0.get(bucket, prior)).await
    }

    async fn update(
        &self,
        prior: &Object,
        planned: &Object,
        _meta: &Meta,
    ) -> ProviderResult<Object> {
        let bucket = required_bucket(prior, S::SCHEMA.type_name)?;
        self.0.check(Some(prior), planned)?;
        self.0.put(bucket, planned).await?;
        self.read_back(bucket, planned, "disappeared during update")
            .await
    }

    async fn delete(&self, prior: &Object) -> ProviderResult<()> {
        match bucket_of(prior) {
            Some(bucket) => self.0.remove(bucket, prior).await,
            None => Ok(()),
        }
    }
}
