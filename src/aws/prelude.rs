//! What every resource type file uses, imported at once (`use crate::aws::prelude::*`):
//! the provider contract, values, the SDK error mapping, tags and the helpers
//! every create, read and delete goes through. Service-specific names stay
//! explicit in each file. `Result` is the provider's (its error defaults to
//! `ProviderError`), as `io::Result` is for I/O.

pub use crate::aws::error::{gone_ok, is_not_found, none_if_gone};
pub use crate::aws::shared::{
    adopt, answered, claim, created, find_at_key, find_named, generated_name, look_before_create,
    name_is_known, not_ours, pair_stub, read_by_id, read_by_key, read_concurrently, state_id,
    unique_suffix,
};
pub(crate) use crate::aws::shared::{all_items, client_type, made_or_claim};
pub use crate::aws::wait::{has_code, poll_until, retry_while, wait_gone, wait_until, Pace};
pub use crate::aws::{sdk_error, tags, Clients};
pub use crate::object;
pub use crate::provider::{
    read_single, Attribute, Created, ErrorKind, Meta, ProviderError, ResourceType, Result, Schema,
    Type, ID, TAGS,
};
pub use crate::value::{Object, ObjectExt, Value};
pub use async_trait::async_trait;
pub use std::collections::BTreeMap;
pub use std::time::Duration;
