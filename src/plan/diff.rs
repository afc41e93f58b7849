//! The generic diff engine: configuration + prior state + schema → the planned new
//! state, which attributes change, and which changes force replacement.

use crate::provider::{Attribute, BlockType, Nesting, Presence, Schema, Type};
use crate::value::{Object, Value};
use serde_json::Value as Json;

/// One step of a path into an object: an attribute name or a list index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Attr(String),
    Index(usize),
}

pub type AttrPath = Vec<Step>;

pub fn path_to_json(path: &AttrPath) -> Json {
    Json::Array(
        path.iter()
            .map(|s| match s {
                Step::Attr(a) => Json::from(a.clone()),
                Step::Index(i) => Json::from(*i),
            })
            .collect(),
    )
}

pub fn path_to_string(path: &AttrPath) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Attr(a) if out.is_empty() => out.push_str(a),
            Step::Attr(a) => {
                out.push('.');
                out.push_str(a);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[derive(Clone, Debug, Default)]
pub struct Planned {
    pub after: Object,
    /// Attributes whose change forces replacement.
    pub replace_paths: Vec<AttrPath>,
    /// Every attribute that differs from the prior object.
    pub changed: Vec<AttrPath>,
}

#[derive(Clone, Debug, Default)]
pub struct DiffOptions<'a> {
    pub ignore_changes: &'a [String],
    pub ignore_all_changes: bool,
}

/// Plans the new state of one resource instance. `prior` is None for a create.
pub fn plan_object(schema: &Schema, config: &Object, prior: Option<&Object>, opts: &DiffOptions) -> Planned {
    let first = plan_with_prior(schema, config, prior, opts);
    if first.replace_paths.is_empty() || prior.is_none() {
        return first;
    }
    // A replacement is a new object: everything the provider computes is unknown again.
    let fresh = plan_with_prior(schema, config, None, opts);
    Planned { after: fresh.after, replace_paths: first.replace_paths, changed: first.changed }
}

fn plan_with_prior(schema: &Schema, config: &Object, prior: Option<&Object>, opts: &DiffOptions) -> Planned {
    let mut planned = Planned::default();
    let ignored = |name: &str| prior.is_some() && (opts.ignore_all_changes || opts.ignore_changes.iter().any(|n| n == name));
    for attr in schema.attributes {
        let prior_value = prior.map(|p| p.get(attr.name).cloned().unwrap_or_default());
        let value = if ignored(attr.name) {
            prior_value.clone().unwrap_or_default()
        } else {
            plan_attribute(attr, config.get(attr.name), prior_value.as_ref())
        };
        if let Some(before) = &prior_value {
            if !same(&attr.ty, before, &value) {
                let path = vec![Step::Attr(attr.name.to_string())];
                if attr.force_new {
                    planned.replace_paths.push(path.clone());
                }
                planned.changed.push(path);
            }
        }
        planned.after.insert(attr.name.to_string(), value);
    }
    for block in schema.blocks {
        let prior_items = prior.map(|p| items(p.get(block.name)));
        let value = if ignored(block.name) {
            Value::List(prior_items.clone().unwrap_or_default())
        } else {
            plan_block(block, &items(config.get(block.name)), prior_items.as_deref(), &mut planned)
        };
        if let Some(before) = &prior_items {
            if !same_blocks(block, before, &value) {
                planned.changed.push(vec![Step::Attr(block.name.to_string())]);
                if block.force_new {
                    planned.replace_paths.push(vec![Step::Attr(block.name.to_string())]);
                }
            }
        }
        planned.after.insert(block.name.to_string(), value);
    }
    planned
}

fn items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(items)) => items.clone(),
        _ => Vec::new(),
    }
}

fn plan_attribute(attr: &Attribute, config: Option<&Value>, prior: Option<&Value>) -> Value {
    match config {
        Some(v) if !v.is_null() && attr.presence != Presence::Computed => {
            // Keep the prior spelling when it means the same (JSON layout, set order).
            match prior {
                Some(p) if same(&attr.ty, p, v) => p.clone(),
                _ => v.clone(),
            }
        }
        _ => {
            if let Some(d) = attr.default {
                d.value()
            } else if attr.is_computed() {
                prior.cloned().unwrap_or(Value::Unknown)
            } else {
                Value::Null
            }
        }
    }
}

