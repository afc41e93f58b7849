//! Helpers shared by the resource types of several AWS services: concurrent reads
//! for APIs without a batch get, the read back that ends a create, generated
//! names, what a create does when its name is taken, and the caller's account.

use crate::aws::{sdk_error, Clients};
use crate::provider::{Created, ErrorKind, Meta, ProviderError, ProviderResult, ResourceType};
use crate::value::{Object, ObjectExt, Value};
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::future::Future;
use tokio::sync::OnceCell;

/// Declares a resource type's struct and its `new(clients)`: `client`, the
/// service's client (SDK retries on), and any of `once` (the same client with
/// retries off, for the one call of a create that makes the object: see
/// `Clients::once`), `region`, `account`, and the `sts` and `kms` clients.
macro_rules! client_type {
    ($(#[$attr:meta])* $name:ident: $service:ident $(, $field:ident)*) => {
        $(#[$attr])*
        pub struct $name {
            client: $crate::aws::shared::client_type!(@sdk $service),
            $($field: $crate::aws::shared::client_type!(@type $service, $field),)*
        }

        impl $name {
            pub fn new(clients: &$crate::aws::Clients) -> Self {
                $name {
                    client: clients.$service.clone(),
                    $($field: $crate::aws::shared::client_type!(@init $service, $field, clients),)*
                }
            }
        }
    };
    (@sdk ec2) => { aws_sdk_ec2::Client };
    (@sdk iam) => { aws_sdk_iam::Client };
    (@sdk kms) => { aws_sdk_kms::Client };
    (@sdk lambda) => { aws_sdk_lambda::Client };
    (@sdk events) => { aws_sdk_eventbridge::Client };
    (@sdk s3) => { aws_sdk_s3::Client };
    (@sdk sqs) => { aws_sdk_sqs::Client };
    (@sdk sns) => { aws_sdk_sns::Client };
    (@sdk logs) => { aws_sdk_cloudwatchlogs::Client };
    (@sdk sts) => { aws_sdk_sts::Client };
    (@type $service:ident, once) => { $crate::aws::shared::client_type!(@sdk $service) };
    (@type $service:ident, region) => { String };
    (@type $service:ident, account) => { $crate::aws::shared::Account };
    (@type $service:ident, sts) => { aws_sdk_sts::Client };
    (@type $service:ident, kms) => { aws_sdk_kms::Client };
    (@init $service:ident, once, $c:ident) => { $c.once().$service.clone() };
    (@init $service:ident, region, $c:ident) => { $c.region.clone() };
    (@init $service:ident, account, $c:ident) => { $crate::aws::shared::Account::new($c) };
    (@init $service:ident, sts, $c:ident) => { $c.sts.clone() };
    (@init $service:ident, kms, $c:ident) => { $c.kms.clone() };
}
pub(crate) use client_type;

/// Every item of a paginated list call, all pages, as one Vec (the SDK's
/// paginators share no trait, so this is a macro).
macro_rules! all_items {
    ($request:expr) => {
        $request
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err($crate::aws::sdk_error)
    };
}
pub(crate) use all_items;

/// Single reads that run at once when an API has no batch get.
pub const READ_CONCURRENCY: usize = 8;

/// Runs one read per prior, READ_CONCURRENCY at a time, keeping input order.
pub async fn read_concurrently<Fut>(reads: Vec<Fut>) -> ProviderResult<Vec<Option<Object>>>
where
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    futures::stream::iter(reads)
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await
}

/// Reads each prior by its id, READ_CONCURRENCY at a time, keeping input order:
/// `read_one` gets the id and the prior and answers None when the resource is
/// gone. A prior with no id reads as None.
pub async fn read_by_id<'a, F, Fut>(
    priors: &'a [Object],
    read_one: F,
) -> ProviderResult<Vec<Option<Object>>>
where
    F: Fn(&'a str, &'a Object) -> Fut,
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    read_by_key(priors, |prior| prior.str("id"), read_one).await
}

/// `read_by_id` for types whose reads go by another key of the prior (the
/// bucket of an S3 bucket configuration): a prior without one reads as None.
pub async fn read_by_key<'a, K, F, Fut>(
    priors: &'a [Object],
    key_of: K,
    read_one: F,
) -> ProviderResult<Vec<Option<Object>>>
where
    K: Fn(&'a Object) -> Option<&'a str>,
    F: Fn(&'a str, &'a Object) -> Fut,
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    // Collected first: a lazy map inside the stream trips the Send check of the
    // async_trait futures that call this.
    let reads: Vec<_> = priors
        .iter()
        .map(|prior| {
            let read = key_of(prior).map(|key| read_one(key, prior));
            async move {
                match read {
                    Some(read) => read.await,
                    None => Ok(None),
                }
            }
        })
        .collect();
    read_concurrently(reads).await
}

