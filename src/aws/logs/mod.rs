//! CloudWatch Logs: log groups and their subscription filters.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
pub mod log_group;
pub mod subscription_filter;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // registrations
        Arc::new(log_group::CloudWatchLogGroup::new(clients)),
        Arc::new(subscription_filter::LogSubscriptionFilter::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data source registrations
    ]
}
