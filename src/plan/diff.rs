//! The generic diff engine: configuration + prior state + schema → the planned new
//! state, which attributes change, and which changes force replacement.

use crate::provider::{Attribute, BlockType, Nesting, Presence, Schema};
pub use crate::value::{json_equal, same};
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
pub fn plan_object(
    schema: &Schema,
    config: &Object,
    prior: Option<&Object>,
    opts: &DiffOptions,
) -> Planned {
    let first = plan_with_prior(schema, config, prior, opts);
    if first.replace_paths.is_empty() || prior.is_none() {
        return first;
    }
    // A replacement is a new object: everything the provider computes is unknown again.
    let fresh = plan_with_prior(schema, config, None, opts);
    Planned {
        after: fresh.after,
        replace_paths: first.replace_paths,
        changed: first.changed,
    }
}

fn plan_with_prior(
    schema: &Schema,
    config: &Object,
    prior: Option<&Object>,
    opts: &DiffOptions,
) -> Planned {
    let mut planned = Planned::default();
    let ignored = |name: &str| {
        prior.is_some()
            && (opts.ignore_all_changes || opts.ignore_changes.iter().any(|n| n == name))
    };
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
            plan_block(
                block,
                &items(config.get(block.name)),
                prior_items.as_deref(),
                &mut planned,
            )
        };
        if let Some(before) = &prior_items {
            if !same_blocks(block, before, &value) {
                planned
                    .changed
                    .push(vec![Step::Attr(block.name.to_string())]);
                if block.force_new {
                    planned
                        .replace_paths
                        .push(vec![Step::Attr(block.name.to_string())]);
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

fn plan_block(
    block: &BlockType,
    config: &[Value],
    prior: Option<&[Value]>,
    planned: &mut Planned,
) -> Value {
    plan_nested(block, config, prior, &[], true, planned)
}

/// Plans the elements of one block type found at `path`. `track_force_new` is false
/// inside set elements: those have no identity, so the set as a whole is replaced.
fn plan_nested(
    block: &BlockType,
    config: &[Value],
    prior: Option<&[Value]>,
    path: &[Step],
    track_force_new: bool,
    planned: &mut Planned,
) -> Value {
    if config.is_empty() && block.computed_when_absent {
        return match prior {
            Some(p) => Value::List(p.to_vec()),
            None => Value::Unknown,
        };
    }
    let group = extend(path, Step::Attr(block.name.to_string()));
    let track = track_force_new && block.nesting != Nesting::Set;
    let mut out = Vec::with_capacity(config.len());
    for (i, item) in config.iter().enumerate() {
        let empty = Object::new();
        let item = item.as_object().unwrap_or(&empty);
        let prior_item = prior.and_then(|p| match block.nesting {
            Nesting::Set => p
                .iter()
                .filter_map(Value::as_object)
                .find(|po| matches_configured(block, item, po)),
            _ => p.get(i).and_then(Value::as_object),
        });
        let element = extend(&group, Step::Index(i));
        let mut obj = Object::new();
        for attr in block.attributes {
            let before = prior_item.map(|p| p.get(attr.name).cloned().unwrap_or_default());
            let value = plan_attribute(attr, item.get(attr.name), before.as_ref());
            if let Some(before) = &before {
                if attr.force_new && track && !same(&attr.ty, before, &value) {
                    planned
                        .replace_paths
                        .push(extend(&element, Step::Attr(attr.name.to_string())));
                }
            }
            obj.insert(attr.name.to_string(), value);
        }
        for nested in block.blocks {
            let before = prior_item.map(|p| items(p.get(nested.name)));
            let value = plan_nested(
                nested,
                &items(item.get(nested.name)),
                before.as_deref(),
                &element,
                track,
                planned,
            );
            if let Some(before) = &before {
                if nested.force_new && track && !same_blocks(nested, before, &value) {
                    planned
                        .replace_paths
                        .push(extend(&element, Step::Attr(nested.name.to_string())));
                }
            }
            obj.insert(nested.name.to_string(), value);
        }
        out.push(Value::Object(obj));
    }
    // Set elements have no identity: any change to a set of force-new blocks replaces.
    if track_force_new && block.nesting == Nesting::Set && has_force_new(block) {
        if let Some(p) = prior {
            if !same_blocks(block, p, &Value::List(out.clone())) {
                planned.replace_paths.push(group);
            }
        }
    }
    Value::List(out)
}

fn extend(path: &[Step], step: Step) -> AttrPath {
    let mut p = path.to_vec();
    p.push(step);
    p
}

/// True when a change anywhere inside the block (or nested blocks) forces replacement.
fn has_force_new(block: &BlockType) -> bool {
    block.attributes.iter().any(|a| a.force_new)
        || block.blocks.iter().any(|b| b.force_new || has_force_new(b))
}

/// A prior set element is "the same element" when every configured attribute matches,
/// and so do the configured nested blocks.
fn matches_configured(block: &BlockType, config: &Object, prior: &Object) -> bool {
    let attributes = block.attributes.iter().all(|a| match config.get(a.name) {
        Some(v) if !v.is_null() => prior.get(a.name).is_some_and(|p| same(&a.ty, p, v)),
        _ => true,
    });
    attributes
        && block.blocks.iter().all(|nested| {
            let configured = items(config.get(nested.name));
            if configured.is_empty() {
                return true;
            }
            let before = items(prior.get(nested.name));
            let matches = |c: &Value, p: &Value| match (c.as_object(), p.as_object()) {
                (Some(c), Some(p)) => matches_configured(nested, c, p),
                _ => false,
            };
            configured.len() == before.len()
                && match nested.nesting {
                    Nesting::Set => configured
                        .iter()
                        .all(|c| before.iter().any(|p| matches(c, p))),
                    _ => configured.iter().zip(&before).all(|(c, p)| matches(c, p)),
                }
        })
}

fn same_blocks(block: &BlockType, before: &[Value], after: &Value) -> bool {
    let Value::List(after) = after else {
        return false;
    };
    let same_item = |x: &Value, y: &Value| match (x.as_object(), y.as_object()) {
        (Some(x), Some(y)) => same_block_item(block, x, y),
        _ => false,
    };
    before.len() == after.len()
        && match block.nesting {
            Nesting::Set => before.iter().all(|x| after.iter().any(|y| same_item(x, y))),
            _ => before.iter().zip(after).all(|(x, y)| same_item(x, y)),
        }
}

/// Two elements of one block type mean the same: every attribute and nested block.
pub fn same_block_item(block: &BlockType, x: &Object, y: &Object) -> bool {
    let null = Value::Null;
    block.attributes.iter().all(|a| {
        same(
            &a.ty,
            x.get(a.name).unwrap_or(&null),
            y.get(a.name).unwrap_or(&null),
        )
    }) && block.blocks.iter().all(|nested| {
        // An absent nested block is an empty list; an unknown one stays unknown.
        let after = match y.get(nested.name) {
            None | Some(Value::Null) => Value::List(Vec::new()),
            Some(v) => v.clone(),
        };
        same_blocks(nested, &items(x.get(nested.name)), &after)
    })
}

/// Top-level attributes that differ between two objects of one schema (drift).
pub fn changed_attributes(schema: &Schema, before: &Object, after: &Object) -> Vec<String> {
    let mut out = Vec::new();
    let null = Value::Null;
    for attr in schema.attributes {
        if !same(
            &attr.ty,
            before.get(attr.name).unwrap_or(&null),
            after.get(attr.name).unwrap_or(&null),
        ) {
            out.push(attr.name.to_string());
        }
    }
    for block in schema.blocks {
        if !same_blocks(
            block,
            &items(before.get(block.name)),
            after.get(block.name).unwrap_or(&Value::List(vec![])),
        ) {
            out.push(block.name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;
    use crate::provider::{Default as D, Type, ID, TAGS};

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
        c.insert(
            "root_block_device".into(),
            Value::List(vec![Value::Object(object! {"encrypted" => false})]),
        );
        let p = plan_object(&SCHEMA, &c, Some(&prior()), &DiffOptions::default());
        assert_eq!(
            path_to_string(&p.replace_paths[0]),
            "root_block_device[0].encrypted"
        );
    }

    #[test]
    fn ignore_changes_keeps_prior() {
        let mut c = config();
        c.insert("ami".into(), "ami-b".into());
        let ignore = vec!["ami".to_string()];
        let p = plan_object(
            &SCHEMA,
            &c,
            Some(&prior()),
            &DiffOptions {
                ignore_changes: &ignore,
                ..Default::default()
            },
        );
        assert!(p.changed.is_empty());
    }

    static SSE: Schema = Schema {
        type_name: "aws_s3_bucket_server_side_encryption_configuration",
        attributes: &[ID, Attribute::required("bucket", Type::String).force_new()],
        blocks: &[BlockType::new(
            "rule",
            Nesting::Set,
            &[Attribute::optional("bucket_key_enabled", Type::Bool)],
        )
        .with_blocks(&[BlockType::new(
            "apply_server_side_encryption_by_default",
            Nesting::Single,
            &[
                Attribute::required("sse_algorithm", Type::String),
                Attribute::optional("kms_master_key_id", Type::String),
            ],
        )])],
    };

    fn sse_rule(algorithm: &str, key: Value, bucket_key: Value) -> Value {
        Value::Object(object! {
            "bucket_key_enabled" => bucket_key,
            "apply_server_side_encryption_by_default" => vec![Value::Object(object! {
                "sse_algorithm" => algorithm, "kms_master_key_id" => key,
            })],
        })
    }

    fn sse(rules: Vec<Value>) -> Object {
        object! {"id" => "b", "bucket" => "b", "rule" => Value::List(rules)}
    }

    #[test]
    fn nested_blocks_plan_with_no_change_when_equal() {
        let prior = sse(vec![sse_rule("aws:kms", "arn:k".into(), true.into())]);
        let mut config = prior.clone();
        config.insert("id".into(), Value::Null);
        let p = plan_object(&SSE, &config, Some(&prior), &DiffOptions::default());
        assert!(p.changed.is_empty(), "{:?}", p.changed);
        assert_eq!(p.after, prior);
        assert!(changed_attributes(&SSE, &prior, &p.after).is_empty());
    }

    #[test]
    fn nested_block_change_is_a_change_of_the_outer_block() {
        let prior = sse(vec![sse_rule("aws:kms", "arn:k".into(), Value::Null)]);
        let config = sse(vec![sse_rule("AES256", Value::Null, Value::Null)]);
        let p = plan_object(&SSE, &config, Some(&prior), &DiffOptions::default());
        assert_eq!(p.changed, vec![vec![Step::Attr("rule".into())]]);
        assert!(p.replace_paths.is_empty());
        let rule = p.after["rule"].as_list().unwrap()[0].as_object().unwrap();
        let by_default = rule["apply_server_side_encryption_by_default"]
            .as_list()
            .unwrap();
        assert_eq!(
            by_default[0].as_object().unwrap()["sse_algorithm"],
            Value::from("AES256")
        );
        assert_eq!(
            by_default[0].as_object().unwrap()["kms_master_key_id"],
            Value::Null
        );
        assert_eq!(
            changed_attributes(&SSE, &prior, &p.after),
            vec!["rule".to_string()]
        );
    }

    #[test]
    fn removing_a_nested_block_is_a_change() {
        let prior = sse(vec![sse_rule("AES256", Value::Null, Value::Null)]);
        let config = sse(vec![Value::Object(object! {"bucket_key_enabled" => true})]);
        let p = plan_object(&SSE, &config, Some(&prior), &DiffOptions::default());
        assert_eq!(p.changed, vec![vec![Step::Attr("rule".into())]]);
        let rule = p.after["rule"].as_list().unwrap()[0].as_object().unwrap();
        assert_eq!(
            rule["apply_server_side_encryption_by_default"],
            Value::List(vec![])
        );
    }

    static NESTED_FORCE_NEW: Schema = Schema {
        type_name: "test_nested",
        attributes: &[ID],
        blocks: &[BlockType::new(
            "outer",
            Nesting::Single,
            &[Attribute::optional("a", Type::String)],
        )
        .with_blocks(&[BlockType::new(
            "inner",
            Nesting::List,
            &[Attribute::optional("b", Type::String).force_new()],
        )])],
    };

    #[test]
    fn nested_force_new_names_its_full_path() {
        let state = |b: &str| {
            object! {"id" => "x", "outer" => vec![Value::Object(object! {
                "a" => "same", "inner" => vec![Value::Object(object! {"b" => b})],
            })]}
        };
        let p = plan_object(
            &NESTED_FORCE_NEW,
            &state("new"),
            Some(&state("old")),
            &DiffOptions::default(),
        );
        assert_eq!(
            p.replace_paths
                .iter()
                .map(path_to_string)
                .collect::<Vec<_>>(),
            ["outer[0].inner[0].b"]
        );
        assert_eq!(p.after["id"], Value::Unknown);
    }

    #[test]
    fn set_with_nested_force_new_replaces_as_a_whole() {
        static SET: Schema = Schema {
            type_name: "test_set",
            attributes: &[ID],
            blocks: &[BlockType::new(
                "rule",
                Nesting::Set,
                &[Attribute::optional("a", Type::String)],
            )
            .with_blocks(&[BlockType::new(
                "inner",
                Nesting::Single,
                &[Attribute::optional("b", Type::String).force_new()],
            )])],
        };
        let state = |b: &str| {
            object! {"id" => "x", "rule" => vec![Value::Object(object! {
                "a" => "same", "inner" => vec![Value::Object(object! {"b" => b})],
            })]}
        };
        let p = plan_object(
            &SET,
            &state("new"),
            Some(&state("old")),
            &DiffOptions::default(),
        );
        assert_eq!(p.replace_paths, vec![vec![Step::Attr("rule".into())]]);
        let same_plan = plan_object(
            &SET,
            &state("old"),
            Some(&state("old")),
            &DiffOptions::default(),
        );
        assert!(same_plan.replace_paths.is_empty() && same_plan.changed.is_empty());
    }
}
