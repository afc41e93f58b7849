//! Comparison by meaning: two values of one schema type, or two JSON documents,
//! that say the same thing in different words (order, whitespace, an empty list
//! versus null). Shared by the diff engine and the providers.

use super::Value;
use crate::provider::Type;
use serde_json::Value as Json;

/// Compares two values of one schema type by meaning.
pub fn same(ty: &Type, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown, _) | (_, Value::Unknown) => false,
        _ if is_empty(a) && is_empty(b) => true,
        (Value::String(x), Value::String(y)) if *ty == Type::Json => json_equal(x, y),
        (Value::List(x), Value::List(y)) => match ty {
            Type::Set(inner) => {
                x.len() == y.len() && x.iter().all(|v| y.iter().any(|w| same(inner, v, w)))
            }
            Type::List(inner) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(inner, v, w))
            }
            _ => a == b,
        },
        (Value::Object(x), Value::Object(y)) => match ty {
            Type::Map(inner) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.get(k).is_some_and(|w| same(inner, v, w)))
            }
            _ => a == b,
        },
        _ => a == b,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::List(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// JSON documents (policies) equal by meaning: key order, whitespace, and a single
/// string versus a one-element list do not matter.
pub fn json_equal(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<Json>(a),
        serde_json::from_str::<Json>(b),
    ) {
        (Ok(x), Ok(y)) => normalise(&x) == normalise(&y),
        _ => a == b,
    }
}

fn normalise(v: &Json) -> Json {
    match v {
        Json::Array(items) if items.len() == 1 => normalise(&items[0]),
        Json::Array(items) => {
            let mut items: Vec<Json> = items.iter().map(normalise).collect();
            items.sort_by_key(|x| x.to_string());
            Json::Array(items)
        }
        Json::Object(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_compare_by_meaning() {
        assert!(json_equal(
            r#"{"Action": "s3:GetObject"}"#,
            r#"{"Action":["s3:GetObject"]}"#
        ));
        assert!(!json_equal(
            r#"{"Action": "s3:GetObject"}"#,
            r#"{"Action":"s3:PutObject"}"#
        ));
    }
}
