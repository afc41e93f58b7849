//! Data sources that describe the caller: account and region.

use super::Clients;
use crate::provider::DataSource;
use std::sync::Arc;

// modules

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // registrations
    ]
}
