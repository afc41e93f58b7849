//! The plan in the shape of `terraform show -json`, so that tools written for
//! Terraform plans (jq scripts, policy checkers) read it unchanged, plus recon's
//! own `data_loss` and `prevented`.
//!
//! As in Terraform, sensitive values appear in `before`/`after` and are marked by
//! `before_sensitive`/`after_sensitive`; consumers must honour the marks.

use super::plan_config::PROVIDER_NAME;
use crate::addr::{InstanceAddr, InstanceKey, Mode, ModulePath};
use crate::plan::diff::{path_to_json, AttrPath};
use crate::plan::moved::StateEdit;
use crate::plan::{Action, Drift, OutputChange, Plan, ResourceChange};
use crate::provider::{BlockType, DataLoss, Schema, Type};
use crate::value::{Object, Value};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;

/// Terraform's plan format version this shape follows.
pub const FORMAT_VERSION: &str = "1.2";
/// Terraform's state format version of `prior_state`.
const STATE_FORMAT_VERSION: &str = "1.0";

pub fn render(plan: &Plan, schema_of: &dyn Fn(&str) -> Option<&'static Schema>) -> Json {
    let mut changes: Vec<&ResourceChange> = plan.changes.iter().collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    let resource_changes: Vec<Json> = changes
        .iter()
        .map(|c| {
            let mut json = resource_change(c, schema_of(&c.addr.resource.type_name));
            let moved_from = plan.state_edits.iter().find_map(|e| match e {
                StateEdit::Moved { from, to } if *to == c.addr => Some(from.to_string()),
                _ => None,
            });
            if let (Some(from), Some(m)) = (moved_from, json.as_object_mut()) {
                m.insert("previous_address".into(), Json::from(from));
            }
            json
        })
        .collect();
    let forgotten: Vec<String> = plan
        .state_edits
        .iter()
        .filter_map(|e| match e {
            StateEdit::Forgotten(addr) => Some(addr.to_string()),
            StateEdit::Moved { .. } => None,
        })
        .collect();

    let mut drift: Vec<&Drift> = plan.drift.iter().collect();
    drift.sort_by(|a, b| a.addr.cmp(&b.addr));
    let resource_drift: Vec<Json> = drift
        .iter()
        .map(|d| resource_drift(d, schema_of(&d.addr.resource.type_name)))
        .collect();

    let mut outputs: Vec<&OutputChange> = plan.outputs.iter().collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    let output_changes: Map<String, Json> = outputs
        .iter()
        .map(|o| (o.name.clone(), output_change(o)))
        .collect();

    let mut losses = plan.data_loss();
    losses.sort_by(|a, b| a.0.cmp(b.0));
    let data_loss: Vec<Json> = losses
        .iter()
        .map(|(addr, loss)| {
            let action = match plan.change(addr).map(|c| c.action) {
                Some(Action::Replace { .. }) => "replace",
                _ => "delete",
            };
            let mut entry = json!({
                "address": addr.to_string(),
                "action": action,
                "kind": loss.kind(),
            });
            let details = match loss {
                DataLoss::Volume(v) => json!({
                    "volume_id": v.volume_id,
                    "size_gib": v.size_gib,
                    "role": v.role,
                }),
                DataLoss::Objects {
                    bucket,
                    count,
                    older_versions,
                    bytes,
                } => json!({
                    "bucket": bucket,
                    "object_count": count,
                    "noncurrent_version_count": older_versions,
                    "size_bytes": bytes,
                }),
                DataLoss::Encrypted(e) => json!({
                    "encrypts": e.what,
                    "id": e.id,
                    "managed_by": e.address,
                }),
            };
            if let (Some(entry), Json::Object(details)) = (entry.as_object_mut(), details) {
                entry.extend(details);
            }
            entry
        })
        .collect();

    let mut prevented: Vec<&InstanceAddr> = plan.prevented.iter().collect();
    prevented.sort();
    let prevented: Vec<String> = prevented.iter().map(ToString::to_string).collect();

    let planned_values = values_document(
        plan,
        schema_of,
        |c| c.after.as_ref().map(|o| (o, c.sensitive.clone())),
        |o| o.after.as_ref(),
    );
    let has_prior = plan.changes.iter().any(|c| c.before.is_some());
    let prior_state = has_prior.then(|| {
        json!({
            "format_version": STATE_FORMAT_VERSION,
            "terraform_version": env!("CARGO_PKG_VERSION"),
            "values": values_document(
                plan,
                schema_of,
                |c| c.before.as_ref().map(|o| (o, c.sensitive_either())),
                |o| o.before.as_ref(),
            ),
        })
    });

    // Arrays are present even when empty: `jq '.resource_changes[]'` should not fail.
    let mut doc = json!({
        "format_version": FORMAT_VERSION,
        // Tools read this as the version of what made the plan: recon's.
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "recon_version": env!("CARGO_PKG_VERSION"),
        "planned_values": planned_values,
        "resource_drift": resource_drift,
        "resource_changes": resource_changes,
        "output_changes": output_changes,
        "data_loss": data_loss,
        "prevented": prevented,
        "forgotten": forgotten,
    });
    if let Some(prior) = prior_state {
        doc["prior_state"] = prior;
    }
    doc
}

