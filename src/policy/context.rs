//! What a policy condition sees: `self` (the instance's planned values), the other
//! resources of the stack, and cross-resource lookups.
//!
//! Names added to the language inside a condition:
//! - `self`: the instance's planned values. An Optional+Computed attribute (or a
//!   block the provider fills in) that the configuration leaves unset is `null`
//!   (or an empty list) rather than unknown: the configuration does not ask for
//!   anything there, so nothing is guaranteed. Values that depend on other
//!   resources not created yet stay unknown until apply. JSON documents
//!   (`policy`, `assume_role_policy`) appear decoded, CIDRs canonical.
//! - `resource`: `{ type, name, address }` of the instance.
//! - `resources.TYPE`: planned values of every instance of TYPE in the stack.
//! - normal references (`aws_kms_key.ebs.arn`, `var.x`, `local.y`) as in the stack.
//! - `referrers(TYPE, ATTRIBUTE)`: planned values of every TYPE instance whose
//!   ATTRIBUTE refers to this resource (a reference in its configuration, or equal
//!   to this resource's id/arn once both are known).
//! - `referenced(ATTRIBUTE)` / `referenced(ATTRIBUTE, TYPE)`: planned values of the
//!   resources this instance's ATTRIBUTE refers to (`root_block_device.kms_key_id`
//!   names an attribute of a nested block).
//! - `alltrue(list)`, `anytrue(list)`: Terraform's functions (unknown-aware; a
//!   null element is "cannot be decided").
//! - the judgements of [`super::functions`]: `closed_to_internet`, `ingress_rules`,
//!   `egress_rules`, `statements`,
//!   `allows_anyone`, `allows_public`; `contains`, `startswith` and `endswith`
//!   take null as an unset attribute.
//! - `configured(value)`: true unless the value is null or "" (a value known only
//!   after apply counts as set), for rules such as "a KMS key is named".

