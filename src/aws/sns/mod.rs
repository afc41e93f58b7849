//! SNS: topics, their policies and subscriptions.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod topic;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
        Arc::new(topic::SnsTopic::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