/// Terraform's values representation (`planned_values`, `prior_state.values`):
/// each instance's object as `pick` selects it from its change, with the outputs.
/// Unknown attributes are left out, as Terraform leaves them out.
fn values_document(
    plan: &Plan,
    schema_of: &dyn Fn(&str) -> Option<&'static Schema>,
    pick: impl Fn(&ResourceChange) -> Option<(&Object, Vec<String>)>,
    pick_output: impl Fn(&OutputChange) -> Option<&Value>,
) -> Json {
    let mut changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_none())
        .collect();
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    let resources: Vec<Json> = changes
        .iter()
        .filter_map(|c| {
            let (obj, marked) = pick(c)?;
            let mut m = address_fields(&c.addr);
            m.insert("schema_version".into(), Json::from(0));
            let values: Map<String, Json> = obj
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Unknown))
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect();
            m.insert("values".into(), Json::Object(values));
            m.insert(
                "sensitive_values".into(),
                sensitive_marks(
                    &marked,
                    sensitive_object(schema_of(&c.addr.resource.type_name), obj),
                ),
            );
            Some(Json::Object(m))
        })
        .collect();
    let outputs: Map<String, Json> = plan
        .outputs
        .iter()
        .filter_map(|o| {
            let value = pick_output(o).filter(|v| !v.is_null())?;
            let mut m = Map::new();
            m.insert("sensitive".into(), Json::Bool(o.sensitive));
            if value.is_wholly_known() {
                m.insert("value".into(), value.to_json());
            }
            Some((o.name.clone(), Json::Object(m)))
        })
        .collect();
    let located: Vec<(ModulePath, Json)> = changes
        .iter()
        .filter(|c| pick(c).is_some())
        .map(|c| c.addr.resource.module.clone())
        .zip(resources)
        .collect();
    json!({
        "outputs": outputs,
        "root_module": module_document(&ModulePath::root(), &located),
    })
}

/// Terraform's module representation: the resources of module instance `path`,
/// and `child_modules` for the instances below it, each with its `address`.
fn module_document(path: &ModulePath, resources: &[(ModulePath, Json)]) -> Json {
    let mine: Vec<Json> = resources
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, r)| r.clone())
        .collect();
    let depth = path.0.len();
    let children: BTreeSet<ModulePath> = resources
        .iter()
        .filter(|(p, _)| p.0.len() > depth && p.0[..depth] == path.0[..])
        .map(|(p, _)| ModulePath(p.0[..=depth].to_vec()))
        .collect();
    let mut m = Map::new();
    if !path.is_root() {
        m.insert("address".into(), Json::from(path.to_string()));
    }
    m.insert("resources".into(), Json::Array(mine));
    if !children.is_empty() {
        let docs: Vec<Json> = children
            .iter()
            .map(|c| module_document(c, resources))
            .collect();
        m.insert("child_modules".into(), Json::Array(docs));
    }
    Json::Object(m)
}

