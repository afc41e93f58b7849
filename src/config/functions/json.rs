//! jsonencode and jsondecode.

use super::*;
use crate::value::write_go_string;

/// Terraform's jsonencode: compact, keys sorted, whole numbers without ".0".
pub(super) fn json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

pub(super) fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&format_number(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => write_go_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

pub(super) fn jsondecode(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(str_arg(args, 0));
    // The depth is limited by `Json` below, at the documented 128 (serde_json's
    // own limit stops at 127).
    de.disable_recursion_limit();
    serde::de::DeserializeSeed::deserialize(Json { depth: 0 }, &mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| format!("invalid JSON: {}", json_error(&e)))
}

/// serde_json's message in recon's words, with its position.
fn json_error(e: &serde_json::Error) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "trailing characters",
            "unexpected data after the JSON value",
        ),
        ("EOF while parsing a value", "unexpected end of input"),
        ("EOF while parsing a string", "unterminated string"),
        ("EOF while parsing", "unexpected end of input"),
        ("expected `:`", "expected ':'"),
        ("expected `,` or `]`", "expected ',' or ']'"),
        ("expected `,` or `}`", "expected ',' or '}'"),
        ("key must be a string", "expected a string key"),
        ("expected value", "expected a JSON value"),
        ("expected ident", "expected a JSON value"),
        ("control character", "control character in string"),
        ("lone leading surrogate", "invalid unicode escape"),
        ("invalid unicode code point", "invalid unicode escape"),
    ];
    let text = e.to_string();
    let what = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(what, _)| what);
    let what = WORDS
        .iter()
        .find(|(theirs, _)| what.starts_with(theirs))
        .map_or(what, |(_, ours)| ours);
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// Reads one JSON value into a [`Value`], nested at most
/// [`MAX_JSON_DEPTH`](crate::config::limits::MAX_JSON_DEPTH) deep.
#[derive(Clone, Copy)]
struct Json {
    /// Arrays and objects around this value.
    depth: usize,
}

impl Json {
    fn inner<E: serde::de::Error>(self) -> Result<Json, E> {
        let max = crate::config::limits::MAX_JSON_DEPTH;
        if self.depth >= max {
            return Err(E::custom(format!(
                "more than {max} nested arrays and objects"
            )));
        }
        Ok(Json {
            depth: self.depth + 1,
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Json {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Json {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::str(s))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner::<A::Error>()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner::<A::Error>()?;
        let mut out = Object::new();
        // A repeated key keeps its last value.
        while let Some(key) = map.next_key::<String>()? {
            out.insert(key, map.next_value_seed(inner)?);
        }
        Ok(Value::Object(out))
    }
}
