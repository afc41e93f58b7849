//! Helpers shared by the IAM types: generated names, policy documents (URL-decoded,
//! compared by meaning), tags and propagation waits.

use crate::aws::error::gone_ok;
use crate::aws::sdk_error;
use crate::aws::shared::{all_items, generated_name, UNIQUE_SUFFIX_LEN};
use crate::aws::wait::Pace;
use crate::provider::{Meta, ProviderError, ProviderResult};
use crate::value::json_equal;
use crate::value::{Object, ObjectExt, Value};
use aws_sdk_iam::types::Tag;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long IAM may take to show a new entity everywhere (Terraform waits as long).
pub(super) const PROPAGATION_TIMEOUT: Duration = Duration::from_secs(120);

/// The prefix of names recon generates when neither name nor name_prefix is set.
const DEFAULT_PREFIX: &str = "recon-";

/// The name to create: `name`, else `name_prefix` plus a unique suffix (the same
/// for every attempt of one create: see [`crate::aws::shared::unique_suffix`]).
pub(super) fn resource_name(planned: &Object, meta: &Meta) -> String {
    generated_name(planned, ("name", "name_prefix"), DEFAULT_PREFIX, meta)
}

/// Whether IAM tags say the entity was made for `meta`.
pub(super) fn made_for(found: &[Tag], meta: &Meta) -> bool {
    crate::aws::tags::made_for(found.iter().map(|t| (t.key(), t.value())), meta)
}

/// `name_prefix` for state: the configured one, else the prefix of a generated name
/// (Null for a name the user chose).
pub(super) fn name_prefix_for(name: &str, local: &Object) -> Value {
    if let Some(prefix) = local.str("name_prefix") {
        if name.starts_with(prefix) {
            return Value::from(prefix);
        }
    }
    let Some(cut) = name.len().checked_sub(UNIQUE_SUFFIX_LEN) else {
        return Value::Null;
    };
    let generated = name.get(cut..).is_some_and(|s| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    if cut > 0 && generated {
        Value::from(&name[..cut])
    } else {
        Value::Null
    }
}

/// A policy document as IAM should receive it: compact JSON. Invalid JSON is refused
/// here with the attribute's name rather than by AWS with a vaguer message.
pub(super) fn policy_to_send(attr: &str, document: &str) -> ProviderResult<String> {
    let parsed: serde_json::Value = serde_json::from_str(document).map_err(|e| {
        ProviderError::with_code(
            "MalformedPolicyDocument",
            format!("{attr} is not valid JSON: {e}"),
        )
    })?;
    Ok(parsed.to_string())
}

/// IAM returns policy documents URL-encoded (RFC 3986); moto returns some as plain
/// JSON. Gives the JSON text either way.
pub fn decode_policy(raw: &str) -> String {
    if raw.trim_start().starts_with('{') {
        return raw.to_string();
    }
    let strict = percent_decode(raw, false);
    if serde_json::from_str::<serde_json::Value>(&strict).is_ok() {
        return strict;
    }
    // Form encoding writes spaces as '+'.
    let form = percent_decode(raw, true);
    if serde_json::from_str::<serde_json::Value>(&form).is_ok() {
        form
    } else {
        strict
    }
}

fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The document to keep in state: the spelling already known (configuration or
/// prior state) when AWS holds the same meaning, so state matches what the user
/// wrote; else what AWS holds.
pub(super) fn policy_state(known: Option<&Value>, actual: Option<&str>) -> Value {
    let Some(raw) = actual else {
        return Value::Null;
    };
    let actual = decode_policy(raw);
    match known.and_then(Value::as_str) {
        Some(known) if same_policy(known, &actual) => Value::from(known),
        _ => Value::from(actual),
    }
}

/// Policies equal by meaning, also when IAM has rewritten an account id principal
/// ("123456789012") to its root ARN ("arn:aws:iam::123456789012:root") as it does.
fn same_policy(known: &str, actual: &str) -> bool {
    if json_equal(known, actual) {
        return true;
    }
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
    match (parse(known), parse(actual)) {
        (Some(mut a), Some(mut b)) => {
            principals_as_accounts(&mut a);
            principals_as_accounts(&mut b);
            json_equal(&a.to_string(), &b.to_string())
        }
        _ => false,
    }
}

fn principals_as_accounts(v: &mut serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            for (key, value) in map.iter_mut() {
                match (key.as_str(), value) {
                    ("Principal" | "NotPrincipal", J::Object(p)) => {
                        if let Some(aws) = p.get_mut("AWS") {
                            let ids: Vec<&mut J> = match aws {
                                J::Array(items) => items.iter_mut().collect(),
                                one => vec![one],
                            };
                            for id in ids {
                                if let Some(account) = id.as_str().and_then(root_account) {
                                    *id = J::String(account);
                                }
                            }
                        }
                    }
                    (_, value) => principals_as_accounts(value),
                }
            }
        }
        J::Array(items) => items.iter_mut().for_each(principals_as_accounts),
        _ => {}
    }
}

/// "arn:<partition>:iam::<account>:root" -> "<account>".
fn root_account(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.strip_prefix("arn:")?.split(':').collect();
    match parts.as_slice() {
        [_, "iam", "", account, "root"]
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(account.to_string())
        }
        _ => None,
    }
}

/// Tags for IAM create/tag calls.
pub(super) fn iam_tags(tags: BTreeMap<String, String>) -> ProviderResult<Vec<Tag>> {
    tags.into_iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::new(format!("invalid IAM tag: {e}")))
        })
        .collect()
}