use super::Note;
use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::config::eval::{BlockValues, Extension, Scope};
use crate::config::refs::{self, Ref};
use crate::config::{body, cidr, ResourceBlock, Stack};
use crate::plan::diff::{self, DiffOptions};
use crate::plan::planner::{block_value, expand, unread_data, Instance};
use crate::provider::{Attribute, BlockType, Presence, Schema, Type};
use crate::value::{Object, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// One resource or data instance as policies see it.
#[derive(Clone, Debug)]
pub struct InstanceData {
    pub addr: InstanceAddr,
    /// Why the configuration could not be evaluated, if it could not. The
    /// evaluated configuration itself lives on only inside the view: keeping it
    /// too doubled a check's memory.
    pub config: Result<(), String>,
    /// `self`: the planned values (Unknown where only apply can tell), with unset
    /// provider-chosen values as null.
    pub view: Value,
}

impl InstanceData {
    /// `after` is the planned values; only the view of them is kept.
    pub fn new(
        addr: InstanceAddr,
        schema: Option<&Schema>,
        config: Result<Object, String>,
        after: Object,
    ) -> InstanceData {
        let view = match (&config, schema) {
            (Ok(cfg), Some(s)) if addr.resource.mode == Mode::Managed => {
                Value::Object(view(s, cfg, after))
            }
            _ => Value::Object(after),
        };
        InstanceData {
            addr,
            config: config.map(drop),
            view,
        }
    }
}

/// The planned values as a policy sees them: see the module documentation.
pub fn view(schema: &Schema, config: &Object, after: Object) -> Object {
    view_level(schema.attributes, schema.blocks, config, after)
}

fn view_level(
    attributes: &[Attribute],
    blocks: &[BlockType],
    config: &Object,
    mut out: Object,
) -> Object {
    for attr in attributes {
        if attr.cidr {
            if let Some(v) = out.get_mut(attr.name) {
                canonical_cidrs(v);
            }
        }
        let unset = config.get(attr.name).is_none_or(Value::is_null);
        if attr.presence == Presence::OptionalComputed
            && unset
            && out.get(attr.name).is_some_and(Value::is_unknown)
        {
            out.insert(attr.name.to_string(), Value::Null);
        }
    }
    for bt in blocks {
        // Blocks whose number is unknown (a dynamic block's for_each, a list in
        // attribute syntax that could not be evaluated) are not absent: the plan
        // has no items for them, the view says unknown.
        if config.get(bt.name).is_some_and(Value::is_unknown) {
            out.insert(bt.name.to_string(), Value::Unknown);
            continue;
        }
        let configured: &[Value] = config.get(bt.name).and_then(Value::as_list).unwrap_or(&[]);
        match out.get_mut(bt.name) {
            Some(Value::Unknown) if configured.is_empty() && bt.computed_when_absent => {
                out.insert(bt.name.to_string(), Value::List(Vec::new()));
            }
            Some(Value::List(items)) => {
                let empty = Object::new();
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Object(obj) = item {
                        let cfg = configured
                            .get(i)
                            .and_then(Value::as_object)
                            .unwrap_or(&empty);
                        let planned = std::mem::take(obj);
                        *obj = view_level(bt.attributes, bt.blocks, cfg, planned);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// CIDRs as AWS stores them (`10.1.2.3/0` is `0.0.0.0/0`, the internet), so that
/// a policy comparing with "0.0.0.0/0" sees every way of writing it.
fn canonical_cidrs(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(c) = cidr::canonical(s) {
                *s = c;
            }
        }
        Value::List(items) => items.iter_mut().for_each(canonical_cidrs),
        _ => {}
    }
}

/// Attributes that hold JSON documents (IAM and key policies) appear decoded in
/// `self`: `self.policy.Statement`. A document built with `jsonencode(...)` from
/// values known only after apply is decoded from the configuration, so the known
/// parts (the actions, say) can be judged before the unknown ones (a resource ARN)
/// exist.
pub fn decode_json_attributes(
    schema: &Schema,
    config: Option<(&ResourceBlock, &Scope)>,
    view: &mut Value,
) {
    let Value::Object(obj) = view else { return };
    for attr in schema.attributes.iter().filter(|a| a.ty == Type::Json) {
        let decoded = match obj.get(attr.name) {
            Some(Value::String(text)) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json) => Value::from_json(&json),
                Err(_) => continue,
            },
            Some(Value::Unknown) => match config.and_then(|(block, scope)| {
                Some((
                    block,
                    scope,
                    &block.body.body.get_attribute(attr.name)?.value,
                ))
            }) {
                Some((block, scope, Expression::FuncCall(call)))
                    if call.name.name.as_str() == "jsonencode" && call.args.len() == 1 =>
                {
                    let Some(arg) = call.args.iter().next() else {
                        continue;
                    };
                    match scope.eval_in(&block.body.file, arg) {
                        Ok(v) => v,
                        Err(_) => continue,
                    }
                }
                _ => continue,
            },
            _ => continue,
        };
        obj.insert(attr.name.to_string(), decoded);
    }
    for block in schema.blocks {
        if let Some(Value::List(items)) = obj.get_mut(block.name) {
            items
                .iter_mut()
                .for_each(|item| decode_block_json(block, item));
        }
    }
}

/// The known JSON documents in a nested block (a role's `inline_policy`).
fn decode_block_json(block: &BlockType, item: &mut Value) {
    let Value::Object(obj) = item else { return };
    for attr in block.attributes.iter().filter(|a| a.ty == Type::Json) {
        if let Some(Value::String(text)) = obj.get(attr.name) {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
                obj.insert(attr.name.to_string(), Value::from_json(&json));
            }
        }
    }
    for nested in block.blocks {
        if let Some(Value::List(items)) = obj.get_mut(nested.name) {
            items.iter_mut().for_each(|i| decode_block_json(nested, i));
        }
    }
}

/// The value of one instance inside its block's value (object, list or map).
pub fn instance_value(block: &ResourceBlock, value: &Value, key: &InstanceKey) -> Option<Object> {
    let v = match (key, value) {
        (InstanceKey::None, v) if block.count.is_none() && block.for_each.is_none() => Some(v),
        (InstanceKey::Int(i), Value::List(items)) => {
            usize::try_from(*i).ok().and_then(|i| items.get(i))
        }
        (InstanceKey::Str(k), Value::Object(map)) => map.get(k),
        _ => None,
    };
    v.and_then(Value::as_object).cloned()
}

/// Evaluates every block's configuration per instance against `values` (the
/// planned values of every block) and pairs it with its planned object.
pub fn collect(
    stack: &Stack,
    vars: &Object,
    schema_of: &dyn Fn(&ResourceAddr) -> Option<&'static Schema>,
    values: &BTreeMap<ResourceAddr, Value>,
    notes: &mut Vec<Note>,
) -> Vec<InstanceData> {
    let scope = Scope::new(stack, vars, values);
    let mut out = Vec::new();
    for (addr, block) in &stack.resources {
        let Some(schema) = schema_of(addr) else {
            notes.push(unsupported_note(block));
            continue;
        };
        let instances = match expand(block, &scope) {
            Ok(i) => i,
            Err(d) => {
                notes.push(Note::not_checked(addr, &d, false));
                continue;
            }
        };
        let block_val = values.get(addr);
        for instance in &instances {
            let after = block_val.and_then(|v| instance_value(block, v, &instance.key));
            out.push(instance_data(block, schema, &scope, instance, after));
        }
    }
    out
}

/// One instance as policies see it: its configuration evaluated in `scope`, with
/// `after` as its planned object (planned from the configuration when None).
pub fn instance_data(
    block: &ResourceBlock,
    schema: &Schema,
    scope: &Scope,
    instance: &Instance,
    after: Option<Object>,
) -> InstanceData {
    let addr = &block.addr;
    let iscope = scope.for_instance(instance.count_index, instance.each.clone());
    let config = body::evaluate(schema, &block.body, &iscope).map_err(|d| describe(&d));
    let after = match (after, &config) {
        (Some(a), _) => a,
        (None, Ok(cfg)) if addr.mode == Mode::Data => unread_data(schema, cfg),
        (None, Ok(cfg)) => diff::plan_object(schema, cfg, None, &DiffOptions::default()).after,
        (None, Err(_)) => Object::new(),
    };
    let mut data = InstanceData::new(
        addr.instance(instance.key.clone()),
        Some(schema),
        config,
        after,
    );
    if addr.mode == Mode::Managed {
        decode_json_attributes(schema, Some((block, &iscope)), &mut data.view);
    }
    data
}

pub fn unsupported_note(block: &ResourceBlock) -> Note {
    let kind = if block.addr.mode == Mode::Data {
        "data source"
    } else {
        "resource"
    };
    Note {
        address: Some(block.addr.to_string()),
        location: Some(block.span.location()),
        message: format!(
            "not checked: recon does not support the {kind} type \"{}\"",
            block.addr.type_name
        ),
        invalid: false,
    }
}

pub fn describe(d: &crate::diag::Diag) -> String {
    match &d.location {
        Some(l) => format!("{} (at {l})", d.message),
        None => d.message.clone(),
    }
}

/// Every instance with lookups by type, block and id, and what each attribute of
/// each block refers to.
pub struct Index<'s> {
    pub stack: &'s Stack,
    pub instances: Vec<InstanceData>,
    by_type: HashMap<String, Vec<usize>>,
    by_block: HashMap<ResourceAddr, Vec<usize>>,
    by_ident: HashMap<String, Vec<usize>>,
    refs: BlockRefs,
    /// Values of blocks with `count` or `for_each`, for normal references in
    /// conditions: built on first use (most conditions read only `self`).
    view_values: std::cell::OnceCell<BTreeMap<ResourceAddr, Value>>,
    reverse: std::cell::RefCell<HashMap<(String, String), Arc<Reverse>>>,
}