fn plan_block(block: &BlockType, config: &[Value], prior: Option<&[Value]>, planned: &mut Planned) -> Value {
    if config.is_empty() && block.computed_when_absent {
        return match prior {
            Some(p) => Value::List(p.to_vec()),
            None => Value::Unknown,
        };
    }
    let mut out = Vec::with_capacity(config.len());
    for (i, item) in config.iter().enumerate() {
        let empty = Object::new();
        let item = item.as_object().unwrap_or(&empty);
        let prior_item = prior.and_then(|p| match block.nesting {
            Nesting::Set => p.iter().filter_map(Value::as_object).find(|po| matches_configured(block, item, po)),
            _ => p.get(i).and_then(Value::as_object),
        });
        let mut obj = Object::new();
        for attr in block.attributes {
            let before = prior_item.map(|p| p.get(attr.name).cloned().unwrap_or_default());
            let value = plan_attribute(attr, item.get(attr.name), before.as_ref());
            if let Some(before) = &before {
                if attr.force_new && block.nesting != Nesting::Set && !same(&attr.ty, before, &value) {
                    planned.replace_paths.push(vec![
                        Step::Attr(block.name.to_string()),
                        Step::Index(i),
                        Step::Attr(attr.name.to_string()),
                    ]);
                }
            }
            obj.insert(attr.name.to_string(), value);
        }
        out.push(Value::Object(obj));
    }
    // Set elements have no identity: any change to a set of force-new blocks replaces.
    if block.nesting == Nesting::Set && block.attributes.iter().any(|a| a.force_new) {
        if let Some(p) = prior {
            if !same_blocks(block, p, &Value::List(out.clone())) {
                planned.replace_paths.push(vec![Step::Attr(block.name.to_string())]);
            }
        }
    }
    Value::List(out)
}

/// A prior set element is "the same element" when every configured attribute matches.
fn matches_configured(block: &BlockType, config: &Object, prior: &Object) -> bool {
    block.attributes.iter().all(|a| match config.get(a.name) {
        Some(v) if !v.is_null() => prior.get(a.name).is_some_and(|p| same(&a.ty, p, v)),
        _ => true,
    })
}

/// Compares two values of one schema type by meaning.
pub fn same(ty: &Type, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown, _) | (_, Value::Unknown) => false,
        _ if is_empty(a) && is_empty(b) => true,
        (Value::String(x), Value::String(y)) if *ty == Type::Json => json_equal(x, y),
        (Value::List(x), Value::List(y)) => match ty {
            Type::Set(inner) => x.len() == y.len() && x.iter().all(|v| y.iter().any(|w| same(inner, v, w))),
            Type::List(inner) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(inner, v, w)),
            _ => a == b,
        },
        (Value::Object(x), Value::Object(y)) => match ty {
            Type::Map(inner) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(inner, v, w))),
            _ => a == b,
        },
        _ => a == b,
    }
}

fn same_blocks(block: &BlockType, before: &[Value], after: &Value) -> bool {
    let Value::List(after) = after else { return false };
    let same_item = |x: &Value, y: &Value| match (x.as_object(), y.as_object()) {
        (Some(x), Some(y)) => block.attributes.iter().all(|a| {
            same(&a.ty, x.get(a.name).unwrap_or(&Value::Null), y.get(a.name).unwrap_or(&Value::Null))
        }),
        _ => false,
    };
    before.len() == after.len()
        && match block.nesting {
            Nesting::Set => before.iter().all(|x| after.iter().any(|y| same_item(x, y))),
            _ => before.iter().zip(after).all(|(x, y)| same_item(x, y)),
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
    match (serde_json::from_str::<Json>(a), serde_json::from_str::<Json>(b)) {
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
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), normalise(v))).collect()),
        other => other.clone(),
    }
}

