//! Data sources that describe the caller: account, region and partition.

use super::Clients;
use crate::provider::DataSource;
use std::sync::Arc;

pub mod caller_identity;
pub mod partition;
pub mod region;

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(caller_identity::CallerIdentity::new(clients)),
        Arc::new(region::Region::new(clients)),
        Arc::new(partition::Partition::new(clients)),
    ]
}
