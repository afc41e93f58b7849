//! The `recon:stack` / `recon:address` tags on everything recon creates, kept out
//! of the user's `tags` attribute so they never show as a diff.

use crate::provider::{Meta, ProviderResult};
use crate::value::{Object, ObjectExt, Value};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

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

/// [`made_for`] on tags read as a map.
pub fn map_made_for(tags: &BTreeMap<String, String>, meta: &Meta) -> bool {
    made_for(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), meta)
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

/// Moves the user's tags from `prior` to `planned` with a service's own calls:
/// `untag` with the keys to remove, then `tag` with the pairs to set, each only
/// when it has something to do (and nothing while the planned tags are unknown).
pub async fn sync<U, T>(
    prior: &Object,
    planned: &Object,
    untag: impl FnOnce(Vec<String>) -> U,
    tag: impl FnOnce(BTreeMap<String, String>) -> T,
) -> ProviderResult<()>
where
    U: Future<Output = ProviderResult<()>>,
    T: Future<Output = ProviderResult<()>>,
{
    if planned.get("tags").is_some_and(Value::is_unknown) {
        return Ok(());
    }
    let (removed, set) = tag_changes(prior, planned);
    if !removed.is_empty() {
        untag(removed).await?;
    }
    if !set.is_empty() {
        tag(set).await?;
    }
    Ok(())
}

/// [`sync`] for a service whose untag and tag calls name the object with one
/// setter:
/// `sync_tags!(prior => planned; client, untag_role / tag_role; role_name(name), iam_tags)`,
/// where `iam_tags` turns the pairs to set into the call's tag list (a
/// `ProviderResult`).
macro_rules! sync_tags {
    ($prior:expr => $planned:expr; $client:expr, $untag:ident / $tag:ident; $id:ident($value:expr), $convert:expr) => {
        $crate::aws::tags::sync(
            $prior,
            $planned,
            |keys| async move {
                let call = $client.$untag().$id($value).set_tag_keys(Some(keys));
                call.send().await.map(drop).map_err($crate::aws::sdk_error)
            },
            |set| async move {
                let call = $client.$tag().$id($value).set_tags(Some($convert(set)?));
                call.send().await.map(drop).map_err($crate::aws::sdk_error)
            },
        )
    };
}
pub(crate) use sync_tags;

/// The pairs as a map, for services that take tags as one (SQS, Lambda).
pub fn tag_map(set: BTreeMap<String, String>) -> ProviderResult<HashMap<String, String>> {
    Ok(set.into_iter().collect())
}
