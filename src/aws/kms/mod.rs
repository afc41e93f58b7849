//! KMS: keys and aliases.

use super::Clients;
use crate::provider::ResourceType;
use std::sync::Arc;

// modules

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
    ]
}
