//! EC2: networking, instances and volumes, and the EC2-backed data sources.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// network: modules

// compute: modules

// data sources: modules
pub mod ami;
pub mod availability_zones;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // network: registrations
        // compute: registrations
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data sources: registrations
        Arc::new(ami::Ami::new(clients)),
        Arc::new(availability_zones::AvailabilityZones::new(clients)),
    ]
}
