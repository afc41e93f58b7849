//! IAM: roles, policies, attachments and instance profiles.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

// modules
mod bulk;
pub mod instance_profile;
pub mod policy;
pub mod policy_document;
pub mod role;
pub mod role_data;
pub mod role_policy;
pub mod role_policy_attachment;
mod shared;

// For tests that read documents back from IAM.
pub use shared::decode_policy;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    vec![
        Arc::new(role::IamRole::new(clients)),
        Arc::new(role_policy::IamRolePolicy::new(clients)),
        Arc::new(policy::IamPolicy::new(clients)),
        Arc::new(role_policy_attachment::IamRolePolicyAttachment::new(
            clients,
        )),
        Arc::new(instance_profile::IamInstanceProfile::new(clients)),
        // registrations
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(policy_document::PolicyDocument::new()),
        Arc::new(role_data::IamRoleData::new(clients)),
        // data source registrations
    ]
}