/// A block without `count` or `for_each` is its one instance's view, lent as it
/// is: copying every view into a map of block values was a large share of a
/// check's memory.
impl BlockValues for Index<'_> {
    fn block(&self, addr: &ResourceAddr) -> Option<&Value> {
        let block = self.stack.resources.get(addr)?;
        if block.count.is_some() || block.for_each.is_some() {
            return self.counted_values().get(addr);
        }
        let &[i] = self.by_block.get(addr)?.as_slice() else {
            return None;
        };
        Some(&self.instances[i].view)
    }
}

/// For one (type, attribute): the instances whose configuration refers to each
/// block, and those whose (known) value names each id or arn.
#[derive(Default)]
struct Reverse {
    by_target: HashMap<ResourceAddr, Vec<usize>>,
    by_value: HashMap<String, Vec<usize>>,
    known: std::collections::HashSet<usize>,
}

impl Reverse {
    /// Files candidate `c` under the ids its known value at `path` names.
    fn add_values(&mut self, c: usize, view: &Value, path: &str) {
        let values = path_values(view, path);
        if !values.is_empty() && values.iter().all(|v| v.is_wholly_known()) {
            self.known.insert(c);
            for s in values.iter().flat_map(|v| strings(v)) {
                self.by_value.entry(s.to_string()).or_default().push(c);
            }
        }
    }

