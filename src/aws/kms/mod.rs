//! KMS: keys and aliases.

use super::Clients;
use crate::provider::ResourceType;
use std::sync::Arc;

pub mod alias;
pub mod encrypts;
pub mod key;
pub mod key_policy;
pub mod key_refs;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    vec![
        Arc::new(key::KmsKey::new(clients)),
        Arc::new(alias::KmsAlias::new(clients)),
        Arc::new(key_policy::KmsKeyPolicy::new(clients)),
    ]
}