/// `tags` for state from an IAM tag list (recon's own tags left out).
pub(super) fn state_tags(tags: &[Tag]) -> Value {
    crate::aws::tags::user_tags(tags.iter().map(|t| (t.key(), t.value())))
}

/// How IAM is waited for: a new entity may not be visible to every IAM endpoint
/// at once, nor a deleted one gone.
pub(super) const PROPAGATION: Pace =
    Pace::backoff(PROPAGATION_TIMEOUT).starting(Duration::from_millis(250));

/// How calls that name an entity created moments ago are tried again.
pub(super) const RETRY: Pace =
    Pace::backoff(PROPAGATION_TIMEOUT).starting(Duration::from_millis(500));

/// IAM refuses a trust policy naming a principal it cannot see yet (a role created
/// moments ago) with this error.
pub(super) fn is_invalid_principal(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("MalformedPolicyDocument")
        && err.message.contains("Invalid principal")
}

/// The ARNs of the managed policies attached to `role`.
pub(super) async fn attached_policy_arns(
    client: &aws_sdk_iam::Client,
    role: &str,
) -> ProviderResult<Vec<String>> {
    let attached: Vec<_> = all_items!(client.list_attached_role_policies().role_name(role))?;
    Ok(attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}

/// The names of the inline policies of `role`.
pub(super) async fn inline_policy_names(
    client: &aws_sdk_iam::Client,
    role: &str,
) -> ProviderResult<Vec<String>> {
    all_items!(client.list_role_policies().role_name(role))
}

/// The names of the instance profiles that hold `role`.
pub(super) async fn profiles_of_role(
    client: &aws_sdk_iam::Client,
    role: &str,
) -> ProviderResult<Vec<String>> {
    let profiles: Vec<_> = all_items!(client.list_instance_profiles_for_role().role_name(role))?;
    Ok(profiles
        .iter()
        .map(|p| p.instance_profile_name().to_string())
        .collect())
}

/// Takes `role` out of `profile`; already out (or either gone) is success. Callers
/// check membership first: moto answers 500 for a role not in the profile.
pub(super) async fn remove_role_from_profile(
    client: &aws_sdk_iam::Client,
    profile: &str,
    role: &str,
) -> ProviderResult<()> {
    let result = client
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .map_err(sdk_error);
    gone_ok(result)
}

/// An IAM timestamp as Terraform writes it (RFC 3339).
pub(super) fn date(dt: &aws_smithy_types::DateTime) -> Value {
    dt.fmt(aws_smithy_types::date_time::Format::DateTime)
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// An optional string for state: empty is the same as unset.
pub(super) fn opt(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    #[test]
    fn decodes_url_encoded_and_plain_documents() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%5D%7D";
        assert_eq!(
            decode_policy(encoded),
            r#"{"Version": "2012-10-17", "Statement": []}"#
        );
        let form = "%7B%22Sid%22%3A+%22a+b%22%7D";
        assert_eq!(decode_policy(form), r#"{"Sid": "a b"}"#);
        let plain = r#"{"Action": "s3:Get%2A+x"}"#;
        assert_eq!(decode_policy(plain), plain);
    }

    #[test]
    fn keeps_the_known_spelling_of_an_equal_document() {
        let known = Value::from("{\n  \"Statement\": [{\"Action\": [\"s3:*\"]}]\n}\n");
        let aws = "%7B%22Statement%22%3A%20%7B%22Action%22%3A%20%22s3%3A%2A%22%7D%7D";
        assert_eq!(policy_state(Some(&known), Some(aws)), known);
        let other = "%7B%22Statement%22%3A%20%7B%22Action%22%3A%20%22s3%3AGet%22%7D%7D";
        assert_eq!(
            policy_state(Some(&known), Some(other)),
            Value::from(r#"{"Statement": {"Action": "s3:Get"}}"#)
        );
    }

    #[test]
    fn account_principals_match_their_root_arns() {
        let known = Value::from(
            r#"{"Statement":[{"Principal":{"AWS":["123456789012"]},"Action":"sts:AssumeRole"}]}"#,
        );
        let aws = r#"{"Statement":[{"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(policy_state(Some(&known), Some(aws)), known);
        let other = r#"{"Statement":[{"Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(policy_state(Some(&known), Some(other)), Value::from(other));
    }

    #[test]
    fn name_prefix_only_for_generated_names() {
        let none = Object::new();
        assert_eq!(
            name_prefix_for("app-0123456789abcdef0123456789", &none),
            Value::from("app-")
        );
        assert_eq!(name_prefix_for("my-role", &none), Value::Null);
        let local = object! {"name_prefix" => "web-"};
        assert_eq!(name_prefix_for("web-xyz", &local), Value::from("web-"));
        let planned = object! {"name_prefix" => "db-"};
        let name = resource_name(&planned, &Meta::new("s", "aws_iam_role.db"));
        assert!(name.starts_with("db-") && name.len() == 3 + UNIQUE_SUFFIX_LEN);
        assert_eq!(name_prefix_for(&name, &Object::new()), Value::from("db-"));
        // Every attempt of one create asks for the same name.
        let meta = Meta {
            token: Some("tok-1".into()),
            ..Meta::new("s", "aws_iam_role.db")
        };
        let name = resource_name(&planned, &meta);
        assert_eq!(resource_name(&planned, &meta), name);
        assert_eq!(name_prefix_for(&name, &Object::new()), Value::from("db-"));
    }
}
