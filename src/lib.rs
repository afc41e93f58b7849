//! recon: a declarative reconciler for AWS.

pub mod addr;
pub mod aws;
pub mod provider;
pub mod value;