/// What a create returns once the resource exists: the state read back, or an
/// error that keeps `partial` in state so the new resource is not lost (also when
/// the read back found nothing).
pub fn created(
    read_back: ProviderResult<Option<Object>>,
    partial: Object,
    what: impl Display,
) -> ProviderResult<Object> {
    match read_back {
        Ok(Some(state)) => Ok(state),
        Ok(None) => Err(ProviderError::new(format!(
            "{what} was created but could not be read back"
        ))
        .with_partial(partial)),
        Err(err) => Err(err.with_partial(partial)),
    }
}

/// A value a create call must answer (the new object's id): `call` answered
/// no `what` otherwise, which leaves nothing to record or read back.
pub fn answered(value: Option<&str>, call: &str, what: &str) -> ProviderResult<String> {
    value
        .map(str::to_string)
        .ok_or_else(|| ProviderError::new(format!("{call} returned no {what}")))
}

/// The id a resource has in state, or an error naming its type (state written
/// by hand, or by a crash before the id was known).
pub fn state_id<'a>(prior: &'a Object, type_name: &str) -> ProviderResult<&'a str> {
    prior
        .str("id")
        .ok_or_else(|| ProviderError::new(format!("{type_name} has no id in state")))
}

/// `find_created` for objects without tags that the create puts at a key it
/// names (`configured`, or one made from the token): what `read` finds there,
/// judged by `same` (see [`Created::if_same`]). A random key cannot be looked up.
pub async fn find_at_key<Fut>(
    configured: Option<&str>,
    meta: &Meta,
    read: Fut,
    same: impl FnOnce(&Object) -> bool,
    import_id: impl FnOnce() -> String,
) -> ProviderResult<Created>
where
    Fut: Future<Output = ProviderResult<Option<Object>>>,
{
    if !name_is_known(configured, meta) {
        return Ok(Created::Unknowable);
    }
    Ok(Created::if_same(read.await?, same, import_id))
}

/// The import stub of a type whose id joins two attributes (`names`), with the
/// `parts` the type's split found in `id`; an id that does not split stays a
/// bare id, which the read then refuses.
pub fn pair_stub(id: &str, parts: Option<(&str, &str)>, names: [&str; 2]) -> Object {
    let mut stub = Object::new();
    stub.insert("id".into(), Value::from(id));
    if let Some((first, second)) = parts {
        stub.insert(names[0].into(), Value::from(first));
        stub.insert(names[1].into(), Value::from(second));
    }
    stub
}

/// `find_created` for types whose create names the object: `found` looks up the
/// object under the name the create asks for (its id and tags); it is this
/// create's when `ours` says its tags were made for `meta`, and anyone else's
/// otherwise. Without a configured name or a token the name was random and
/// cannot be looked up.
pub async fn find_named<F, R>(
    configured: Option<&str>,
    meta: &Meta,
    found: F,
    ours: fn(&BTreeMap<String, String>, &Meta) -> bool,
    read: impl FnOnce(String) -> R,
) -> ProviderResult<Created>
where
    F: Future<Output = ProviderResult<Option<(String, BTreeMap<String, String>)>>>,
    R: Future<Output = ProviderResult<Option<Object>>>,
{
    if !name_is_known(configured.filter(|s| !s.is_empty()), meta) {
        return Ok(Created::Unknowable);
    }
    let Some((id, tags)) = found.await? else {
        return Ok(Created::Absent);
    };
    if !ours(&tags, meta) {
        return Ok(Created::NotOurs { id });
    }
    Ok(Created::found_or_absent(read(id).await?))
}

/// Length of the suffix of names generated from a prefix (as Terraform's).
pub const UNIQUE_SUFFIX_LEN: usize = 26;

/// The suffix of a name generated from a prefix: 26 lowercase hex digits. Derived
/// from the create's token when there is one, so that a create tried again asks
/// for the same name, and what a lost create made can be looked up by name.
pub fn unique_suffix(meta: &Meta) -> String {
    let mut hex = match &meta.token {
        Some(token) => Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        None => uuid::Uuid::new_v4().simple().to_string(),
    };
    hex.truncate(UNIQUE_SUFFIX_LEN);
    hex
}

/// The name a create asks for: `name` as configured, else `prefix` (or
/// `default_prefix`) with a suffix from [`unique_suffix`], as Terraform generates one
/// (an empty string counts as unset, as there).
pub fn generated_name(
    planned: &Object,
    (name, prefix): (&str, &str),
    default_prefix: &str,
    meta: &Meta,
) -> String {
    let set = |attr: &str| planned.str(attr).filter(|s| !s.is_empty());
    match set(name) {
        Some(name) => name.to_string(),
        None => format!(
            "{}{}",
            set(prefix).unwrap_or(default_prefix),
            unique_suffix(meta)
        ),
    }
}

/// Whether the name a create asks for can be worked out again after the fact:
/// configured, or generated from the create's token. Without either it was
/// random, and what the create made cannot be looked up by name.
pub fn name_is_known(configured: Option<&str>, meta: &Meta) -> bool {
    configured.is_some() || meta.token.is_some()
}

