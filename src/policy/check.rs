//! `recon check`: policies over a stack without AWS or state. Every resource is
//! planned as if it were created: values come from the configuration and defaults,
//! attributes AWS computes (and everything read by data sources) are unknown. Local
//! modules the stack calls are checked as stacks of their own ([`super::modules`]).

use super::context::{
    block_refs, collect, decode_json_attributes, expr_refs, unsupported_note, BlockRefs, Index,
    InstanceData,
};
use super::modules::{self, Cx, Place};
use super::{eval, source, Finding, Note, Outcome, PolicySet, Report};
use crate::addr::{Mode, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::vars::{self, VarInputs};
use crate::config::{body, Stack};
use crate::diag::{Diag, Diags};
use crate::graph::{ConfigGraph, Node};
use crate::plan::diff::{self, DiffOptions};
use crate::plan::planner::{block_value, expand, schema_of, unread_data};
use crate::provider::{Provider, Schema};
use crate::value::{Object, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A stack directory as `recon check` reads it: what could be read, and notes for
/// the rest.
pub struct Loaded {
    pub stack: Stack,
    pub graph: ConfigGraph,
    /// Files that could not be parsed (nothing of them is checked).
    pub parse_errors: Vec<Note>,
    pub notes: Vec<Note>,
}

/// Loads `dir` for a check: only a directory that cannot be read is an error.
pub fn load(dir: &Path) -> Result<Loaded, Diags> {
    let read = Stack::load_tolerant(dir)?;
    let mut loaded = Loaded::new(read.stack);
    let mut notes: Vec<Note> = read.repairs.into_iter().map(|d| note(d, false)).collect();
    notes.extend(read.mistakes.into_iter().map(|d| note(d, true)));
    loaded.notes.splice(0..0, notes);
    loaded.parse_errors = read
        .parse_errors
        .into_iter()
        .map(|d| note(d, true))
        .collect();
    Ok(loaded)
}

impl Loaded {
    /// A stack read some other way (tests build one from sources).
    pub fn new(stack: Stack) -> Loaded {
        let (graph, cycles) = ConfigGraph::build_tolerant(&stack);
        let notes = cycles
            .into_iter()
            .map(|mut d| {
                d.message = format!(
                    "{}: checked with what they read from each other unknown",
                    d.message
                );
                note(d, true)
            })
            .collect();
        Loaded {
            stack,
            graph,
            parse_errors: Vec::new(),
            notes,
        }
    }
}

/// A diagnostic of the input as a note; a mistake's help says how to fix it.
fn note(d: Diag, invalid: bool) -> Note {
    Note {
        address: None,
        location: d.location.clone(),
        message: match &d.help {
            Some(help) if invalid => format!("{} ({help})", d.message),
            _ => d.message.clone(),
        },
        invalid,
    }
}

/// Evaluates `policies` over the stack statically, and over the modules it calls.
pub fn check_stack(
    loaded: &Loaded,
    vars: &Object,
    provider: &dyn Provider,
    policies: &PolicySet,
) -> Result<Report, Diags> {
    let cx = Cx::new(provider, policies, &loaded.stack.dir);
    let mut report = Report {
        policies: policies.clone(),
        ..Report::default()
    };
    check_in(
        &cx,
        loaded,
        vars,
        &Place::root(&loaded.stack.dir),
        &mut report,
    )?;
    Ok(report)
}

/// Checks one stack (the root or one module instance, at `place`) into `report`,
/// then the modules it calls.
pub(super) fn check_in(
    cx: &Cx,
    loaded: &Loaded,
    vars: &Object,
    place: &Place,
    report: &mut Report,
) -> Result<(), Diags> {
    let stack = &loaded.stack;
    let sources = source::scan(stack, cx.policies)?;
    let mut notes = loaded.notes.clone();
    let refs = block_refs(stack);
    let (instances, values) =
        static_plan(stack, &loaded.graph, vars, cx.provider, &refs, &mut notes);
    let index = Index::with_refs(stack, instances, refs);
    let mut findings = eval::evaluate(cx.policies, vars, &index, &sources, None);
    unread_detail(&mut findings, &notes);
    report.instances += index
        .instances
        .iter()
        .filter(|i| i.addr.resource.mode == Mode::Managed)
        .count();
    for f in &mut findings {
        f.module.clone_from(&place.module);
    }
    // The root's findings become the report's as they are: a copy would hold two
    // vectors of every finding at once.
    if report.findings.is_empty() {
        report.findings = findings;
    } else {
        report.findings.extend(findings);
    }
    report
        .notes
        .extend(notes.into_iter().map(|n| place.note(n)));
    report
        .parse_errors
        .extend(loaded.parse_errors.iter().cloned().map(|n| place.note(n)));
    modules::check_calls(cx, stack, vars, &values, place, report)
}

/// An UNKNOWN of a resource with values that could not be read may come from
/// them rather than from apply: the detail names the first.
fn unread_detail(findings: &mut [Finding], notes: &[Note]) {
    for f in findings
        .iter_mut()
        .filter(|f| f.outcome == Outcome::Unknown)
    {
        let address = f.address.to_string();
        let unread = notes
            .iter()
            .find(|n| n.invalid && n.address.as_deref() == Some(address.as_str()));
        if let Some(n) = unread {
            f.detail = Some(format!(
                "depends on values known only after apply, or not read here: {} ({})",
                n.message.strip_prefix("unknown: ").unwrap_or(&n.message),
                n.location.as_deref().unwrap_or_default()
            ));
        }
    }
}

/// Evaluates every block in dependency order, as a plan with no prior state would;
/// returns the instances and, when the stack calls modules, every block's value
/// (what module arguments see).
fn static_plan(
    stack: &Stack,
    graph: &ConfigGraph,
    vars: &Object,
    provider: &dyn Provider,
    refs: &BlockRefs,
    notes: &mut Vec<Note>,
) -> (Vec<InstanceData>, BTreeMap<ResourceAddr, Value>) {
    let mut values: BTreeMap<ResourceAddr, Value> = BTreeMap::new();
    let mut readers = Readers::new(stack, refs);
    let mut out = Vec::new();
    for node in graph.order() {
        let Node::Resource(addr) = node else { continue };
        let wanted = readers.wanted(&addr);
        let value = plan_block(
            stack, &addr, vars, provider, &values, wanted, &mut out, notes,
        );
        readers.evaluated(&addr, &mut values);
        if let Some(value) = value.filter(|_| wanted) {
            values.insert(addr, value);
        }
    }
    (out, values)
}

/// Plans the instances of one block into `out`; returns the block's value as
/// others read it (None when its type is not supported), built only if `wanted`.
#[allow(clippy::too_many_arguments)]
fn plan_block(
    stack: &Stack,
    addr: &ResourceAddr,
    vars: &Object,
    provider: &dyn Provider,
    values: &BTreeMap<ResourceAddr, Value>,
    wanted: bool,
    out: &mut Vec<InstanceData>,
    notes: &mut Vec<Note>,
) -> Option<Value> {
    let block = &stack.resources[addr];
    let Some(schema) = schema_of(provider, addr) else {
        notes.push(unsupported_note(block));
        return None;
    };
    // Arguments recon does not model (a Terraform file may set more): noted,
    // and read as written for policies (see `unmodelled`).
    for d in body::check(schema, &block.body, &addr.to_string(), &block.span) {
        notes.push(Note {
            address: Some(addr.to_string()),
            location: d.location.clone(),
            message: format!("not modelled (policies read it as written): {}", d.message),
            invalid: false,
        });
    }
    let scope = Scope::new(stack, vars, values);
    let instances = match expand(block, &scope) {
        Ok(i) => i,
        Err(d) => {
            notes.push(Note::not_checked(addr, &d, true));
            return Some(Value::Unknown);
        }
    };
    let mut block_values = Vec::new();
    for instance in instances {
        let iaddr = addr.instance(instance.key.clone());
        let iscope = scope.for_instance(instance.count_index, instance.each.clone());
        let mut errors = Vec::new();
        let config = body::evaluate_tolerant(schema, &block.body, &iscope, &mut errors);
        for d in errors {
            notes.push(Note {
                address: Some(iaddr.to_string()),
                location: d.location.clone(),
                message: format!("unknown: {}", d.message),
                invalid: true,
            });
        }
        // Policies still judge the value (canonical, as AWS would store it).
        for d in body::check_values(schema, &block.body, &iscope, &iaddr.to_string()) {
            let note = Note {
                address: Some(iaddr.to_string()),
                location: d.location.clone(),
                message: format!(
                    "invalid: {} ({})",
                    d.message,
                    d.help.as_deref().unwrap_or_default()
                ),
                invalid: false,
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let after = planned(schema, addr.mode, &config);
        if wanted {
            block_values.push((instance.key, Value::Object(after.clone())));
        }
        let mut data = InstanceData::new(iaddr, Some(schema), Ok(config), after);
        if addr.mode == Mode::Managed {
            decode_json_attributes(schema, Some((block, &iscope)), &mut data.view);
            unmodelled(schema, &block.body, &iscope, &mut data.view);
        }
        out.push(data);
    }
    Some(block_value(block, block_values))
}

/// How many blocks still have to read each block's value: a value nobody reads
/// any more is dropped, so that a check holds the values of the blocks in flight
/// rather than a second copy of every planned object. Module arguments may read
/// any block: with module calls, every value is kept.
struct Readers {
    /// Block → the blocks it reads (through locals too); None keeps every value.
    reads: Option<HashMap<ResourceAddr, BTreeSet<ResourceAddr>>>,
    pending: HashMap<ResourceAddr, usize>,
}

impl Readers {
    fn new(stack: &Stack, refs: &BlockRefs) -> Readers {
        if !stack.modules.is_empty() {
            return Readers {
                reads: None,
                pending: HashMap::new(),
            };
        }
        let mut reads = HashMap::with_capacity(stack.resources.len());
        let mut pending: HashMap<ResourceAddr, usize> = HashMap::new();
        for (addr, block) in &stack.resources {
            let mut read: BTreeSet<ResourceAddr> = refs
                .get(addr)
                .into_iter()
                .flat_map(HashMap::values)
                .flatten()
                .cloned()
                .collect();
            let meta = block.count.iter().chain(&block.for_each).map(|e| &e.expr);
            read.extend(expr_refs(stack, meta));
            for r in &read {
                *pending.entry(r.clone()).or_default() += 1;
            }
            reads.insert(addr.clone(), read);
        }
        Readers {
            reads: Some(reads),
            pending,
        }
    }

    /// `addr` has read what it reads: drops the values no one else will read.
    fn evaluated(&mut self, addr: &ResourceAddr, values: &mut BTreeMap<ResourceAddr, Value>) {
        let Some(read) = self.reads.as_mut().and_then(|r| r.remove(addr)) else {
            return;
        };
        for r in read {
            if let Some(n) = self.pending.get_mut(&r) {
                *n -= 1;
                if *n == 0 {
                    values.remove(&r);
                }
            }
        }
    }

    /// Whether a block's value will be read after it is evaluated.
    fn wanted(&self, addr: &ResourceAddr) -> bool {
        self.reads.is_none() || self.pending.get(addr).is_some_and(|&n| n > 0)
    }
}

/// Arguments and blocks of a Terraform file that recon does not model (a bucket's
/// legacy inline `policy`, `cors_rule` or `logging`) are never sent to AWS, but
/// a static check must still see what they say: they join the view as written,
/// blocks as lists of objects, a value that cannot be evaluated unknown, and a
/// `policy` / `*_policy` string that holds a JSON object decoded (as modelled
/// JSON attributes are; text that is not valid JSON stays text, which
/// `statements()` refuses).
fn unmodelled(schema: &Schema, body: &crate::config::BodyIn, scope: &Scope, view: &mut Value) {
    use hcl_edit::structure::Structure;
    let Value::Object(obj) = view else { return };
    for structure in body.body.iter() {
        let dynamic = match structure {
            Structure::Block(b) if b.ident.as_str() == "dynamic" => Some(b),
            _ => None,
        };
        let key = match structure {
            Structure::Attribute(a) => a.key.as_str(),
            Structure::Block(b) => match dynamic {
                Some(d) => d.labels.first().map_or("dynamic", |l| l.as_str()),
                None => b.ident.as_str(),
            },
        };
        if schema.attribute(key).is_some()
            || schema.block(key).is_some()
            || matches!(key, "dynamic" | "provisioner" | "connection")
        {
            continue;
        }
        let items = match (structure, dynamic) {
            (Structure::Attribute(a), _) => {
                obj.insert(key.to_string(), written(&body.file, key, &a.value, scope));
                continue;
            }
            (_, Some(d)) => written_dynamic(&body.file, d, scope),
            (Structure::Block(b), None) => Some(vec![written_block(&body.file, &b.body, scope)]),
        };
        let entry = obj
            .entry(key.to_string())
            .or_insert_with(|| Value::List(Vec::new()));
        match (items, &mut *entry) {
            (Some(items), Value::List(list)) => list.extend(items),
            // An unknown for_each: how many blocks there are is unknown.
            (None, _) => *entry = Value::Unknown,
            (Some(_), Value::Unknown) => {}
            (Some(items), other) => *other = Value::List(items),
        }
    }
}

/// The blocks a `dynamic` block of an unmodelled type generates, as written;
/// None when its for_each is not known here.
fn written_dynamic(
    file: &std::sync::Arc<crate::diag::SourceFile>,
    block: &hcl_edit::structure::Block,
    scope: &Scope,
) -> Option<Vec<Value>> {
    let for_each = block.body.get_attribute("for_each")?;
    let content = block.body.get_blocks("content").next()?;
    let iterator = crate::config::body::dynamic_iterator(block)?;
    let pairs: Vec<(Value, Value)> = match scope.eval_in(file, &for_each.value).ok()? {
        Value::Null => Vec::new(),
        Value::List(items) => (0..).map(Value::from).zip(items).collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (Value::String(k), v))
            .collect(),
        _ => return None,
    };
    let items = pairs.into_iter().map(|(key, value)| {
        let element = Value::Object(crate::object! {"key" => key, "value" => value});
        written_block(file, &content.body, &scope.with_binding(&iterator, element))
    });
    Some(items.collect())
}

fn written(
    file: &std::sync::Arc<crate::diag::SourceFile>,
    key: &str,
    expr: &hcl_edit::expr::Expression,
    scope: &Scope,
) -> Value {
    let value = scope.eval_in(file, expr).unwrap_or(Value::Unknown);
    match &value {
        Value::String(text) if key == "policy" || key.ends_with("_policy") => {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(json @ serde_json::Value::Object(_)) => Value::from_json(&json),
                _ => value,
            }
        }
        _ => value,
    }
}

fn written_block(
    file: &std::sync::Arc<crate::diag::SourceFile>,
    body: &hcl_edit::structure::Body,
    scope: &Scope,
) -> Value {
    use hcl_edit::structure::Structure;
    let mut obj = Object::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let key = a.key.as_str();
                obj.insert(key.to_string(), written(file, key, &a.value, scope));
            }
            Structure::Block(b) => {
                let item = written_block(file, &b.body, scope);
                match obj
                    .entry(b.ident.as_str().to_string())
                    .or_insert_with(|| Value::List(Vec::new()))
                {
                    Value::List(items) => items.push(item),
                    other => *other = Value::List(vec![item]),
                }
            }
        }
    }
    Value::Object(obj)
}

