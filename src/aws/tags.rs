//! The `recon:stack` / `recon:address` tags on everything recon creates, kept out
//! of the user's `tags` attribute so they never show as a diff.

use crate::provider::Meta;
use crate::value::{Object, ObjectExt, Value};
use std::collections::BTreeMap;

pub const TAG_STACK: &str = "recon:stack";
pub const TAG_ADDRESS: &str = "recon:address";
/// The token of the create that made the object (see `Meta::token`).
pub const TAG_TOKEN: &str = "recon:token";

/// The user's `tags` plus recon's own.
pub fn with_recon_tags(planned: &Object, meta: &Meta) -> BTreeMap<String, String> {
    let mut tags = planned.string_map("tags");
    tags.insert(TAG_STACK.to_string(), meta.stack.clone());
    tags.insert(TAG_ADDRESS.to_string(), meta.address.clone());
    if let Some(token) = &meta.token {
        tags.insert(TAG_TOKEN.to_string(), token.clone());
    }
    tags
}

/// Whether tags read from AWS say the object was made for `meta`: its stack and
/// address, and its create's token when both sides have one.
pub fn made_for<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, meta: &Meta) -> bool {
    let (mut stack, mut address, mut token) = (None, None, None);
    for (k, v) in tags {
        match k {
            TAG_STACK => stack = Some(v),
            TAG_ADDRESS => address = Some(v),
            TAG_TOKEN => token = Some(v),
            _ => {}
        }
    }
    stack == Some(meta.stack.as_str())
        && address == Some(meta.address.as_str())
        && match (token, &meta.token) {
            (Some(found), Some(wanted)) => found == wanted,
            _ => true,
        }
}

/// A `tags` value for state: what AWS reports, minus recon's own tags. An empty
/// set of tags is Null, the same as an unset `tags` attribute.
pub fn user_tags<I, K, V>(tags: I) -> Value
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let map: Object = tags
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .filter(|(k, _)| !k.starts_with("recon:"))
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}

/// Keys to remove and pairs to set to move the user's tags from `prior` to `planned`.
pub fn tag_changes(prior: &Object, planned: &Object) -> (Vec<String>, BTreeMap<String, String>) {
    let old = prior.string_map("tags");
    let new = planned.string_map("tags");
    let removed = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .collect();
    (removed, set)
}