/// The error of a create whose name is held by `id`, which recon did not make for
/// this address: the way out is `recon import`, or another name.
pub fn not_ours(code: &str, what: &str, meta: &Meta, id: &str) -> ProviderError {
    let addr = &meta.address;
    ProviderError::with_code(
        code,
        format!(
            "{what} already exists and recon did not create it for {addr}; \
             import it (recon import {addr} {id}) or choose another name"
        ),
    )
    .with_kind(ErrorKind::Conflict)
}

/// What a create does when its name turns out to be taken (before its call, or
/// by the call's "already exists"): an object an earlier attempt of this create
/// made is adopted and brought to `planned`; anyone else's is refused with
/// [`not_ours`]; `taken` is the error to give when nothing can be found.
pub async fn claim(
    rt: &(impl ResourceType + ?Sized),
    taken: ProviderError,
    what: &str,
    planned: &Object,
    meta: &Meta,
) -> ProviderResult<Object> {
    let code = taken
        .code
        .clone()
        .unwrap_or_else(|| "AlreadyExists".to_string());
    match look_before_create(rt, &code, || what.to_string(), planned, meta).await? {
        Some(adopted) => Ok(adopted),
        None => Err(taken),
    }
}

/// The output of a create call that names its object (`made`, a `Result`); when
/// the name is taken (a Conflict), the create returns what [`claim`] makes of it:
/// the earlier attempt's object adopted, or a refusal naming `what`.
macro_rules! made_or_claim {
    ($made:expr, $rt:expr, $what:expr, $planned:expr, $meta:expr) => {
        match $made {
            Err(e) if e.kind == $crate::provider::ErrorKind::Conflict => {
                return $crate::aws::shared::claim($rt, e, $what, $planned, $meta).await;
            }
            made => made?,
        }
    };
}
pub(crate) use made_or_claim;

/// The look a create takes before its call, for APIs whose create would hand
/// back or overwrite an object of the same name: one an earlier attempt of this
/// create made is adopted (Some, the create is done); anyone else's is refused
/// with [`not_ours`] and `code`; None means go on and create.
pub async fn look_before_create(
    rt: &(impl ResourceType + ?Sized),
    code: &str,
    what: impl FnOnce() -> String,
    planned: &Object,
    meta: &Meta,
) -> ProviderResult<Option<Object>> {
    match rt.find_created(planned, meta).await? {
        Created::Found(found) => adopt(rt, found, planned, meta).await.map(Some),
        Created::NotOurs { id } => Err(not_ours(code, &what(), meta, &id)),
        Created::Absent | Created::Unknowable => Ok(None),
    }
}

/// Brings `found`, made by an earlier attempt of this create, to `planned`: the
/// steps after the create call (waits, settings made by separate calls) may not
/// have run. A failure keeps `found` as the partial state, so it is not lost.
pub async fn adopt(
    rt: &(impl ResourceType + ?Sized),
    found: Object,
    planned: &Object,
    meta: &Meta,
) -> ProviderResult<Object> {
    // What only AWS could say (the id, computed attributes) is known now.
    let mut planned = planned.clone();
    for (name, value) in planned.iter_mut().filter(|(_, v)| !v.is_wholly_known()) {
        if let Some(real) = found.get(name) {
            *value = real.clone();
        }
    }
    rt.update(&found, &planned, meta)
        .await
        .map_err(|e| e.with_partial(found))
}

/// The caller's account id, asked of STS once and kept: ARNs need it, and not
/// every answer carries it (EC2 shapes, SNS topics named before they exist).
pub struct Account {
    sts: aws_sdk_sts::Client,
    id: OnceCell<String>,
}

impl Account {
    pub fn new(clients: &Clients) -> Self {
        Account {
            sts: clients.sts.clone(),
            id: OnceCell::new(),
        }
    }

    pub async fn id(&self) -> ProviderResult<&str> {
        let id = self
            .id
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(sdk_error)?;
                out.account()
                    .map(str::to_string)
                    .ok_or_else(|| ProviderError::new("STS GetCallerIdentity returned no account"))
            })
            .await?;
        Ok(id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_follow_the_token() {
        let token = |t: &str| Meta {
            token: Some(t.into()),
            ..Meta::new("s", "aws_sqs_queue.q")
        };
        let a = unique_suffix(&token("tok-1"));
        assert_eq!(a.len(), UNIQUE_SUFFIX_LEN);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{a}"
        );
        assert_eq!(unique_suffix(&token("tok-1")), a);
        assert_ne!(unique_suffix(&token("tok-2")), a);
        let none = Meta::new("s", "aws_sqs_queue.q");
        assert_ne!(unique_suffix(&none), unique_suffix(&none));
        assert!(name_is_known(Some("q"), &none) && name_is_known(None, &token("t")));
        assert!(!name_is_known(None, &none));
    }

    #[test]
    fn a_taken_name_names_recon_import() {
        let err = not_ours(
            "EntityAlreadyExists",
            "IAM role app",
            &Meta::new("s", "aws_iam_role.app"),
            "app",
        );
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert_eq!(
            err.message,
            "IAM role app already exists and recon did not create it for aws_iam_role.app; \
             import it (recon import aws_iam_role.app app) or choose another name"
        );
    }
}