    /// Undoes [`Reverse::add_values`] for `c` with the same `view`.
    fn remove_values(&mut self, c: usize, view: &Value, path: &str) {
        if !self.known.remove(&c) {
            return;
        }
        for s in path_values(view, path).iter().flat_map(|v| strings(v)) {
            if let Some(list) = self.by_value.get_mut(s) {
                list.retain(|&x| x != c);
            }
        }
    }
}

impl<'s> Index<'s> {
    /// Puts `data` in place of instance `i` (its values changed during apply),
    /// keeping every lookup current at the cost of that one instance.
    pub fn replace(&mut self, i: usize, data: InstanceData) {
        let old = std::mem::replace(&mut self.instances[i], data);
        let new = &self.instances[i];
        for id in idents(&old.view) {
            if let Some(list) = self.by_ident.get_mut(id) {
                list.retain(|&x| x != i);
            }
        }
        for id in idents(&new.view) {
            self.by_ident.entry(id.to_string()).or_default().push(i);
        }
        let type_name = &new.addr.resource.type_name;
        self.reverse.get_mut().retain(|(t, path), rev| {
            if t != type_name {
                return true;
            }
            // A cache still lent out cannot be patched: drop it, it is rebuilt on use.
            let Some(rev) = Arc::get_mut(rev) else {
                return false;
            };
            rev.remove_values(i, &old.view, path);
            rev.add_values(i, &new.view, path);
            true
        });
        let patched = self.view_values.get_mut().is_some_and(|blocks| {
            let block = &self.stack.resources[&new.addr.resource];
            blocks.get_mut(&new.addr.resource).is_some_and(|value| {
                set_instance_value(block, value, &new.addr.key, new.view.clone())
            })
        });
        if !patched {
            self.view_values.take();
        }
    }

