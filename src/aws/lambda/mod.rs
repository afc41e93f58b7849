//! Lambda: functions, permissions, aliases, function URLs and layer versions, and
//! the archive_file data source.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
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
