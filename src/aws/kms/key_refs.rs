//! KMS key references (key id, alias, alias ARN, key ARN) normalised for state:
//! shared by every type that takes a `kms_key_id` (EBS volumes, instances, S3
//! bucket encryption).

use crate::value::Value;
use std::collections::{BTreeSet, HashMap};

/// Maps each key reference that is not a key ARN (key id, alias, alias ARN) to the
/// key's ARN, as AWS reports it. A key that cannot be described is left out (kept
/// as written).
pub async fn key_arns<'a>(
    kms: &aws_sdk_kms::Client,
    keys: impl Iterator<Item = &'a str>,
) -> HashMap<String, String> {
    let wanted: BTreeSet<&str> = keys.filter(|k| !is_key_arn(k)).collect();
    let lookups = wanted.into_iter().map(|key| async move {
        let arn = kms
            .describe_key()
            .key_id(key)
            .send()
            .await
            .ok()
            .and_then(|out| out.key_metadata().and_then(|m| m.arn()).map(str::to_string));
        (key.to_string(), arn)
    });
    futures::future::join_all(lookups)
        .await
        .into_iter()
        .filter_map(|(key, arn)| arn.map(|a| (key, a)))
        .collect()
}

/// The key for state: the key ARN (AWS reports ARNs, moto echoes what it was
/// sent), unless a prior spelling names that same key another way (key id,
/// alias): then that spelling stays, so a configuration written that way shows
/// no diff, and no replacement, while a different key still does.
pub fn state_key<'p>(
    actual: Option<&str>,
    priors: impl IntoIterator<Item = &'p str>,
    arns: &HashMap<String, String>,
) -> Value {
    let Some(actual) = actual else {
        return Value::Null;
    };
    let resolve = |k: &str| arns.get(k).cloned().unwrap_or_else(|| k.to_string());
    let arn = resolve(actual);
    match priors.into_iter().find(|p| resolve(p) == arn) {
        Some(p) => Value::from(p),
        None => Value::from(arn),
    }
}

fn is_key_arn(key: &str) -> bool {
    key.starts_with("arn:") && key.contains(":key/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_key_keeps_an_equivalent_spelling() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/k-1".to_string();
        let arns: HashMap<String, String> = [
            ("k-1".to_string(), arn.clone()),
            ("alias/x".to_string(), arn.clone()),
        ]
        .into();
        assert_eq!(state_key(Some(&arn), ["k-1"], &arns), Value::from("k-1"));
        assert_eq!(
            state_key(Some("k-1"), ["alias/x"], &arns),
            Value::from("alias/x")
        );
        assert_eq!(state_key(Some("k-1"), [], &arns), Value::from(arn.as_str()));
        assert_eq!(state_key(Some("k-2"), ["k-1"], &arns), Value::from("k-2"));
        assert_eq!(state_key(None, ["k-1"], &arns), Value::Null);
        // One prior spelling at most, as for EBS volumes and instances.
        assert_eq!(
            state_key(Some(&arn), Some("k-1"), &arns),
            Value::from("k-1")
        );
        assert_eq!(
            state_key(Some(&arn), None::<&str>, &arns),
            Value::from(arn.as_str())
        );
    }

    #[test]
    fn only_key_arns_are_arns() {
        assert!(is_key_arn("arn:aws:kms:us-east-1:123456789012:key/k-1"));
        assert!(!is_key_arn("arn:aws:kms:us-east-1:123456789012:alias/x"));
        assert!(!is_key_arn("k-1"));
    }
}
