//! Makes a plan: refresh what state knows, evaluate the configuration in dependency
//! order, and decide an action for every resource instance.

use super::diff::{self, DiffOptions};
use super::{Action, Drift, OutputChange, Plan, Reason, ResourceChange};
use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::{body, ResourceBlock, Stack};
use crate::diag::{did_you_mean, Diag, Diags};
use crate::graph::{ConfigGraph, Node};
use crate::provider::{EncryptionScans, LossContext, Provider, ProviderError, Schema, StateObject};
use crate::state::State;
use crate::value::{Object, Value};
use std::collections::{BTreeMap, BTreeSet};

pub use crate::config::instances::{expand_meta, Instance};

#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// Plan to destroy everything in state.
    pub destroy: bool,
    /// Read every resource in state from AWS first.
    pub refresh: bool,
    /// Instances to replace even though nothing forces it (`--replace`).
    pub replace: Vec<InstanceAddr>,
    /// Plan only these (`--target`; an address without a key means every instance),
    /// with what they depend on — or, when destroying, what depends on them.
    pub targets: Vec<InstanceAddr>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            destroy: false,
            refresh: true,
            replace: Vec::new(),
            targets: Vec::new(),
        }
    }
}

/// Checks every block against the provider's schemas; no AWS calls.
pub fn validate(stack: &Stack, provider: &dyn Provider) -> Result<(), Diags> {
    let mut errors = Vec::new();
    // Values written out (no references) can be judged before anything is known.
    let (no_vars, no_values) = (Object::new(), BTreeMap::new());
    let literal = Scope::new(stack, &no_vars, &no_values);
    // Everything else as unknown values of the right shape: function names,
    // literal types and the attributes a reference reads are judged as plan would.
    let unknown_vars: Object = stack
        .variables
        .keys()
        .map(|name| (name.clone(), Value::Unknown))
        .collect();
    let shapes: BTreeMap<ResourceAddr, Value> = stack
        .resources
        .iter()
        .filter_map(|(addr, block)| {
            Some((
                addr.clone(),
                unknown_shape(block, schema_of(provider, addr)?),
            ))
        })
        .collect();
    let shaped = Scope::new(stack, &unknown_vars, &shapes);
    for (addr, block) in &stack.resources {
        let literal = literal.in_module(&addr.module);
        let shaped = shaped.in_module(&addr.module);
        match schema_of(provider, addr) {
            Some(schema) => {
                let what = addr.to_string();
                let checked = body::check(schema, &block.body, &what, &block.span);
                let structure_ok = checked.is_empty();
                errors.extend(checked);
                errors.extend(body::check_values(schema, &block.body, &literal, &what));
                // A count written out (or from a variable's default) is judged now.
                if let Some(count) = &block.count {
                    if matches!(literal.eval(count), Ok(Value::Number(_))) {
                        if let Err(d) = expand_meta(addr, Some(count), None, &literal) {
                            errors.push(d);
                        }
                    }
                }
                if structure_ok {
                    let each = block
                        .for_each
                        .as_ref()
                        .map(|_| (Value::Unknown, Value::Unknown));
                    let count_index = block.count.as_ref().map(|_| 0);
                    let scope = shaped.for_instance(count_index, each);
                    if let Err(d) = body::evaluate(schema, &block.body, &scope) {
                        errors.push(d);
                    }
                }
            }
            None => {
                let (kind, known) = match addr.mode {
                    Mode::Managed => ("resource", provider.resource_schemas()),
                    Mode::Data => ("data source", provider.data_source_schemas()),
                };
                let d = Diag::at(
                    &block.span,
                    format!("unsupported {kind} type \"{}\"", addr.type_name),
                    "unknown type",
                );
                errors.push(
                    match did_you_mean(&addr.type_name, known.iter().map(|s| s.type_name)) {
                        Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                        None => d.with_help(format!(
                            "supported {kind} types: {}",
                            known
                                .iter()
                                .map(|s| s.type_name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    },
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors))
    }
}

/// A block's value before anything is known: every attribute and nested block of
/// its schema unknown (so that reading one it lacks is an error), or wholly
/// unknown when `count`/`for_each` make its shape a collection.
fn unknown_shape(block: &ResourceBlock, schema: &Schema) -> Value {
    if block.count.is_some() || block.for_each.is_some() {
        return Value::Unknown;
    }
    let names = schema.attributes.iter().map(|a| a.name);
    let blocks = schema.blocks.iter().map(|b| b.name);
    Value::Object(
        names
            .chain(blocks)
            .map(|name| (name.to_string(), Value::Unknown))
            .collect(),
    )
}

pub fn schema_of(provider: &dyn Provider, addr: &ResourceAddr) -> Option<&'static Schema> {
    match addr.mode {
        Mode::Managed => provider.resource(&addr.type_name).map(|r| r.schema()),
        Mode::Data => provider.data_source(&addr.type_name).map(|d| d.schema()),
    }
}

/// Expands `count` / `for_each`; both must be known at plan time.
pub fn expand(block: &ResourceBlock, scope: &Scope) -> Result<Vec<Instance>, Diag> {
    expand_meta(
        &block.addr,
        block.count.as_ref(),
        block.for_each.as_ref(),
        scope,
    )
}

/// The value other blocks see for a resource: an object, or a list / map of them.
pub fn block_value(block: &ResourceBlock, instances: Vec<(InstanceKey, Value)>) -> Value {
    if block.count.is_some() {
        Value::List(instances.into_iter().map(|(_, v)| v).collect())
    } else if block.for_each.is_some() {
        Value::Object(
            instances
                .into_iter()
                .filter_map(|(k, v)| match k {
                    InstanceKey::Str(s) => Some((s, v)),
                    _ => None,
                })
                .collect(),
        )
    } else {
        instances
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or(Value::Null)
    }
}

/// A data source's value before it can be read: configuration plus unknown results.
pub fn unread_data(schema: &Schema, config: &Object) -> Object {
    let mut out = config.clone();
    for attr in schema.attributes {
        if attr.is_computed() && config.get(attr.name).is_none_or(Value::is_null) {
            out.insert(attr.name.to_string(), Value::Unknown);
        }
    }
    out
}

fn provider_diag(addr: &impl std::fmt::Display, doing: &str, err: &ProviderError) -> Diag {
    let chain = match err.detail().filter(|_| crate::diag::debug()) {
        Some(detail) => format!("\n  Caused by: {detail}"),
        None => String::new(),
    };
    // The endpoint or the credentials: the same for every resource, and the message says what to do.
    if err.kind.is_setup() {
        return Diag::plain(format!("{}{chain}", err.message));
    }
    Diag::plain(format!("{addr}: {doing} failed: {err}{chain}"))
        .with_help("check the AWS credentials, region and permissions for this resource")
}

/// Instances of one type under one provider configuration, read together.
type Batch = Vec<(InstanceAddr, Object)>;

/// Reads every managed resource in state, many of a type at once.
async fn refresh(
    stack: &Stack,
    state: &State,
    provider: &dyn Provider,
) -> Result<BTreeMap<InstanceAddr, Option<Object>>, Diags> {
    // One batch per type and provider configuration (each has its own region).
    let mut by_type: BTreeMap<(Option<String>, &str), Batch> = BTreeMap::new();
    for r in state.resources.iter().filter(|r| r.mode == Mode::Managed) {
        let addr = r.addr();
        let alias = super::provider_alias(stack, state, &addr);
        by_type
            .entry((alias, r.type_name.as_str()))
            .or_default()
            .push((addr, r.object()));
    }
    let mut reads = Vec::new();
    for ((alias, type_name), instances) in by_type {
        let Some(rt) = provider.resource_in(alias.as_deref(), type_name) else {
            return Err(Diag::plain(format!("the state holds resources of type \"{type_name}\", which this recon does not support"))
                .with_help("use a recon version that supports it, or `recon state rm` the resources")
                .into());
        };
        reads.push(async move {
            let objects: Vec<Object> = instances.iter().map(|(_, o)| o.clone()).collect();
            let result = crate::provider::retry(|| rt.read(&objects)).await;
            (type_name, instances, result)
        });
    }
    let mut out = BTreeMap::new();
    for (type_name, instances, result) in futures::future::join_all(reads).await {
        let found = result.map_err(|e| Diags::from(provider_diag(&type_name, "refresh", &e)))?;
        for ((addr, _), obj) in instances.into_iter().zip(found) {
            out.insert(addr, obj);
        }
    }
    Ok(out)
}

/// Reads an existing object by its import id; None when there is no such object.
pub async fn read_existing(
    rt: &dyn crate::provider::ResourceType,
    id: &str,
) -> Result<Option<Object>, ProviderError> {
    let stub = rt.import_stub(id);
    let found = crate::provider::retry(|| rt.read(std::slice::from_ref(&stub))).await?;
    Ok(found.into_iter().next().flatten())
}

/// Reads the objects `import` blocks adopt (those not in state yet), as if refresh
/// had found them at their addresses. Returns address → imported id.
async fn read_imports(
    stack: &Stack,
    vars: &Object,
    provider: &dyn Provider,
    state: &State,
    refreshed: &mut BTreeMap<InstanceAddr, Option<Object>>,
) -> Result<BTreeMap<InstanceAddr, String>, Diags> {
    let mut out = BTreeMap::new();
    let no_resources = BTreeMap::new();
    let scope = Scope::new(stack, vars, &no_resources);
    for import in stack.imports.iter().filter(|i| state.get(&i.to).is_none()) {
        let id = match scope.eval(&import.id)? {
            Value::String(id) => id,
            other => {
                return Err(Diag::at(
                    &import.id.span(),
                    format!("import id must be a known string, got {other}"),
                    "here",
                )
                .into())
            }
        };
        let alias = stack
            .resources
            .get(&import.to.resource)
            .and_then(|b| b.provider.clone());
        let Some(rt) = provider.resource_in(alias.as_deref(), &import.to.resource.type_name) else {
            return Err(Diag::at(
                &import.span,
                format!(
                    "cannot import into unsupported type {}",
                    import.to.resource.type_name
                ),
                "here",
            )
            .into());
        };
        let found = read_existing(rt.as_ref(), &id)
            .await
            .map_err(|e| Diags::from(provider_diag(&import.to, "import", &e)))?;
        let Some(object) = found else {
            return Err(Diag::at(
                &import.span,
                format!(
                    "cannot import {}: no {} with id {id:?} exists",
                    import.to, import.to.resource.type_name
                ),
                "here",
            )
            .with_help("check the id, the region and the credentials")
            .into());
        };
        refreshed.insert(import.to.clone(), Some(object));
        out.insert(import.to.clone(), id);
    }
    Ok(out)
}

/// Every difference between state and what refresh read.
fn drift_of(
    state: &State,
    refreshed: &BTreeMap<InstanceAddr, Option<Object>>,
    provider: &dyn Provider,
) -> Vec<Drift> {
    let mut drift = Vec::new();
    for r in state.resources.iter().filter(|r| r.mode == Mode::Managed) {
        let addr = r.addr();
        let before = r.object();
        match refreshed.get(&addr) {
            Some(Some(after)) => {
                let changed = provider
                    .resource(&r.type_name)
                    .map(|rt| diff::changed_attributes(rt.schema(), &before, after))
                    .unwrap_or_default();
                if !changed.is_empty() {
                    drift.push(Drift {
                        addr,
                        before,
                        after: Some(after.clone()),
                        changed,
                        sensitive: r.sensitive_names(),
                    });
                }
            }
            Some(None) => drift.push(Drift {
                addr,
                before,
                after: None,
                changed: Vec::new(),
                sensitive: r.sensitive_names(),
            }),
            None => {}
        }
    }
    drift
}

/// `--refresh-only`: what changed outside recon, and nothing to change in AWS.
pub async fn plan_refresh_only(
    stack: &Stack,
    provider: &dyn Provider,
    state: &State,
) -> Result<Plan, Diags> {
    let refreshed = refresh(stack, state, provider).await?;
    Ok(Plan {
        stack: stack.name.clone(),
        changes: Vec::new(),
        drift: drift_of(state, &refreshed, provider),
        outputs: Vec::new(),
        destroy: false,
        state_serial: state.serial,
        state_lineage: state.lineage.clone(),
        prevented: Vec::new(),
        state_edits: Vec::new(),
    })
}

/// State as refresh found it: drifted objects take their real values, objects
/// deleted outside recon are forgotten.
pub fn accept_drift(state: &mut State, drift: &[Drift]) -> Result<(), crate::state::StateError> {
    for d in drift {
        match &d.after {
            Some(after) => {
                if let Some(r) = state.get_mut(&d.addr) {
                    let tainted = r.tainted;
                    let deps = r.dependency_addrs();
                    let mut fresh = crate::state::ResourceState::from_object(
                        &d.addr,
                        after,
                        &deps,
                        r.create_before_destroy,
                    )?;
                    fresh.tainted = tainted;
                    fresh.sensitive_attributes = r.sensitive_attributes.clone();
                    fresh.provider = r.provider.clone();
                    *r = fresh;
                }
            }
            None => {
                state.remove(&d.addr);
            }
        }
    }
    Ok(())
}

pub async fn plan(
    stack: &Stack,
    graph: &ConfigGraph,
    vars: &Object,
    provider: &dyn Provider,
    state: &State,
    opts: &PlanOptions,
) -> Result<PlanOutput, Diags> {
    validate(stack, provider)?;
    // `moved` / `removed` first: the rest is planned against the edited state.
    let (edited, state_edits) = super::moved::plan_edits(stack, state)?;
    let state = &edited;
    let refreshed = if opts.refresh {
        refresh(stack, state, provider).await?
    } else {
        state
            .resources
            .iter()
            .filter(|r| r.mode == Mode::Managed)
            .map(|r| (r.addr(), Some(r.object())))
            .collect()
    };
    let drift = drift_of(state, &refreshed, provider);
    let mut refreshed = refreshed;
    let importing = if opts.destroy {
        BTreeMap::new()
    } else {
        read_imports(stack, vars, provider, state, &mut refreshed).await?
    };

    let mut plan = Plan {
        stack: stack.name.clone(),
        changes: Vec::new(),
        drift,
        outputs: Vec::new(),
        destroy: opts.destroy,
        state_serial: state.serial,
        state_lineage: state.lineage.clone(),
        prevented: Vec::new(),
        state_edits,
    };
    let mut configured: BTreeSet<InstanceAddr> = BTreeSet::new();
    let mut values: BTreeMap<ResourceAddr, Value> = BTreeMap::new();
    let mut errors = Vec::new();

    if !opts.destroy {
        for node in graph.order() {
            let Node::Resource(addr) = node else { continue };
            let block = &stack.resources[&addr];
            match plan_block(
                stack,
                graph,
                vars,
                provider,
                state,
                &refreshed,
                block,
                &values,
                &opts.replace,
                &mut plan,
            )
            .await
            {
                Ok((value, instances)) => {
                    configured.extend(instances);
                    values.insert(addr, value);
                }
                Err(d) => {
                    errors.push(d);
                    values.insert(addr, Value::Unknown);
                }
            }
        }
    }
    errors.extend(unmatched_replacements(&opts.replace, &plan));
    if !errors.is_empty() {
        return Err(Diags(errors));
    }

    // What state has and configuration no longer does is deleted.
    for r in state.resources.iter().filter(|r| r.mode == Mode::Managed) {
        let addr = r.addr();
        if configured.contains(&addr) {
            continue;
        }
        let change = match refreshed.get(&addr) {
            Some(Some(before)) => orphan_change(stack, r, before.clone(), opts.destroy),
            // Already gone outside recon: nothing to destroy (and no data to
            // lose), apply only forgets it.
            _ => orphan_change(stack, r, r.object(), opts.destroy),
        };
        // A block still in configuration keeps protecting its instances (destroy mode).
        if change.prevent_destroy {
            plan.prevented.push(change.addr.clone());
        }
        plan.changes.push(change);
    }

    // Old objects of earlier create_before_destroy replacements whose delete failed.
    for r in state.resources.iter().filter(|r| !r.deposed.is_empty()) {
        for old in r.deposed_objects() {
            plan.changes.push(ResourceChange {
                addr: r.addr(),
                action: Action::Delete,
                reason: Reason::None,
                data_loss: Vec::new(),
                deposed: Some(
                    old.get("id")
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string(),
                ),
                before: Some(old),
                after: None,
                replace_paths: Vec::new(),
                changed: Vec::new(),
                depends_on: Vec::new(),
                prevent_destroy: false,
                importing: None,
                sensitive: Vec::new(),
                sensitive_before: r.sensitive_names(),
            });
        }
    }

    if !opts.targets.is_empty() {
        super::target::restrict(&mut plan, &mut values, stack, state, &opts.targets)?;
    }
    assess_data_loss(&mut plan, stack, provider, state, &refreshed, opts.refresh).await?;

    for (name, output) in &stack.outputs {
        let before = state.outputs.get(name).map(|o| Value::from_json(&o.value));
        let after = if opts.destroy {
            None
        } else {
            let scope = Scope::new(stack, vars, &values);
            let value = scope.eval(&output.value).map_err(Diags::from)?;
            if scope.take_sensitive() && !output.sensitive {
                return Err(sensitive_output(name, &output.value).into());
            }
            Some(value)
        };
        plan.outputs.push(OutputChange {
            name: name.clone(),
            before,
            after,
            sensitive: output.sensitive,
        });
    }
    for (name, o) in &state.outputs {
        let gone = !stack.outputs.contains_key(name) || opts.destroy;
        if gone && !plan.outputs.iter().any(|c| &c.name == name) {
            plan.outputs.push(OutputChange {
                name: name.clone(),
                before: Some(Value::from_json(&o.value)),
                after: None,
                sensitive: o.sensitive,
            });
        }
    }

    for change in plan.changes.iter_mut() {
        change.importing = importing.get(&change.addr).cloned();
    }
    let mut unmatched: Vec<Diag> = stack
        .imports
        .iter()
        .filter(|i| importing.contains_key(&i.to) && !configured.contains(&i.to))
        .map(|i| {
            Diag::at(
                &i.span,
                format!("import target {} is not in the configuration", i.to),
                "nothing to import into",
            )
            .with_help(format!(
                "add a resource block for {} (with count/for_each covering the key, if any)",
                i.to.resource
            ))
        })
        .collect();
    if !unmatched.is_empty() {
        return Err(Diags(std::mem::take(&mut unmatched)));
    }
    plan.changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    inherit_create_before_destroy(&mut plan);
    // As Terraform does, report only drift that matters to this plan: objects
    // deleted outside recon, or changed ones that the plan acts on.
    let acted_on: BTreeSet<InstanceAddr> = plan.actionable().map(|c| c.addr.clone()).collect();
    plan.drift
        .retain(|d| d.after.is_none() || acted_on.contains(&d.addr));
    // What this configuration marks sensitive is masked in the drift too, even
    // where state does not mark it yet (a state written before the variable was
    // made sensitive, or by an older recon).
    for d in &mut plan.drift {
        if let Some(c) = plan.changes.iter().find(|c| c.addr == d.addr) {
            d.sensitive.extend(c.sensitive.iter().cloned());
            d.sensitive.sort();
            d.sensitive.dedup();
        }
    }
    Ok(PlanOutput { plan, values })
}

/// Fills in what each delete or replace destroys, asking each resource type (which
/// may read AWS: objects in a bucket, what a key encrypts, and, unrefreshed, the
/// volumes an instance really deletes). A loss that cannot be assessed refuses
/// the plan: the guard must not pass what it could not see.
async fn assess_data_loss(
    plan: &mut Plan,
    stack: &Stack,
    provider: &dyn Provider,
    state: &State,
    refreshed: &BTreeMap<InstanceAddr, Option<Object>>,
    was_refreshed: bool,
) -> Result<(), Diags> {
    let in_state: Vec<StateObject> = state
        .resources
        .iter()
        .filter(|r| r.mode == Mode::Managed)
        .filter_map(|r| {
            let addr = r.addr();
            let object = match refreshed.get(&addr) {
                Some(Some(o)) => o.clone(),
                Some(None) => return None,
                None => r.object(),
            };
            Some(StateObject {
                address: addr.to_string(),
                type_name: r.type_name.clone(),
                object,
            })
        })
        .collect();
    let mut destroyed = BTreeSet::new();
    for c in plan.changes.iter().filter(|c| c.action.destroys()) {
        let Some(before) = &c.before else { continue };
        destroyed.extend(before.get("id").and_then(Value::as_str).map(str::to_string));
        let alias = super::provider_alias(stack, state, &c.addr);
        if let Some(rt) = provider.resource_in(alias.as_deref(), &c.addr.resource.type_name) {
            destroyed.extend(rt.data_loss(before).into_iter().map(|v| v.volume_id));
        }
    }
    let scans = EncryptionScans::default();
    let ctx = LossContext {
        refreshed: was_refreshed,
        state: &in_state,
        destroyed: &destroyed,
        scans: &scans,
    };
    let assessments = plan.changes.iter().enumerate().filter_map(|(i, c)| {
        // An object already gone outside recon loses nothing more.
        let gone = c.deposed.is_none() && matches!(refreshed.get(&c.addr), Some(None));
        let prior = c.before.as_ref().filter(|_| c.action.destroys() && !gone)?;
        let alias = super::provider_alias(stack, state, &c.addr);
        let rt = provider.resource_in(alias.as_deref(), &c.addr.resource.type_name)?;
        let ctx = &ctx;
        Some(async move {
            let loss = crate::provider::retry(|| rt.assess_data_loss(prior, ctx)).await;
            (i, loss)
        })
    });
    let mut errors = Vec::new();
    for (i, loss) in futures::future::join_all(assessments).await {
        match loss {
            Ok(loss) => plan.changes[i].data_loss = loss,
            Err(e) => errors.push(
                Diag::plain(format!(
                    "{}: cannot tell what destroying it would lose: {e}",
                    plan.changes[i].addr
                ))
                .with_help("recon does not destroy what it cannot assess: check the AWS credentials and permissions (and the network), then plan again"),
            ),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors))
    }
}

/// A plan and the value of every block in it (Unknown where only apply can tell),
/// which the executor starts from.
pub struct PlanOutput {
    pub plan: Plan,
    pub values: BTreeMap<ResourceAddr, Value>,
}

/// As in Terraform, what a create_before_destroy replacement depends on is
/// replaced the same way; otherwise the ordering constraints would form a cycle.
fn inherit_create_before_destroy(plan: &mut Plan) {
    loop {
        let cbd_deps: BTreeSet<ResourceAddr> = plan
            .changes
            .iter()
            .filter(|c| {
                c.action
                    == (Action::Replace {
                        create_before_destroy: true,
                    })
            })
            .flat_map(|c| c.depends_on.iter().cloned())
            .collect();
        let mut changed = false;
        for c in plan.changes.iter_mut() {
            if c.action
                == (Action::Replace {
                    create_before_destroy: false,
                })
                && cbd_deps.contains(&c.addr.resource)
            {
                c.action = Action::Replace {
                    create_before_destroy: true,
                };
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

fn orphan_change(
    stack: &Stack,
    r: &crate::state::ResourceState,
    before: Object,
    destroy: bool,
) -> ResourceChange {
    let addr = r.addr();
    let block = stack.resources.get(&addr.resource);
    let reason = if destroy {
        Reason::Destroy
    } else {
        match (block, &addr.key) {
            (Some(b), InstanceKey::Int(_)) if b.count.is_some() => Reason::CountIndex,
            (Some(b), InstanceKey::Str(_)) if b.for_each.is_some() => Reason::EachKey,
            _ => Reason::NoResourceConfig,
        }
    };
    let prevent_destroy = block.is_some_and(|b| b.lifecycle.prevent_destroy);
    ResourceChange {
        addr,
        action: Action::Delete,
        reason,
        before: Some(before),
        after: None,
        replace_paths: Vec::new(),
        changed: Vec::new(),
        depends_on: r
            .dependency_addrs()
            .into_iter()
            .map(|a| a.resource)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        data_loss: Vec::new(),
        prevent_destroy,
        importing: None,
        deposed: None,
        sensitive: Vec::new(),
        sensitive_before: r.sensitive_names(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn plan_block(
    stack: &Stack,
    graph: &ConfigGraph,
    vars: &Object,
    provider: &dyn Provider,
    state: &State,
    refreshed: &BTreeMap<InstanceAddr, Option<Object>>,
    block: &ResourceBlock,
    values: &BTreeMap<ResourceAddr, Value>,
    replace: &[InstanceAddr],
    plan: &mut Plan,
) -> Result<(Value, Vec<InstanceAddr>), Diag> {
    let addr = &block.addr;
    let schema = schema_of(provider, addr).ok_or_else(|| {
        Diag::at(
            &block.span,
            format!("unsupported type {}", addr.type_name),
            "here",
        )
    })?;
    let scope = Scope::new(stack, vars, values).in_module(&addr.module);
    let depends_on: Vec<ResourceAddr> = graph
        .resource_dependencies(&Node::Resource(addr.clone()))
        .into_iter()
        .collect();
    let mut instance_values = Vec::new();
    let mut instance_addrs = Vec::new();
    for instance in expand(block, &scope)? {
        let inst_addr = addr.instance(instance.key.clone());
        let iscope = scope.for_instance(instance.count_index, instance.each.clone());
        let (config, sensitive) = body::evaluate_marked(schema, &block.body, &iscope)?;
        if let Some(d) = body::check_values(schema, &block.body, &iscope, &inst_addr.to_string())
            .into_iter()
            .next()
        {
            return Err(d);
        }
        let value = match addr.mode {
            Mode::Data => {
                if config.values().all(Value::is_wholly_known)
                    && depends_on.iter().all(|d| is_settled(d, plan))
                {
                    let ds = provider
                        .data_source_in(block.provider.as_deref(), &addr.type_name)
                        .ok_or_else(|| Diag::at(&block.span, "unknown data source", "here"))?;
                    let read = crate::provider::retry(|| ds.read(&config))
                        .await
                        .map_err(|e| {
                            if e.kind.is_setup() {
                                return provider_diag(&inst_addr, "read", &e);
                            }
                            Diag::at(
                                &block.span,
                                format!("{inst_addr}: {}", e.message),
                                "while reading this data source",
                            )
                            .with_help(
                                "change the data source's arguments so that it finds what you mean",
                            )
                        })?;
                    Value::Object(read)
                } else {
                    let after = unread_data(schema, &config);
                    plan.changes.push(ResourceChange {
                        addr: inst_addr.clone(),
                        action: Action::Read,
                        reason: Reason::ConfigUnknown,
                        before: None,
                        after: Some(after.clone()),
                        replace_paths: Vec::new(),
                        changed: Vec::new(),
                        depends_on: depends_on.clone(),
                        data_loss: Vec::new(),
                        prevent_destroy: false,
                        importing: None,
                        deposed: None,
                        sensitive: sensitive.clone(),
                        sensitive_before: Vec::new(),
                    });
                    Value::Object(after)
                }
            }
            Mode::Managed => {
                let requested = replace.contains(&inst_addr);
                let config = match provider.resource_in(block.provider.as_deref(), &addr.type_name)
                {
                    Some(rt) => {
                        let config = rt.normalise_config(config);
                        rt.check_config(&config).map_err(|e| {
                            let message = format!("{inst_addr}: {}", e.message);
                            Diag::at(&block.span, message, "arguments that do not go together")
                        })?;
                        config
                    }
                    None => config,
                };
                let mut change = plan_instance(
                    provider,
                    state,
                    refreshed,
                    block,
                    schema,
                    &inst_addr,
                    &config,
                    &depends_on,
                    requested,
                )?;
                change.sensitive = sensitive;
                if change.prevent_destroy && change.action.destroys() {
                    plan.prevented.push(inst_addr.clone());
                }
                let value = Value::Object(change.after.clone().unwrap_or_default());
                plan.changes.push(change);
                value
            }
        };
        instance_values.push((instance.key, value));
        instance_addrs.push(inst_addr);
    }
    Ok((block_value(block, instance_values), instance_addrs))
}

/// A data source can be read at plan time once nothing it depends on changes.
fn is_settled(dep: &ResourceAddr, plan: &Plan) -> bool {
    plan.changes
        .iter()
        .filter(|c| &c.addr.resource == dep)
        .all(|c| c.action == Action::NoOp)
}

#[allow(clippy::too_many_arguments)]
fn plan_instance(
    provider: &dyn Provider,
    state: &State,
    refreshed: &BTreeMap<InstanceAddr, Option<Object>>,
    block: &ResourceBlock,
    schema: &'static Schema,
    addr: &InstanceAddr,
    config: &Object,
    depends_on: &[ResourceAddr],
    replace_requested: bool,
) -> Result<ResourceChange, Diag> {
    let in_state = state.get(addr);
    let prior = refreshed.get(addr).cloned().flatten();
    let tainted = in_state.is_some_and(|r| r.tainted);
    let opts = DiffOptions {
        ignore_changes: &block.lifecycle.ignore_changes,
        ignore_all_changes: block.lifecycle.ignore_all_changes,
    };
    let mut planned = diff::plan_object(schema, config, prior.as_ref(), &opts);
    let rt = provider.resource_in(block.provider.as_deref(), &addr.resource.type_name);
    if let (Some(p), Some(rt)) = (&prior, rt) {
        let review = rt.review_change(p, &planned.after);
        for name in review.replace {
            let path = vec![diff::Step::Attr(name.to_string())];
            if !planned.replace_paths.contains(&path) {
                planned.replace_paths.push(path);
            }
        }
        for name in review.recomputed {
            planned.after.insert(name.to_string(), Value::Unknown);
            let path = vec![diff::Step::Attr(name.to_string())];
            if !planned.changed.contains(&path) {
                planned.changed.push(path);
            }
        }
        // What AWS refuses matters only when the object is changed in place.
        let replaced = tainted || replace_requested || !planned.replace_paths.is_empty();
        if let Some(refused) = review.refused.into_iter().next().filter(|_| !replaced) {
            let span = body::span_of(&block.body, &refused.path).unwrap_or(block.span.clone());
            return Err(Diag::at(
                &span,
                format!("{addr}: {}", refused.message),
                "AWS cannot make this change",
            )
            .with_help(refused.help));
        }
    }
    let cbd = block.lifecycle.create_before_destroy;
    let (action, reason) = match &prior {
        None if in_state.is_some() => (Action::Create, Reason::DeletedOutside),
        None => (Action::Create, Reason::None),
        Some(_) if tainted => (
            Action::Replace {
                create_before_destroy: cbd,
            },
            Reason::Tainted,
        ),
        Some(_) if replace_requested => (
            Action::Replace {
                create_before_destroy: cbd,
            },
            Reason::ReplaceByRequest,
        ),
        Some(_) if !planned.replace_paths.is_empty() => (
            Action::Replace {
                create_before_destroy: cbd,
            },
            Reason::CannotUpdate,
        ),
        Some(_) if !planned.changed.is_empty() => (Action::Update, Reason::None),
        Some(_) => (Action::NoOp, Reason::None),
    };
    let after = if tainted || (replace_requested && prior.is_some()) {
        diff::plan_object(schema, config, None, &opts).after
    } else {
        planned.after
    };
    Ok(ResourceChange {
        addr: addr.clone(),
        action,
        reason,
        before: prior,
        after: Some(after),
        replace_paths: planned.replace_paths,
        changed: planned.changed,
        depends_on: depends_on.to_vec(),
        data_loss: Vec::new(),
        prevent_destroy: block.lifecycle.prevent_destroy,
        importing: None,
        deposed: None,
        sensitive: Vec::new(),
        sensitive_before: in_state.map(|r| r.sensitive_names()).unwrap_or_default(),
    })
}

/// `--replace` addresses that name no existing instance of the configuration.
fn unmatched_replacements(replace: &[InstanceAddr], plan: &Plan) -> Vec<Diag> {
    replace
        .iter()
        .filter(|a| {
            !plan
                .changes
                .iter()
                .any(|c| &c.addr == *a && c.reason == Reason::ReplaceByRequest)
        })
        .map(|a| {
            let exists = plan.changes.iter().any(|c| &c.addr == a);
            let why = if exists {
                "it does not exist yet: this plan creates it"
            } else {
                "no such resource instance in the configuration"
            };
            let mut d = Diag::plain(format!("--replace {a}: {why}"));
            let names = plan
                .changes
                .iter()
                .filter(|c| c.before.is_some())
                .map(|c| c.addr.to_string())
                .collect::<Vec<_>>();
            if let Some(near) = did_you_mean(&a.to_string(), names.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean {near}?"));
            }
            d
        })
        .collect()
}

/// Terraform's rule: an output showing a sensitive variable's value must say so.
fn sensitive_output(name: &str, value: &crate::config::Expr) -> Diag {
    Diag::at(&value.span(), format!("output \"{name}\" refers to a sensitive value"), "reads a variable marked sensitive")
        .with_help(format!("add `sensitive = true` to output \"{name}\" so its value is hidden in plans and `recon output`, or stop referring to the sensitive variable"))
}
