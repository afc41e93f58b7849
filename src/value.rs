//! The value model shared by the evaluator, the diff engine, state and providers.
//!
//! `Unknown` stands for "known after apply": it propagates through expressions and
//! never serialises to a placeholder string.

mod go_json;
mod meaning;

pub use go_json::write_go_string;
pub use meaning::{json_equal, same};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt;

pub type Object = BTreeMap<String, Value>;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Object(Object),
    Unknown,
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when no Unknown is nested anywhere inside.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Object(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if n.fract() == 0.0 => Some(*n as i64),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Attribute lookup on an object; Null for anything else.
    pub fn get(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(map) => map.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown => "unknown",
        }
    }

    /// Converts to JSON. Unknowns become null; use [`Value::unknown_mask`] to tell them apart.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null | Value::Unknown => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => Json::String(s.clone()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(map) => {
                Json::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Terraform's `after_unknown` shape: `true` where the value is unknown, nested
    /// lists/objects where something inside is, `false` otherwise.
    pub fn unknown_mask(&self) -> Json {
        match self {
            Value::Unknown => Json::Bool(true),
            Value::List(items) if !self.is_wholly_known() => {
                Json::Array(items.iter().map(Value::unknown_mask).collect())
            }
            Value::Object(map) => Json::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_wholly_known())
                    .map(|(k, v)| (k.clone(), v.unknown_mask()))
                    .collect(),
            ),
            _ => Json::Bool(false),
        }
    }

    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::List(items.iter().map(Value::from_json).collect()),
            Json::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Renders a primitive the way string interpolation does; None for collections,
    /// null and unknown.
    pub fn to_interpolated(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(Json::Number)
            .unwrap_or(Json::Null)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unknown => f.write_str("(known after apply)"),
            Value::String(s) => write!(f, "{}", Json::String(s.clone())),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Object(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str("}")
            }
            other => write!(f, "{}", other.to_json()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(n as f64)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Null)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl From<Object> for Value {
    fn from(map: Object) -> Self {
        Value::Object(map)
    }
}

/// Builds an [`Object`] from `key => value` pairs.
#[macro_export]
macro_rules! object {
    ($($key:expr => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::value::Object::new();
        $(map.insert(String::from($key), $crate::value::Value::from($value));)*
        map
    }};
}

/// Typed reads of attributes, for providers and the engine.
pub trait ObjectExt {
    fn str(&self, key: &str) -> Option<&str>;
    fn bool(&self, key: &str) -> Option<bool>;
    fn i64(&self, key: &str) -> Option<i64>;
    fn list(&self, key: &str) -> &[Value];
    /// The strings of a list/set attribute, skipping anything else.
    fn strings(&self, key: &str) -> Vec<String>;
    /// The one object of a `Nesting::Single` block, if present.
    fn block(&self, key: &str) -> Option<&Object>;
    /// A `map(string)` attribute such as `tags`.
    fn string_map(&self, key: &str) -> BTreeMap<String, String>;
}

impl ObjectExt for Object {
    fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }
    fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }
    fn i64(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_i64)
    }
    fn list(&self, key: &str) -> &[Value] {
        self.get(key).and_then(Value::as_list).unwrap_or(&[])
    }
    fn strings(&self, key: &str) -> Vec<String> {
        self.list(key)
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }
    fn block(&self, key: &str) -> Option<&Object> {
        self.list(key).first().and_then(Value::as_object)
    }
    fn string_map(&self, key: &str) -> BTreeMap<String, String> {
        self.get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.to_interpolated().map(|s| (k.clone(), s)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_never_serialised_as_a_string() {
        let v = Value::Object(object! {"id" => Value::Unknown, "name" => "web"});
        assert_eq!(v.to_json(), serde_json::json!({"id": null, "name": "web"}));
        assert_eq!(v.unknown_mask(), serde_json::json!({"id": true}));
        assert!(!v.is_wholly_known());
    }

    #[test]
    fn json_round_trip_keeps_integers_integral() {
        let json = serde_json::json!({"size": 8, "ratio": 0.5, "tags": ["a"]});
        let v = Value::from_json(&json);
        assert_eq!(v.to_json(), json);
        assert_eq!(v.get("size").as_i64(), Some(8));
    }

    #[test]
    fn interpolation_formats_whole_numbers_without_fraction() {
        assert_eq!(Value::Number(3.0).to_interpolated().unwrap(), "3");
        assert_eq!(Value::Number(2.5).to_interpolated().unwrap(), "2.5");
    }
}