    pub fn new(stack: &'s Stack, instances: Vec<InstanceData>) -> Index<'s> {
        Index::with_refs(stack, instances, block_refs(stack))
    }

    /// [`Index::new`] with the stack's [`block_refs`], already built.
    pub fn with_refs(stack: &'s Stack, instances: Vec<InstanceData>, refs: BlockRefs) -> Index<'s> {
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_block: HashMap<ResourceAddr, Vec<usize>> = HashMap::new();
        let mut by_ident: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, inst) in instances.iter().enumerate() {
            if inst.addr.resource.mode == Mode::Managed {
                by_type
                    .entry(inst.addr.resource.type_name.clone())
                    .or_default()
                    .push(i);
            }
            by_block
                .entry(inst.addr.resource.clone())
                .or_default()
                .push(i);
            for ident in idents(&inst.view) {
                by_ident.entry(ident.to_string()).or_default().push(i);
            }
        }
        Index {
            stack,
            instances,
            by_type,
            by_block,
            by_ident,
            refs,
            view_values: Default::default(),
            reverse: Default::default(),
        }
    }

    /// Each block's value from its instances' views, as conditions refer to it.
    pub fn view_values(&self) -> &dyn BlockValues {
        self
    }

    /// The values of blocks with `count` or `for_each` (a list or map of their
    /// instances' views), built once on first use.
    fn counted_values(&self) -> &BTreeMap<ResourceAddr, Value> {
        self.view_values.get_or_init(|| {
            let mut out = BTreeMap::new();
            for (addr, idxs) in &self.by_block {
                let Some(block) = self.stack.resources.get(addr) else {
                    continue;
                };
                if block.count.is_none() && block.for_each.is_none() {
                    continue;
                }
                let items = idxs
                    .iter()
                    .map(|&i| {
                        let inst = &self.instances[i];
                        (inst.addr.key.clone(), inst.view.clone())
                    })
                    .collect();
                out.insert(addr.clone(), block_value(block, items));
            }
            out
        })
    }

    pub fn position(&self, addr: &InstanceAddr) -> Option<usize> {
        self.by_block
            .get(&addr.resource)?
            .iter()
            .copied()
            .find(|&i| self.instances[i].addr == *addr)
    }

    fn of_type(&self, type_name: &str) -> &[usize] {
        self.by_type
            .get(type_name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// `referrers(TYPE, ATTRIBUTE)` for instance `me`: a TYPE instance refers to
    /// `me` when its ATTRIBUTE equals `me`'s id or arn, once both are known;
    /// otherwise when its configuration refers to `me`'s block.
    pub fn referrers(&self, me: usize, type_name: &str, path: &str) -> Vec<usize> {
        let mine = &self.instances[me];
        let my_idents: Vec<&str> = idents(&mine.view);
        let rev = self.reverse(type_name, path);
        let mut out: Vec<usize> = rev
            .by_target
            .get(&mine.addr.resource)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| my_idents.is_empty() || !rev.known.contains(c))
            .collect();
        for id in &my_idents {
            out.extend(rev.by_value.get(*id).into_iter().flatten().copied());
        }
        out.retain(|&c| c != me);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Who refers to whom through `path` among the instances of `type_name`, built
    /// once per (type, attribute) so that cross-resource policies stay linear.
    fn reverse(&self, type_name: &str, path: &str) -> Arc<Reverse> {
        let key = (type_name.to_string(), path.to_string());
        if let Some(r) = self.reverse.borrow().get(&key) {
            return r.clone();
        }
        let mut rev = Reverse::default();
        for &c in self.of_type(type_name) {
            let cand = &self.instances[c];
            rev.add_values(c, &cand.view, path);
            if let Some(targets) = self.refs.get(&cand.addr.resource).and_then(|p| p.get(path)) {
                for t in targets {
                    rev.by_target.entry(t.clone()).or_default().push(c);
                }
            }
        }
        let rev = Arc::new(rev);
        self.reverse.borrow_mut().insert(key, rev.clone());
        rev
    }

    /// `referenced(ATTRIBUTE [, TYPE])` for instance `me`.
    pub fn referenced(&self, me: usize, path: &str, type_name: Option<&str>) -> Vec<usize> {
        let mine = &self.instances[me];
        let blocks = self.refs.get(&mine.addr.resource).and_then(|p| p.get(path));
        let by_reference: Vec<usize> = blocks
            .into_iter()
            .flatten()
            .flat_map(|b| self.by_block.get(b).into_iter().flatten().copied())
            .filter(|&i| i != me)
            .collect();
        let values = path_values(&mine.view, path);
        let known: Vec<&str> = if !values.is_empty() && values.iter().all(|v| v.is_wholly_known()) {
            values.iter().flat_map(|v| strings(v)).collect()
        } else {
            Vec::new()
        };
        let mut found = if known.is_empty() {
            by_reference
        } else {
            let exact: Vec<usize> = by_reference
                .iter()
                .copied()
                .filter(|&i| {
                    idents(&self.instances[i].view)
                        .iter()
                        .any(|id| known.contains(id))
                })
                .collect();
            if !exact.is_empty() {
                exact
            } else {
                let mut by_value: Vec<usize> = known
                    .iter()
                    .flat_map(|k| self.by_ident.get(*k).into_iter().flatten().copied())
                    .filter(|&i| i != me)
                    .collect();
                by_value.sort_unstable();
                by_value.dedup();
                by_value
            }
        };
        if let Some(t) = type_name {
            found.retain(|&i| self.instances[i].addr.resource.type_name == t);
        }
        found
    }

    fn views(&self, idxs: &[usize]) -> Value {
        Value::List(
            idxs.iter()
                .map(|&i| self.instances[i].view.clone())
                .collect(),
        )
    }
}

/// Sets one instance's value inside its block's value; false when the block's
/// value does not have that instance's slot.
fn set_instance_value(
    block: &ResourceBlock,
    value: &mut Value,
    key: &InstanceKey,
    new: Value,
) -> bool {
    let slot = match (key, value) {
        (InstanceKey::None, v) if block.count.is_none() && block.for_each.is_none() => Some(v),
        (InstanceKey::Int(i), Value::List(items)) => {
            usize::try_from(*i).ok().and_then(|i| items.get_mut(i))
        }
        (InstanceKey::Str(k), Value::Object(map)) => map.get_mut(k),
        _ => None,
    };
    slot.map(|s| *s = new).is_some()
}

/// Known `id` and `arn` of an instance: how other resources name it.
fn idents(view: &Value) -> Vec<&str> {
    ["id", "arn"]
        .iter()
        .filter_map(|k| view.get(k).as_str())
        .filter(|s| !s.is_empty())
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::List(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// The values at a dotted attribute path, through nested block lists.
fn path_values<'v>(v: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![v];
    for step in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v.get(step) {
                Value::List(items)
                    if items.iter().all(|i| matches!(i, Value::Object(_))) && !items.is_empty() =>
                {
                    next.extend(items.iter())
                }
                Value::Null => {}
                other => next.push(other),
            }
        }
        current = next;
    }
    current
}

/// Block → attribute path → the resource blocks its expression refers to.
/// Block → attribute path → the blocks it refers to (sorted, once each). Only
/// blocks and paths that refer to something are present.
pub type BlockRefs = HashMap<ResourceAddr, HashMap<String, Vec<ResourceAddr>>>;

/// What each resource block's attributes refer to, directly or through locals.
pub fn block_refs(stack: &Stack) -> BlockRefs {
    let mut locals = HashMap::new();
    stack
        .resources
        .iter()
        .map(|(addr, block)| {
            let mut paths = HashMap::new();
            attribute_refs(stack, &block.body.body, "", &mut locals, &mut paths);
            // Sets are built per block, then kept as vectors: a B-tree node holds
            // room for eleven addresses, however few a path refers to.
            let paths: HashMap<String, Vec<ResourceAddr>> = paths
                .into_iter()
                .map(|(path, set)| (path, set.into_iter().collect()))
                .collect();
            (addr.clone(), paths)
        })
        .filter(|(_, paths)| !paths.is_empty())
        .collect()
}

/// The resource blocks `exprs` refer to, directly or through locals.
pub fn expr_refs<'e>(
    stack: &Stack,
    exprs: impl IntoIterator<Item = &'e Expression>,
) -> BTreeSet<ResourceAddr> {
    let found = exprs
        .into_iter()
        .flat_map(|e| refs::references(e).into_iter().map(|(r, _)| r))
        .collect();
    resolve(stack, found, &mut HashMap::new(), &mut Vec::new())
}

/// Fills `out` with attribute path → referenced resource blocks (through locals).
fn attribute_refs(
    stack: &Stack,
    body: &Body,
    prefix: &str,
    locals: &mut HashMap<String, BTreeSet<ResourceAddr>>,
    out: &mut HashMap<String, BTreeSet<ResourceAddr>>,
) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let path = format!("{prefix}{}", attr.key.as_str());
                let found = resolve(
                    stack,
                    refs::references(&attr.value)
                        .into_iter()
                        .map(|(r, _)| r)
                        .collect(),
                    locals,
                    &mut Vec::new(),
                );
                // Only paths that refer to something: most do not, and a key per
                // attribute of every block was a large share of a check's memory.
                if !found.is_empty() {
                    out.entry(path).or_default().extend(found);
                }
            }
            Structure::Block(block) => {
                let path = format!("{prefix}{}", block.ident.as_str());
                let mut inner = HashMap::new();
                attribute_refs(stack, &block.body, &format!("{path}."), locals, &mut inner);
                let all: BTreeSet<ResourceAddr> = inner.values().flatten().cloned().collect();
                if !all.is_empty() {
                    out.entry(path).or_default().extend(all);
                }
                for (k, v) in inner {
                    out.entry(k).or_default().extend(v);
                }
            }
        }
    }
}

