//! S3: buckets and their configuration resources.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod bucket;
pub mod bucket_acl;
pub mod bucket_lifecycle_configuration;
pub mod bucket_policy;
pub mod bucket_public_access_block;
pub mod bucket_server_side_encryption_configuration;
pub mod bucket_versioning;
pub mod config;
pub mod object;
mod shared;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    vec![
        Arc::new(bucket::S3Bucket::new(clients)),
        Arc::new(bucket_versioning::S3BucketVersioning::new(clients)),
        Arc::new(
            bucket_server_side_encryption_configuration::S3BucketServerSideEncryptionConfiguration::new(
                clients,
            ),
        ),
        Arc::new(bucket_public_access_block::S3BucketPublicAccessBlock::new(clients)),
        Arc::new(bucket_policy::S3BucketPolicy::new(clients)),
        Arc::new(bucket_acl::S3BucketAcl::new(clients)),
        Arc::new(bucket_lifecycle_configuration::S3BucketLifecycleConfiguration::new(clients)),
        Arc::new(object::S3Object::new(clients)),
        // registrations
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
