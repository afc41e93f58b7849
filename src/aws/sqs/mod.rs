//! SQS: queues (a Lambda's dead-letter target).

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod queue;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
        Arc::new(queue::SqsQueue::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