/// Top-level attributes that differ between two objects of one schema (drift).
pub fn changed_attributes(schema: &Schema, before: &Object, after: &Object) -> Vec<String> {
    let mut out = Vec::new();
    let null = Value::Null;
    for attr in schema.attributes {
        if !same(&attr.ty, before.get(attr.name).unwrap_or(&null), after.get(attr.name).unwrap_or(&null)) {
            out.push(attr.name.to_string());
        }
    }
    for block in schema.blocks {
        if !same_blocks(block, &items(before.get(block.name)), after.get(block.name).unwrap_or(&Value::List(vec![]))) {
            out.push(block.name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;
    use crate::provider::{Default as D, ID, TAGS};

    static SCHEMA: Schema = Schema {
        type_name: "aws_instance",
        attributes: &[
            ID,
            Attribute::required("ami", Type::String).force_new(),
            Attribute::required("instance_type", Type::String),
            Attribute::optional("monitoring", Type::Bool).default(D::Bool(false)),
            Attribute::optional_computed("subnet_id", Type::String).force_new(),
            Attribute::optional("policy", Type::Json),
            Attribute::optional("vpc_security_group_ids", Type::Set(&Type::String)),
            TAGS,
        ],
        blocks: &[BlockType::new(
            "root_block_device",
            Nesting::Single,
            &[
                Attribute::optional_computed("volume_size", Type::Number),
                Attribute::optional_computed("encrypted", Type::Bool).force_new(),
                Attribute::computed("volume_id", Type::String),
            ],
        )
        .computed_when_absent()],
    };

    fn prior() -> Object {
        object! {
            "id" => "i-1", "ami" => "ami-a", "instance_type" => "t3.micro", "monitoring" => false,
            "subnet_id" => "subnet-1", "policy" => "{\"b\": 1, \"a\": [\"x\"]}",
            "vpc_security_group_ids" => vec!["sg-1", "sg-2"], "tags" => Value::Null,
            "root_block_device" => vec![Value::Object(object! {"volume_size" => 8, "encrypted" => true, "volume_id" => "vol-1"})],
        }
    }

    fn config() -> Object {
        object! {
            "id" => Value::Null, "ami" => "ami-a", "instance_type" => "t3.micro", "monitoring" => Value::Null,
            "subnet_id" => Value::Null, "policy" => "{\"a\":\"x\",\"b\":1}",
            "vpc_security_group_ids" => vec!["sg-2", "sg-1"], "tags" => Value::Null,
            "root_block_device" => Value::List(vec![]),
        }
    }

    #[test]
    fn create_leaves_computed_unknown_and_applies_defaults() {
        let p = plan_object(&SCHEMA, &config(), None, &DiffOptions::default());
        assert_eq!(p.after["id"], Value::Unknown);
        assert_eq!(p.after["subnet_id"], Value::Unknown);
        assert_eq!(p.after["monitoring"], Value::Bool(false));
        assert_eq!(p.after["root_block_device"], Value::Unknown);
    }

    #[test]
    fn same_meaning_is_no_change() {
        let p = plan_object(&SCHEMA, &config(), Some(&prior()), &DiffOptions::default());
        assert!(p.changed.is_empty(), "{:?}", p.changed);
        assert_eq!(p.after, prior());
    }

    #[test]
    fn in_place_change_is_not_a_replacement() {
        let mut c = config();
        c.insert("instance_type".into(), "t3.small".into());
        let p = plan_object(&SCHEMA, &c, Some(&prior()), &DiffOptions::default());
        assert_eq!(p.changed, vec![vec![Step::Attr("instance_type".into())]]);
        assert!(p.replace_paths.is_empty());
        assert_eq!(p.after["id"], Value::from("i-1"));
    }

    #[test]
    fn force_new_change_replaces_and_unknowns_computed() {
        let mut c = config();
        c.insert("ami".into(), "ami-b".into());
        let p = plan_object(&SCHEMA, &c, Some(&prior()), &DiffOptions::default());
        assert_eq!(p.replace_paths, vec![vec![Step::Attr("ami".into())]]);
        assert_eq!(p.after["id"], Value::Unknown);
    }

    #[test]
    fn nested_force_new_names_its_path() {
        let mut c = config();
        c.insert("root_block_device".into(), Value::List(vec![Value::Object(object! {"encrypted" => false})]));
        let p = plan_object(&SCHEMA, &c, Some(&prior()), &DiffOptions::default());
        assert_eq!(path_to_string(&p.replace_paths[0]), "root_block_device[0].encrypted");
    }

    #[test]
    fn ignore_changes_keeps_prior() {
        let mut c = config();
        c.insert("ami".into(), "ami-b".into());
        let ignore = vec!["ami".to_string()];
        let p = plan_object(&SCHEMA, &c, Some(&prior()), &DiffOptions { ignore_changes: &ignore, ..Default::default() });
        assert!(p.changed.is_empty());
    }

    #[test]
    fn policies_compare_by_meaning() {
        assert!(json_equal(r#"{"Action": "s3:GetObject"}"#, r#"{"Action":["s3:GetObject"]}"#));
        assert!(!json_equal(r#"{"Action": "s3:GetObject"}"#, r#"{"Action":"s3:PutObject"}"#));
    }
}
