//! SQS: queues (a Lambda's dead-letter target) and their policies managed apart.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod queue;
pub mod queue_attribute;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    vec![
        // registrations
        Arc::new(queue::SqsQueue::new(clients)),
        Arc::new(queue_attribute::QueueAttribute::policy(clients)),
        Arc::new(queue_attribute::QueueAttribute::redrive_policy(clients)),
        Arc::new(queue_attribute::QueueAttribute::redrive_allow_policy(
            clients,
        )),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
