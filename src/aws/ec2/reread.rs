//! Reading one object through its type's own batched `read`, and waiting on
//! it: for the types found inside another object (routes and associations of a
//! route table, CIDR blocks of a VPC, the rules of a group), which have no
//! describe call of their own, and for reading one object back.

use super::shared::STATE_TIMEOUT;
use crate::aws::wait::{wait_until, Pace};
use crate::provider::read_single;
use crate::provider::{ProviderResult, ResourceType};
use crate::value::Object;
use std::fmt::Display;

/// Waits (up to STATE_TIMEOUT) until `rt.read` finds `prior`; `what` names
/// what is waited for ("route table association X to be associated").
pub(super) async fn wait_found(
    rt: &(impl ResourceType + ?Sized),
    prior: &Object,
    what: impl Display,
) -> ProviderResult<Object> {
    wait_until(what, Pace::backoff(STATE_TIMEOUT), || {
        read_single(rt, prior)
    })
    .await
}

/// Waits (up to STATE_TIMEOUT) until `rt.read` no longer finds `prior`.
pub(super) async fn wait_unfound(
    rt: &(impl ResourceType + ?Sized),
    prior: &Object,
    what: impl Display,
) -> ProviderResult<()> {
    wait_until(what, Pace::backoff(STATE_TIMEOUT), || async {
        Ok(read_single(rt, prior).await?.is_none().then_some(()))
    })
    .await
}