/// Adds marked top-level attributes (values from sensitive variables) to a mask.
fn sensitive_marks(names: &[String], mut mask: Json) -> Json {
    if let Json::Object(m) = &mut mask {
        for name in names {
            m.insert(name.clone(), Json::Bool(true));
        }
    }
    mask
}

fn address_fields(addr: &InstanceAddr) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("address".into(), Json::from(addr.to_string()));
    if !addr.resource.module.is_root() {
        m.insert(
            "module_address".into(),
            Json::from(addr.resource.module.to_string()),
        );
    }
    let mode = match addr.resource.mode {
        Mode::Managed => "managed",
        Mode::Data => "data",
    };
    m.insert("mode".into(), Json::from(mode));
    m.insert("type".into(), Json::from(addr.resource.type_name.clone()));
    m.insert("name".into(), Json::from(addr.resource.name.clone()));
    if addr.key != InstanceKey::None {
        m.insert("index".into(), addr.key.to_json());
    }
    m.insert("provider_name".into(), Json::from(PROVIDER_NAME));
    m
}

fn resource_change(c: &ResourceChange, schema: Option<&Schema>) -> Json {
    let mut m = address_fields(&c.addr);
    let change = change(
        c.action.json_actions(),
        c.before.as_ref(),
        c.after.as_ref(),
        schema,
        &c.replace_paths,
    );
    let mut change = change;
    // Values from sensitive variables are marked like schema-sensitive ones:
    // `before` by the marks in state (and the configuration's, to be safe),
    // `after` by the configuration's.
    mark(&mut change, "before_sensitive", &c.sensitive_either());
    mark(&mut change, "after_sensitive", &c.sensitive);
    m.insert("change".into(), change);
    if let Some(reason) = c.reason.json() {
        m.insert("action_reason".into(), Json::from(reason));
    }
    if let Some(id) = &c.deposed {
        m.insert("deposed".into(), Json::from(id.clone()));
    }
    Json::Object(m)
}

fn resource_drift(d: &Drift, schema: Option<&Schema>) -> Json {
    let mut m = address_fields(&d.addr);
    let actions: &[&str] = if d.after.is_some() {
        &["update"]
    } else {
        &["delete"]
    };
    let mut change = change(actions, Some(&d.before), d.after.as_ref(), schema, &[]);
    mark(&mut change, "before_sensitive", &d.sensitive);
    mark(&mut change, "after_sensitive", &d.sensitive);
    m.insert("change".into(), change);
    Json::Object(m)
}

/// Sets `true` at each of `names` in the object mask `key` of a change (a
/// mask that is not an object stands for no object at all, and stays).
fn mark(change: &mut Json, key: &str, names: &[String]) {
    if let Some(mask) = change.get_mut(key) {
        *mask = sensitive_marks(names, mask.take());
    }
}

fn change(
    actions: &[&str],
    before: Option<&Object>,
    after: Option<&Object>,
    schema: Option<&Schema>,
    replace_paths: &[AttrPath],
) -> Json {
    let values = |o: Option<&Object>| {
        o.map(|o| Json::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()))
            .unwrap_or(Json::Null)
    };
    // Terraform: an object's mask lists only what is unknown; no object at all is `false`.
    let after_unknown = after
        .map(|o| {
            Json::Object(
                o.iter()
                    .filter(|(_, v)| !v.is_wholly_known())
                    .map(|(k, v)| (k.clone(), v.unknown_mask()))
                    .collect(),
            )
        })
        .unwrap_or(Json::Bool(false));
    let sensitive = |o: Option<&Object>| {
        o.map(|o| sensitive_object(schema, o))
            .unwrap_or(Json::Bool(false))
    };
    let mut m = Map::new();
    m.insert("actions".into(), json!(actions));
    m.insert("before".into(), values(before));
    m.insert("after".into(), values(after));
    m.insert("after_unknown".into(), after_unknown);
    m.insert("before_sensitive".into(), sensitive(before));
    m.insert("after_sensitive".into(), sensitive(after));
    if !replace_paths.is_empty() {
        m.insert(
            "replace_paths".into(),
            Json::Array(replace_paths.iter().map(path_to_json).collect()),
        );
    }
    Json::Object(m)
}

