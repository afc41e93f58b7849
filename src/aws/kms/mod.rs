//! KMS: keys and aliases, and the key lookup.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

pub mod alias;
pub mod encrypts;
pub mod key;
pub mod key_data;
pub mod key_policy;
pub mod key_refs;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    vec![
        Arc::new(key::KmsKey::new(clients)),
        Arc::new(alias::KmsAlias::new(clients)),
        Arc::new(key_policy::KmsKeyPolicy::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    vec![Arc::new(key_data::KmsKeyData::new(clients))]
}
