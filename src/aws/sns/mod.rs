//! SNS: topics, their policies and subscriptions.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod topic;
pub mod topic_policy;
pub mod topic_subscription;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
        Arc::new(topic::SnsTopic::new(clients)),
        Arc::new(topic_policy::SnsTopicPolicy::new(clients)),
        Arc::new(topic_subscription::SnsTopicSubscription::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