fn output_change(o: &OutputChange) -> Json {
    let before = o.before.as_ref().filter(|v| !v.is_null());
    let after = o.after.as_ref().filter(|v| !v.is_null());
    let action = match (before, after) {
        (None, None) => "no-op",
        (None, Some(_)) => "create",
        (Some(_), None) => "delete",
        (Some(b), Some(a)) if b == a && a.is_wholly_known() => "no-op",
        _ => "update",
    };
    json!({
        "actions": [action],
        "before": before.map(Value::to_json).unwrap_or(Json::Null),
        "after": after.map(Value::to_json).unwrap_or(Json::Null),
        "after_unknown": after.map(Value::unknown_mask).unwrap_or(Json::Bool(false)),
        "before_sensitive": o.sensitive,
        "after_sensitive": o.sensitive,
    })
}

/// Terraform's `*_sensitive` mask of a resource object: `true` at sensitive
/// attributes, the shape of collections elsewhere, non-sensitive leaves left out.
fn sensitive_object(schema: Option<&Schema>, obj: &Object) -> Json {
    let mut m = Map::new();
    for (key, v) in obj {
        let mask = match schema {
            Some(s) => match (s.attribute(key), s.block(key)) {
                (Some(attr), _) if attr.sensitive => Json::Bool(true),
                (Some(attr), _) => type_mask(Some(attr.ty), v),
                (None, Some(block)) => block_mask(block, v),
                _ => type_mask(None, v),
            },
            None => type_mask(None, v),
        };
        if mask != Json::Bool(false) {
            m.insert(key.clone(), mask);
        }
    }
    Json::Object(m)
}

fn block_mask(block: &BlockType, v: &Value) -> Json {
    match v {
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|item| match item.as_object() {
                    Some(o) => {
                        let mut m = Map::new();
                        for (key, v) in o {
                            let mask = match (block.attribute(key), block.block(key)) {
                                (Some(a), _) if a.sensitive => Json::Bool(true),
                                (Some(a), _) => type_mask(Some(a.ty), v),
                                (None, Some(nested)) => block_mask(nested, v),
                                _ => type_mask(None, v),
                            };
                            if mask != Json::Bool(false) {
                                m.insert(key.clone(), mask);
                            }
                        }
                        Json::Object(m)
                    }
                    None => Json::Bool(false),
                })
                .collect(),
        ),
        // Blocks are lists even when absent or unknown.
        Value::Null | Value::Unknown => Json::Array(Vec::new()),
        _ => Json::Bool(false),
    }
}

fn type_mask(ty: Option<Type>, v: &Value) -> Json {
    let element = |t: Option<Type>| match t {
        Some(Type::List(e) | Type::Set(e) | Type::Map(e)) => Some(*e),
        _ => None,
    };
    match v {
        Value::Unknown => match ty {
            Some(Type::List(_) | Type::Set(_)) => Json::Array(Vec::new()),
            Some(Type::Map(_)) => Json::Object(Map::new()),
            _ => Json::Bool(false),
        },
        Value::List(items) => {
            Json::Array(items.iter().map(|i| type_mask(element(ty), i)).collect())
        }
        Value::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), type_mask(element(ty), v)))
                .filter(|(_, m)| *m != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}
