//! SNS and SQS take the settings of a topic, a subscription or a queue as
//! attribute name → string pairs: a table maps schema attributes to those names,
//! and the calls that create or change the object are worked out from it; the
//! map they answer is read back into state values with `Reported`.

use crate::provider::{Attribute, Schema, Type};
use crate::value::{same, Object, ObjectExt, Value};
use std::collections::BTreeMap;

/// Schema attribute → service attribute name, in the order the calls send them.
pub type Settings = &'static [(&'static str, &'static str)];

/// The string the service takes for a planned value; None when unknown or unset.
fn encode(attr: &Attribute, value: &Value) -> Option<String> {
    match (attr.ty, value) {
        (Type::Bool, Value::Bool(b)) => Some(b.to_string()),
        (Type::Number, Value::Number(_)) => value.as_i64().map(|n| n.to_string()),
        (_, Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// What a create sends: true booleans (false is the services' default), numbers
/// and non-empty strings.
pub fn for_create(schema: &Schema, settings: Settings, planned: &Object) -> Vec<(String, String)> {
    for_create_where(schema, settings, planned, |attr, _, encoded| {
        match attr.ty {
            Type::Bool => encoded == "true",
            _ => !encoded.is_empty(),
        }
    })
}

/// What a create sends where the service wants other values left out: each set
/// value that `send` (given the attribute, the planned value and its encoding) accepts.
pub fn for_create_where(
    schema: &Schema,
    settings: Settings,
    planned: &Object,
    send: impl Fn(&Attribute, &Value, &str) -> bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, api) in settings {
        let Some(attr) = schema.attribute(name) else {
            continue;
        };
        let value = planned.get(*name).unwrap_or(&Value::Null);
        let sent = encode(attr, value).filter(|v| send(attr, value, v));
        if let Some(v) = sent {
            out.push((api.to_string(), v));
        }
    }
    out
}

/// What an update sends: every setting the plan changes (not those that replace
/// the object). An unset string goes as "", which removes it; an unset computed
/// one is left as AWS has it.
pub fn changed(
    schema: &Schema,
    settings: Settings,
    prior: &Object,
    planned: &Object,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, api) in settings {
        let Some(attr) = schema.attribute(name).filter(|a| !a.force_new) else {
            continue;
        };
        let before = prior.get(*name).unwrap_or(&Value::Null);
        let after = planned.get(*name).unwrap_or(&Value::Null);
        if after.is_unknown() || same(&attr.ty, before, after) {
            continue;
        }
        let encoded = match after {
            Value::Null if attr.is_computed() => None,
            Value::Null if matches!(attr.ty, Type::String | Type::Json) => Some(String::new()),
            _ => encode(attr, after),
        };
        if let Some(encoded) = encoded {
            out.push((api.to_string(), encoded));
        }
    }
    out
}

/// An attribute map as GetXAttributes answers it, read into state values. An empty
/// value counts as not reported.
pub struct Reported<'a> {
    attributes: &'a BTreeMap<String, String>,
    prior: &'a Object,
}

impl<'a> Reported<'a> {
    /// `prior` is the state (or plan) read against: see `document`.
    pub fn new(attributes: &'a BTreeMap<String, String>, prior: &'a Object) -> Self {
        Reported { attributes, prior }
    }

    fn get(&self, api: &str) -> Option<&'a String> {
        self.attributes.get(api).filter(|v| !v.is_empty())
    }

    pub fn text(&self, api: &str) -> Value {
        Value::from(self.get(api).cloned())
    }

    pub fn flag(&self, api: &str) -> bool {
        self.get(api)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A whole number; null when not reported.
    pub fn number(&self, api: &str) -> Value {
        self.get(api)
            .and_then(|v| v.parse::<i64>().ok())
            .map(Value::from)
            .unwrap_or(Value::Null)
    }

    /// A document, null when not reported; but an explicit "" in `prior`'s `name`
    /// stays "" so that `name = ""` in configuration plans no change.
    pub fn document(&self, api: &str, name: &str) -> Value {
        match self.get(api) {
            Some(v) => Value::from(v.as_str()),
            None if self.prior.str(name) == Some("") => Value::from(""),
            None => Value::Null,
        }
    }
}
