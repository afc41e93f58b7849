//! Helpers shared by the S3 types: bucket names from state, error codes, and the
//! retry S3 needs right after a bucket is created.

use crate::aws::wait::{retry_while, Pace};
use crate::provider::{ProviderError, ProviderResult};
use crate::value::{Object, ObjectExt};
use std::future::Future;
use std::time::Duration;

pub(super) const NO_SUCH_BUCKET: &str = "NoSuchBucket";

/// How long a configuration call retries while a new bucket is not visible yet
/// (S3 is eventually consistent across its front ends; Terraform waits 2 minutes).
pub(super) const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);

/// The bucket a configuration resource belongs to: its id (the bucket name, as
/// Terraform keeps it), else the `bucket` attribute.
pub(super) fn bucket_of(obj: &Object) -> Option<&str> {
    obj.str("id")
        .filter(|s| !s.is_empty())
        .or_else(|| obj.str("bucket"))
}

/// The `bucket` a configuration resource is created on.
pub(super) fn planned_bucket<'a>(planned: &'a Object, type_name: &str) -> ProviderResult<&'a str> {
    planned
        .str("bucket")
        .ok_or_else(|| ProviderError::new(format!("{type_name}: \"bucket\" is required")))
}

pub(super) fn required_bucket<'a>(obj: &'a Object, type_name: &str) -> ProviderResult<&'a str> {
    bucket_of(obj).ok_or_else(|| ProviderError::new(format!("{type_name}: no bucket in state")))
}

pub(super) use crate::aws::wait::has_code;

/// Runs `call` again while it fails with NoSuchBucket, for at most PROPAGATION_TIMEOUT.
pub(super) async fn retry_new_bucket<T, F, Fut>(call: F) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<T>>,
{
    let pace = Pace::every(Duration::from_secs(2), PROPAGATION_TIMEOUT);
    retry_while(pace, |e| has_code(e, &[NO_SUCH_BUCKET]), call).await
}

/// Ok(None) when `result` failed because the bucket, or the part of it asked for,
/// is gone (one of `codes`).
pub(super) fn unless_gone<T>(
    result: ProviderResult<T>,
    codes: &[&str],
) -> ProviderResult<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if has_code(&err, codes) => Ok(None),
        Err(err) => Err(err),
    }
}
