//! Lambda: functions, permissions, aliases, function URLs and layer versions, and
//! the archive_file data source.

use super::Clients;
use crate::aws::error::is_not_found;
use crate::provider::{DataSource, ProviderResult, ResourceType};
use std::sync::Arc;

// modules
pub mod alias;
pub mod archive_file;
pub mod function;
pub mod function_url;
pub mod layer_version;
pub mod permission;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
        Arc::new(function::LambdaFunction::new(clients)),
        Arc::new(permission::LambdaPermission::new(clients)),
        Arc::new(alias::LambdaAlias::new(clients)),
        Arc::new(function_url::LambdaFunctionUrl::new(clients)),
        Arc::new(layer_version::LambdaLayerVersion::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
        Arc::new(archive_file::ArchiveFile::new()),
    ]
}

/// The answer of a get: None when the object (or the function it belongs to) does
/// not exist.
fn found<T>(answer: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match answer {
        Ok(out) => Ok(Some(out)),
        Err(err) if is_not_found(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The answer of a delete: already gone counts as deleted.
fn deleted<T>(answer: ProviderResult<T>) -> ProviderResult<()> {
    found(answer).map(|_| ())
}