fn planned(schema: &Schema, mode: Mode, config: &Object) -> Object {
    match mode {
        Mode::Data => unread_data(schema, config),
        Mode::Managed => diff::plan_object(schema, config, None, &DiffOptions::default()).after,
    }
}

/// Variables as `recon check` takes them: like plan, except that a variable whose
/// value cannot be had (none anywhere, a default that does not evaluate, convert
/// or validate) is unknown, with a note, instead of stopping the check: only the
/// values that read it are affected.
pub fn lenient_vars(stack: &Stack, inputs: &VarInputs) -> Result<(Object, Vec<Note>), Diags> {
    let (values, unread) = vars::resolve_tolerant(stack, inputs)?;
    let notes = unread
        .into_iter()
        .map(|(name, d)| {
            let no_value = d.message.ends_with("has no value");
            let why = match &d.help {
                Some(help) if !no_value => format!("{} ({help})", d.message),
                _ => d.message.clone(),
            };
            Note {
                address: None,
                location: d.location.clone(),
                message: if no_value {
                    format!("variable \"{name}\" has no value: treated as unknown (pass --var {name}=... to check with a value)")
                } else {
                    format!("{why}: variable \"{name}\" treated as unknown")
                },
                // A value that is there but cannot be read is input recon could not read.
                invalid: !no_value,
            }
        })
        .collect();
    Ok((values, notes))
}

/// The instances of a plan, as policies see them.
pub fn plan_instances(
    stack: &Stack,
    vars: &Object,
    provider: &dyn Provider,
    values: &BTreeMap<ResourceAddr, Value>,
    notes: &mut Vec<Note>,
) -> Vec<InstanceData> {
    collect(
        stack,
        vars,
        &|addr| schema_of(provider, addr),
        values,
        notes,
    )
}
