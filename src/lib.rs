//! recon: a declarative reconciler for AWS.

pub mod addr;
pub mod apply;
pub mod aws;
pub mod cli;
pub mod config;
pub mod cost;
pub mod diag;
pub mod format;
pub mod graph;
pub mod plan;
pub mod policy;
pub mod provider;
pub mod render;
pub mod state;
#[cfg(test)]
pub mod testing;
pub mod value;
