//! Views of a policy [`Report`](super::Report): human (grouped by resource, with
//! file:line), JSON (one record per policy × resource) and SARIF 2.1.0.

pub mod human;
pub mod json;
pub mod sarif;
