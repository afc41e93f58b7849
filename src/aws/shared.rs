//! Helpers shared by the resource types of several AWS services: concurrent reads
//! for APIs without a batch get, and the read back that ends a create.

use crate::provider::{ProviderError, ProviderResult};
use crate::value::{Object, ObjectExt};
use futures::{StreamExt, TryStreamExt};
use std::fmt::Display;
use std::future::Future;

/// Single reads that run at once when an API has no batch get.
pub const READ_CONCURRENCY: usize = 8;

/// Runs one read per prior, READ_CONCURRENCY at a time, keeping input order.
pub async fn read_concurrently<Fut>(reads: Vec<Fut>) -> ProviderResult<Vec<Option<Object>>>
where
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    futures::stream::iter(reads)
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// Reads each prior by its id, READ_CONCURRENCY at a time, keeping input order:
/// `read_one` gets the id and the prior and answers None when the resource is
/// gone. A prior with no id reads as None.
pub async fn read_by_id<'a, F, Fut>(
    priors: &'a [Object],
    read_one: F,
) -> ProviderResult<Vec<Option<Object>>>
where
    F: Fn(&'a str, &'a Object) -> Fut,
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    // Collected first: a lazy map inside the stream trips the Send check of the
    // async_trait futures that call this.
    let reads: Vec<_> = priors
        .iter()
        .map(|prior| {
            let read = prior.str("id").map(|id| read_one(id, prior));
            async move {
                match read {
                    Some(read) => read.await,
                    None => Ok(None),
                }
            }
        })
        .collect();
    read_concurrently(reads).await
}

/// What a create returns once the resource exists: the state read back, or an
/// error that keeps `partial` in state so the new resource is not lost (also when
/// the read back found nothing).
pub fn created(
    read_back: ProviderResult<Option<Object>>,
    partial: Object,
    what: impl Display,
) -> ProviderResult<Object> {
    match read_back {
        Ok(Some(state)) => Ok(state),
        Ok(None) => Err(ProviderError::new(format!(
            "{what} was created but could not be read back"
        ))
        .with_partial(partial)),
        Err(err) => Err(err.with_partial(partial)),
    }
}