fn resolve(
    stack: &Stack,
    found: Vec<Ref>,
    locals: &mut HashMap<String, BTreeSet<ResourceAddr>>,
    active: &mut Vec<String>,
) -> BTreeSet<ResourceAddr> {
    let mut out = BTreeSet::new();
    for r in found {
        match r {
            Ref::Resource(addr) => {
                out.insert(addr);
            }
            Ref::Local(name) => {
                if let Some(done) = locals.get(&name) {
                    out.extend(done.iter().cloned());
                    continue;
                }
                let Some(local) = stack.locals.get(&name) else {
                    continue;
                };
                if active.contains(&name) {
                    continue;
                }
                active.push(name.clone());
                let inner = resolve(
                    stack,
                    refs::references(&local.expr.expr)
                        .into_iter()
                        .map(|(r, _)| r)
                        .collect(),
                    locals,
                    active,
                );
                active.pop();
                out.extend(inner.iter().cloned());
                locals.insert(name, inner);
            }
            _ => {}
        }
    }
    out
}

/// The policy names for one instance: an [`Extension`] of the evaluator.
pub struct PolicyScope<'i, 's> {
    pub index: &'i Index<'s>,
    pub me: usize,
}

impl Extension for PolicyScope<'_, '_> {
    fn root(&self, name: &str, next: Option<&str>) -> Option<(Value, usize)> {
        match name {
            "resources" => Some(match next {
                Some(ty) => (self.index.views(self.index.of_type(ty)), 1),
                None => {
                    let mut types: BTreeMap<String, Value> = BTreeMap::new();
                    for (ty, idxs) in &self.index.by_type {
                        types.insert(ty.clone(), self.index.views(idxs));
                    }
                    (Value::Object(types), 0)
                }
            }),
            "resource" => {
                let addr = &self.index.instances[self.me].addr;
                Some((
                    Value::Object(crate::object! {
                        "type" => addr.resource.type_name.clone(),
                        "name" => addr.resource.name.clone(),
                        "address" => addr.to_string(),
                    }),
                    0,
                ))
            }
            _ => None,
        }
    }

    fn claims(&self, name: &str) -> bool {
        matches!(name, "resources" | "resource")
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let text = |i: usize, what: &str| -> Result<&str, String> {
            args.get(i)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{name}: argument {} ({what}) must be a string", i + 1))
        };
        Some(match name {
            "alltrue" | "anytrue" => fold_bools(name, args),
            "configured" => match args {
                [v] => Ok(Value::Bool(configured(v))),
                _ => Err("configured takes one value".into()),
            },
            "referrers" => {
                if args.len() != 2 {
                    return Some(Err("referrers takes a resource type and an attribute name: referrers(\"aws_s3_bucket_policy\", \"bucket\")".into()));
                }
                text(0, "resource type").and_then(|ty| {
                    text(1, "attribute")
                        .map(|attr| self.index.views(&self.index.referrers(self.me, ty, attr)))
                })
            }
            "referenced" => {
                if args.is_empty() || args.len() > 2 {
                    return Some(Err("referenced takes an attribute name and optionally a resource type: referenced(\"volume_id\")".into()));
                }
                let ty = if args.len() == 2 {
                    Some(text(1, "resource type"))
                } else {
                    None
                };
                match (text(0, "attribute"), ty.transpose()) {
                    (Ok(attr), Ok(ty)) => {
                        Ok(self.index.views(&self.index.referenced(self.me, attr, ty)))
                    }
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            _ => return super::functions::call(name, args),
        })
    }
}

/// `configured(value)`: the value is set, to something other than null or "".
/// A value known only after apply counts as set: a reference such as
/// `aws_kms_key.ebs.arn` names a value that will exist.
fn configured(v: &Value) -> bool {
    !matches!(v, Value::Null) && v.as_str() != Some("")
}

/// alltrue / anytrue with Terraform's handling of unknown elements.
fn fold_bools(name: &str, args: &[Value]) -> Result<Value, String> {
    let [list] = args else {
        return Err(format!("{name} takes one list of bools"));
    };
    let items = match list {
        Value::Unknown => return Ok(Value::Unknown),
        Value::List(items) => items,
        other => {
            return Err(format!(
                "{name}: the argument must be a list of bools, got {}",
                other.type_name()
            ))
        }
    };
    let all = name == "alltrue";
    let (mut unknown, mut undecided) = (false, false);
    for item in items {
        match item {
            Value::Bool(b) if *b != all => return Ok(Value::Bool(!all)),
            Value::Bool(_) => {}
            Value::Unknown => unknown = true,
            // A condition's "cannot be decided" stays so unless another decides.
            Value::Null => undecided = true,
            other => {
                return Err(format!(
                    "{name}: every element must be a bool, got {}",
                    other.type_name()
                ))
            }
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else if undecided {
        Value::Null
    } else {
        Value::Bool(all)
    })
}
