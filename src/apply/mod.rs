//! The executor: walks a plan in dependency order (reverse order for deletes) with
//! bounded parallelism, re-evaluates each resource's configuration once what it
//! depends on exists, calls the provider, and writes state after every resource
//! that lands.

mod create;
mod error;
mod jobs;
pub mod progress;
mod stop;

use crate::addr::{InstanceAddr, InstanceKey, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::{body, Stack};
use crate::graph::walk::{walk, Outcome};
use crate::plan::diff::{self, DiffOptions};
use crate::plan::planner::block_value;
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::{
    retry, DataLoss, ErrorKind, Meta, Provider, Schema, VolumeLoss, VolumeSnapshot,
};
use crate::state::journal::{Delta, Written};
use crate::state::{Backend, PendingCreate, ResourceState, State};
use crate::value::{Object, Value};
pub use error::{ApplyError, Cause, Step};
use jobs::Job;
pub use jobs::JobKind;
use progress::Progress;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
pub use stop::Stop;

/// Why an apply was refused before anything changed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("refusing to apply: {} change(s) would destroy data ({}); allow each with --allow-data-loss ADDRESS (a resource address without [key] allows all its instances; add --snapshot-data-loss to snapshot EBS volumes first)", .0.len(), .0.join(", "))]
    DataLoss(Vec<String>),
    #[error("refusing to apply: lifecycle.prevent_destroy forbids destroying {}; remove prevent_destroy first if this is really intended", .0.join(", "))]
    Prevented(Vec<String>),
    #[error("refusing to apply: {} policy failure(s) at or above the --policy-fail-on severity: {}; fix the resources or waive a policy with # recon:skip=POLICY_ID REASON in the resource block", .0.len(), .0.join(", "))]
    Policy(Vec<String>),
}

/// Consulted before each create or update once the planned values are known
/// (policies whose result depended on values known only after apply). An error
/// fails that resource with the message. `values` are every block's current
/// values; `landed` lists every instance set so far, in order, so that a gate can
/// take in only what changed since it was last asked.
pub trait Gate: Sync {
    fn check(
        &self,
        addr: &InstanceAddr,
        planned: &Object,
        values: &BTreeMap<ResourceAddr, Value>,
        landed: &[InstanceAddr],
    ) -> Result<(), String>;
}

/// The guards that run before anything is applied.
pub fn check_guards(plan: &Plan, allowed: &[InstanceAddr]) -> Result<(), Refusal> {
    if !plan.prevented.is_empty() {
        return Err(Refusal::Prevented(
            plan.prevented.iter().map(ToString::to_string).collect(),
        ));
    }
    let mut refused: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| !c.data_loss.is_empty() && !allowed.iter().any(|a| a.covers(&c.addr)))
        .map(|c| c.addr.to_string())
        .collect();
    refused.dedup();
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Refusal::DataLoss(refused))
    }
}

pub struct ApplyOptions {
    pub parallelism: usize,
    /// Snapshot the EBS volumes a (allowed) data-loss change destroys, and wait for
    /// the snapshots to complete, before destroying anything.
    pub snapshot_data_loss: bool,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    /// Every failure: of a resource, or of the state's final rewrite.
    pub failures: Vec<ApplyError>,
    /// Resources not attempted because something they depend on failed.
    pub skipped: Vec<String>,
    /// Resources not attempted because the apply was asked to stop (see [`Stop`]):
    /// nothing new starts, what was in flight finishes and is in state.
    pub interrupted: Vec<String>,
    /// Set when the backend refused a state write because someone else wrote
    /// first: this apply's own state is in this file, not on the backend.
    pub recovery: Option<PathBuf>,
    /// (address, snapshot) for every volume snapshotted before a data-loss change.
    pub snapshots: Vec<(String, VolumeSnapshot)>,
    /// Creates whose outcome is unknown: recorded in state as pending, and looked
    /// for by the next plan or apply before anything is created again.
    pub pending: Vec<String>,
}

/// What steers an apply from outside: the policy gate asked before each create
/// and update, and the flag that stops it from starting anything new.
#[derive(Clone, Copy, Default)]
pub struct Controls<'a> {
    pub gate: Option<&'a dyn Gate>,
    pub stop: Option<&'a Stop>,
}

pub struct Applier<'a> {
    pub stack: &'a Stack,
    pub vars: &'a Object,
    pub provider: &'a dyn Provider,
    pub backend: &'a dyn Backend,
    pub progress: &'a Progress<'a>,
}

struct Run<'a> {
    ctx: &'a Applier<'a>,
    plan: &'a Plan,
    /// The state as resources land. Async: it is held across the backend write,
    /// which serialises writes; a fair (first come, first served) lock, which
    /// [`Run::flush`] relies on.
    ledger: tokio::sync::Mutex<Ledger>,
    /// (lineage, serial) of what is on the backend now; None before the first write.
    on_backend: Mutex<Option<(String, u64)>>,
    /// Resource values as they land, for re-evaluating dependents' configuration.
    values: Mutex<Values<'a>>,
    summary: Mutex<Summary>,
    /// Set when the backend refused a write because someone else wrote first:
    /// nothing more is started, and our pending state goes to a recovery file.
    halted: AtomicBool,
    recovery: Mutex<Option<PathBuf>>,
    gate: Option<&'a dyn Gate>,
    stop: Option<&'a Stop>,
    /// Jobs (by index) not started because the stop was raised.
    not_started: Mutex<BTreeSet<usize>>,
    snapshot_data_loss: bool,
    /// The `recon:stack` tag of what this apply creates: the one its state records.
    stack_tag: String,
    /// The provider configuration (alias) of every instance, from configuration
    /// or, for one no longer configured, from the state the plan was made against.
    aliases: BTreeMap<InstanceAddr, Option<String>>,
}

impl<'a> Applier<'a> {
    /// Applies `plan` on top of `state` (the state the plan was made against).
    /// `values` are the planned values of every block, Unknown where not yet known.
    pub async fn apply(
        &'a self,
        plan: &'a Plan,
        state: State,
        state_exists: bool,
        planned_values: &BTreeMap<ResourceAddr, Value>,
        opts: &ApplyOptions,
    ) -> Summary {
        self.apply_gated(plan, state, state_exists, planned_values, opts, None)
            .await
    }

    /// [`Applier::apply`], asking `gate` before each create and update.
    pub async fn apply_gated(
        &'a self,
        plan: &'a Plan,
        state: State,
        state_exists: bool,
        planned_values: &BTreeMap<ResourceAddr, Value>,
        opts: &ApplyOptions,
        gate: Option<&'a dyn Gate>,
    ) -> Summary {
        self.apply_with(
            plan,
            state,
            state_exists,
            planned_values,
            opts,
            Controls { gate, stop: None },
        )
        .await
    }

    /// [`Applier::apply`] with a gate and a stop flag: once the flag is raised no
    /// new job starts, the ones running finish (and land in state), and the rest
    /// are reported in [`Summary::interrupted`].
    pub async fn apply_with(
        &'a self,
        plan: &'a Plan,
        state: State,
        state_exists: bool,
        planned_values: &BTreeMap<ResourceAddr, Value>,
        opts: &ApplyOptions,
        controls: Controls<'a>,
    ) -> Summary {
        let on_backend = state_exists.then(|| (state.lineage.clone(), state.serial));
        let stack_tag = state.stack_tag().unwrap_or(&self.stack.name).to_string();
        let aliases = plan
            .changes
            .iter()
            .map(|c| {
                let alias = crate::plan::provider_alias(self.stack, &state, &c.addr);
                (c.addr.clone(), alias)
            })
            .collect();
        let run = Run {
            ctx: self,
            plan,
            ledger: tokio::sync::Mutex::new(Ledger {
                state,
                changes: 0,
                written: 0,
                touched: BTreeSet::new(),
                written_state: Written::default(),
                whole_written: false,
                journaled: false,
            }),
            on_backend: Mutex::new(on_backend),
            values: Mutex::new(Values::new(
                self.stack,
                initial_instances(self.stack, planned_values),
            )),
            summary: Mutex::new(Summary::default()),
            halted: AtomicBool::new(false),
            recovery: Mutex::new(None),
            gate: controls.gate,
            stop: controls.stop,
            not_started: Mutex::new(BTreeSet::new()),
            snapshot_data_loss: opts.snapshot_data_loss,
            stack_tag,
            aliases,
        };
        if let Err(e) = run.record_refreshed().await {
            run.summary
                .lock()
                .unwrap()
                .failures
                .push(ApplyError::new(Step::State, e));
            return run.summary.into_inner().unwrap();
        }
        let jobs = jobs::build(plan);
        let deps: Vec<Vec<usize>> = jobs.iter().map(|j| j.deps.clone()).collect();
        let outcomes = walk(&deps, opts.parallelism, |i| run.job(i, &jobs[i])).await;
        {
            let not_started = run.not_started.lock().unwrap();
            let blocked = blocked_by_failure(&deps, &outcomes, &not_started);
            let mut summary = run.summary.lock().unwrap();
            for (i, (job, outcome)) in jobs.iter().zip(&outcomes).enumerate() {
                let addr = plan.changes[job.change].addr.to_string();
                if not_started.contains(&i) || (*outcome == Outcome::Skipped && !blocked[i]) {
                    summary.interrupted.push(addr);
                } else if *outcome == Outcome::Skipped {
                    summary.skipped.push(addr);
                }
            }
            summary.skipped.dedup();
            // A replacement is two jobs: name its address once, and never as
            // both skipped and interrupted.
            summary.interrupted.sort();
            summary.interrupted.dedup();
            let Summary {
                skipped,
                interrupted,
                ..
            } = &mut *summary;
            interrupted.retain(|a| !skipped.contains(a));
        }
        run.finish_outputs().await;
        if run.ledger.lock().await.journaled {
            run.compact().await;
        }
        let mut summary = run.summary.into_inner().unwrap();
        summary.recovery = run.recovery.into_inner().unwrap();
        summary
    }
}

/// For each job, whether it is (or would be) skipped because something upstream
/// really failed, rather than because the stop left it or an upstream job unstarted.
fn blocked_by_failure(
    deps: &[Vec<usize>],
    outcomes: &[Outcome],
    not_started: &BTreeSet<usize>,
) -> Vec<bool> {
    fn visit(
        i: usize,
        deps: &[Vec<usize>],
        outcomes: &[Outcome],
        not_started: &BTreeSet<usize>,
        memo: &mut [Option<bool>],
    ) -> bool {
        if let Some(known) = memo[i] {
            return known;
        }
        let blocked = deps[i].iter().any(|&d| match outcomes[d] {
            Outcome::Failed => !not_started.contains(&d),
            Outcome::Skipped => visit(d, deps, outcomes, not_started, memo),
            Outcome::Done => false,
        });
        memo[i] = Some(blocked);
        blocked
    }
    let mut memo = vec![None; deps.len()];
    (0..deps.len())
        .map(|i| visit(i, deps, outcomes, not_started, &mut memo))
        .collect()
}

/// Known instance values: everything not being created or replaced keeps its planned
/// value. The block says how its value splits into instances (not the plan: a
/// counted data source read at plan time, or `count = 0`, has no changes in it).
fn initial_instances(
    stack: &Stack,
    planned: &BTreeMap<ResourceAddr, Value>,
) -> BTreeMap<ResourceAddr, BTreeMap<InstanceKey, Value>> {
    let mut out: BTreeMap<ResourceAddr, BTreeMap<InstanceKey, Value>> = BTreeMap::new();
    for (addr, value) in planned {
        let entry = out.entry(addr.clone()).or_default();
        let block = stack.resources.get(addr);
        match value {
            Value::List(items) if block.is_some_and(|b| b.count.is_some()) => {
                for (i, v) in items.iter().enumerate() {
                    entry.insert(InstanceKey::Int(i as i64), v.clone());
                }
            }
            Value::Object(map) if block.is_some_and(|b| b.for_each.is_some()) => {
                for (k, v) in map {
                    entry.insert(InstanceKey::Str(k.clone()), v.clone());
                }
            }
            other => {
                entry.insert(InstanceKey::None, other.clone());
            }
        }
    }
    out
}

/// This apply's state, how many changes it has had and how many of them the
/// backend holds.
struct Ledger {
    state: State,
    changes: u64,
    written: u64,
    /// Instances changed since the last write.
    touched: BTreeSet<InstanceAddr>,
    /// What the backend holds since the last write (for the next delta).
    written_state: Written,
    /// Whether this run has written the whole state once.
    whole_written: bool,
    /// Whether a write since went to the journal (the end rewrites the document).
    journaled: bool,
}

/// Instance values as they land, and the value of each block built from them (a
/// list under `count`, a map under `for_each`). A block's value is rebuilt when
/// asked for after one of its instances changed, not on every change, and never
/// for blocks nobody asks about.
struct Values<'a> {
    stack: &'a Stack,
    instances: BTreeMap<ResourceAddr, BTreeMap<InstanceKey, Value>>,
    blocks: BTreeMap<ResourceAddr, Value>,
    /// Blocks whose value in `blocks` is missing or out of date.
    stale: BTreeSet<ResourceAddr>,
    /// Every instance whose value was set during the apply, in order (the gate
    /// takes in what it has not seen yet).
    landed: Vec<InstanceAddr>,
}

impl<'a> Values<'a> {
    fn new(
        stack: &'a Stack,
        instances: BTreeMap<ResourceAddr, BTreeMap<InstanceKey, Value>>,
    ) -> Self {
        let stale = instances.keys().cloned().collect();
        Values {
            stack,
            instances,
            blocks: BTreeMap::new(),
            stale,
            landed: Vec::new(),
        }
    }

    fn set(&mut self, addr: &InstanceAddr, value: Value) {
        self.instances
            .entry(addr.resource.clone())
            .or_default()
            .insert(addr.key.clone(), value);
        self.stale.insert(addr.resource.clone());
        self.landed.push(addr.clone());
    }

    /// The current value of block `addr`; None for a block with no values at all.
    fn block(&mut self, addr: &ResourceAddr) -> Option<&Value> {
        if self.stale.remove(addr) {
            let value = self.build(addr)?;
            self.blocks.insert(addr.clone(), value);
        }
        self.blocks.get(addr)
    }

    /// The current value of every block.
    fn all(&mut self) -> &BTreeMap<ResourceAddr, Value> {
        for addr in std::mem::take(&mut self.stale) {
            if let Some(value) = self.build(&addr) {
                self.blocks.insert(addr, value);
            }
        }
        &self.blocks
    }

    fn build(&self, addr: &ResourceAddr) -> Option<Value> {
        let by_key = self.instances.get(addr)?;
        Some(match self.stack.resources.get(addr) {
            Some(b) => block_value(
                b,
                by_key.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            ),
            None => Value::Null,
        })
    }
}

impl Run<'_> {
    async fn job(&self, index: usize, job: &Job) -> bool {
        let change = &self.plan.changes[job.change];
        if self.halted.load(Ordering::SeqCst) {
            self.summary
                .lock()
                .unwrap()
                .skipped
                .push(change.addr.to_string());
            return false;
        }
        if self.stop.is_some_and(Stop::is_raised) {
            self.not_started.lock().unwrap().insert(index);
            return false;
        }
        let result = match job.kind {
            JobKind::Create => self.create(change).await,
            JobKind::Update => self.update(change).await,
            JobKind::Delete => self.delete(change).await,
            JobKind::Read => self.read(change).await,
        };
        match result {
            Ok(()) => true,
            Err(error) => {
                self.ctx.progress.failed(&change.addr, job.kind);
                self.summary.lock().unwrap().failures.push(error);
                false
            }
        }
    }

    /// A failure of `step` of `change`, with where its resource is declared.
    fn failure(&self, change: &ResourceChange, step: Step, cause: impl Into<Cause>) -> ApplyError {
        let declared_at = self
            .ctx
            .stack
            .resources
            .get(&change.addr.resource)
            .map(|b| format!("{}:{}", b.span.file.name, b.span.line_col().0));
        ApplyError {
            addr: Some(change.addr.clone()),
            declared_at,
            ..ApplyError::new(step, cause)
        }
    }

    /// The current values of every block, as references see them.
    fn values(&self) -> BTreeMap<ResourceAddr, Value> {
        self.values.lock().unwrap().all().clone()
    }

    /// The current values of just `addrs` (what one configuration refers to): a job
    /// copies its dependencies' values, not the whole stack's.
    fn values_of(&self, addrs: &[ResourceAddr]) -> BTreeMap<ResourceAddr, Value> {
        let mut values = self.values.lock().unwrap();
        addrs
            .iter()
            .filter_map(|addr| values.block(addr).map(|v| (addr.clone(), v.clone())))
            .collect()
    }

    fn set_value(&self, addr: &InstanceAddr, value: Value) {
        self.values.lock().unwrap().set(addr, value);
    }

    /// Evaluates the instance's configuration now that its dependencies exist.
    fn config(&self, change: &ResourceChange, schema: &Schema) -> Result<Object, String> {
        let block = self
            .ctx
            .stack
            .resources
            .get(&change.addr.resource)
            .ok_or_else(|| format!("{} is not in the configuration", change.addr))?;
        // depends_on holds every block the configuration refers to (through locals too).
        let values = self.values_of(&change.depends_on);
        let scope =
            Scope::new(self.ctx.stack, self.ctx.vars, &values).in_module(&block.addr.module);
        let (count_index, each) = match &change.addr.key {
            InstanceKey::None => (None, None),
            InstanceKey::Int(i) => (Some(*i), None),
            InstanceKey::Str(k) => {
                let each_value = match &block.for_each {
                    Some(expr) => match scope.eval(expr).map_err(|d| d.message.clone())? {
                        Value::Object(map) => map.get(k).cloned().unwrap_or(Value::Null),
                        _ => Value::String(k.clone()),
                    },
                    None => Value::Null,
                };
                (None, Some((Value::String(k.clone()), each_value)))
            }
        };
        let iscope = scope.for_instance(count_index, each);
        body::evaluate(schema, &block.body, &iscope).map_err(|d| {
            format!(
                "{}{}",
                d.message,
                d.location
                    .as_ref()
                    .map(|l| format!(" (at {l})"))
                    .unwrap_or_default()
            )
        })
    }

    fn gate_check(&self, addr: &InstanceAddr, planned: &Object) -> Result<(), String> {
        match self.gate {
            // Lent, not copied: the gate is asked before every create and update,
            // and a copy of the whole stack's values each time was O(n²) over an apply.
            Some(gate) => {
                let mut values = self.values.lock().unwrap();
                values.all();
                gate.check(addr, planned, &values.blocks, &values.landed)
            }
            None => Ok(()),
        }
    }

    fn planned(
        &self,
        change: &ResourceChange,
        rt: &dyn crate::provider::ResourceType,
        prior: Option<&Object>,
    ) -> Result<Object, String> {
        let schema = rt.schema();
        let config = rt.normalise_config(self.config(change, schema)?);
        // Values unknown at plan time are known now.
        if let Some(refused) = schema.refused(&config) {
            return Err(format!("{}: {refused}", change.addr));
        }
        rt.check_config(&config)
            .map_err(|e| format!("{}: {}", change.addr, e.message))?;
        let block = &self.ctx.stack.resources[&change.addr.resource];
        let opts = DiffOptions {
            ignore_changes: &block.lifecycle.ignore_changes,
            ignore_all_changes: block.lifecycle.ignore_all_changes,
        };
        let after = diff::plan_object(schema, &config, prior, &opts).after;
        for attr in schema
            .attributes
            .iter()
            .filter(|a| a.is_configurable() && !a.is_computed())
        {
            if after.get(attr.name).is_some_and(|v| !v.is_wholly_known()) {
                return Err(format!(
                    "{}: \"{}\" is still unknown at apply time",
                    change.addr, attr.name
                ));
            }
        }
        Ok(after)
    }

    fn meta(&self, addr: &InstanceAddr) -> Meta {
        Meta::new(self.stack_tag.clone(), addr.to_string())
    }

    fn alias(&self, addr: &InstanceAddr) -> Option<&str> {
        self.aliases.get(addr).and_then(|a| a.as_deref())
    }

    fn rtype(
        &self,
        addr: &InstanceAddr,
    ) -> Result<std::sync::Arc<dyn crate::provider::ResourceType>, String> {
        self.ctx
            .provider
            .resource_in(self.alias(addr), &addr.resource.type_name)
            .ok_or_else(|| format!("unsupported resource type {}", addr.resource.type_name))
    }

    async fn create(&self, change: &ResourceChange) -> Result<(), ApplyError> {
        let fail = |cause: Cause| self.failure(change, Step::Create, cause);
        let rt = self.rtype(&change.addr).map_err(|m| fail(m.into()))?;
        let planned = self
            .planned(change, rt.as_ref(), None)
            .map_err(|m| fail(m.into()))?;
        self.gate_check(&change.addr, &planned)
            .map_err(|m| fail(m.into()))?;
        let token = uuid::Uuid::new_v4().to_string();
        let meta = Meta {
            token: Some(token.clone()),
            began: Some(std::time::SystemTime::now()),
            ..self.meta(&change.addr)
        };
        // Intent before action: once the call is made, state knows to look for
        // what it made, whatever happens next.
        let cbd = matches!(
            change.action,
            Action::Replace {
                create_before_destroy: true
            }
        );
        let ((), n) = self
            .change_state(&[], |state| {
                let pending = PendingCreate::new(
                    &change.addr,
                    &token,
                    &meta.stack,
                    &planned,
                    &dependencies(state, change),
                    cbd,
                );
                state.begin_create(pending);
            })
            .await;
        self.flush(n).await.map_err(|m| fail(m.into()))?;
        let started = self.ctx.progress.start(&change.addr, JobKind::Create);
        let outcome = self
            .ctx
            .progress
            .ticking(
                &change.addr,
                JobKind::Create,
                started,
                create::exactly_once(&*rt, &planned, &meta, self.ctx.progress),
            )
            .await;
        match outcome {
            Ok(made) => {
                // In state before it is reported complete: a kill after the line
                // must not lose the object.
                self.record(change, &made.object, made.tainted.is_some(), Some(&token))
                    .await
                    .map_err(|m| fail(m.into()))?;
                self.set_value(&change.addr, Value::Object(made.object.clone()));
                if let Some(e) = made.tainted {
                    return Err(ApplyError {
                        outcome: Some("The object exists and is recorded as tainted: the next apply replaces it".into()),
                        ..fail(e.into())
                    });
                }
                self.ctx.progress.done(
                    &change.addr,
                    JobKind::Create,
                    started,
                    made.object.get("id"),
                );
                self.summary.lock().unwrap().added += 1;
                Ok(())
            }
            Err(create::Failed::Nothing(e)) => {
                let ((), n) = self
                    .change_state(&[], |state| drop(state.end_create(&token)))
                    .await;
                self.flush(n).await.map_err(|m| fail(m.into()))?;
                Err(fail(e.into()))
            }
            // The pending create stays in state: the next plan looks for it again.
            Err(create::Failed::Unknown(e)) => {
                self.summary
                    .lock()
                    .unwrap()
                    .pending
                    .push(change.addr.to_string());
                Err(ApplyError {
                    outcome: Some(format!("Whether AWS made the object is unknown, so its pending create (token {token}) stays in state and the next plan or apply looks for it again before creating anything")),
                    ..fail(e.into())
                })
            }
        }
    }

    async fn update(&self, change: &ResourceChange) -> Result<(), ApplyError> {
        let fail = |cause: Cause| self.failure(change, Step::Update, cause);
        let rt = self.rtype(&change.addr).map_err(|m| fail(m.into()))?;
        let prior = change.before.clone().unwrap_or_default();
        let planned = self
            .planned(change, rt.as_ref(), Some(&prior))
            .map_err(|m| fail(m.into()))?;
        self.gate_check(&change.addr, &planned)
            .map_err(|m| fail(m.into()))?;
        let meta = self.meta(&change.addr);
        let started = self.ctx.progress.start(&change.addr, JobKind::Update);
        let obj = self
            .ctx
            .progress
            .ticking(
                &change.addr,
                JobKind::Update,
                started,
                retry(|| rt.update(&prior, &planned, &meta)),
            )
            .await
            .map_err(|e| fail(e.into()))?;
        self.record(change, &obj, false, None)
            .await
            .map_err(|m| fail(m.into()))?;
        self.ctx
            .progress
            .done(&change.addr, JobKind::Update, started, obj.get("id"));
        self.set_value(&change.addr, Value::Object(obj));
        self.summary.lock().unwrap().changed += 1;
        Ok(())
    }

    async fn delete(&self, change: &ResourceChange) -> Result<(), ApplyError> {
        let fail = |cause: Cause| self.failure(change, Step::Delete, cause);
        let rt = self.rtype(&change.addr).map_err(|m| fail(m.into()))?;
        let prior = change.before.clone().unwrap_or_default();
        let volumes: Vec<VolumeLoss> = change
            .data_loss
            .iter()
            .filter_map(DataLoss::volume)
            .cloned()
            .collect();
        // Only volumes can be copied first: bucket objects and encrypted data cannot.
        if self.snapshot_data_loss && !volumes.is_empty() {
            self.snapshot(change, &volumes, &*rt).await?;
        }
        let started = self.ctx.progress.start(&change.addr, JobKind::Delete);
        self.ctx
            .progress
            .ticking(
                &change.addr,
                JobKind::Delete,
                started,
                retry(|| async {
                    match rt.delete(&prior).await {
                        // Gone already (an earlier try's answer was lost): deleted.
                        Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
                        other => other,
                    }
                }),
            )
            .await
            .map_err(|e| fail(e.into()))?;
        self.ctx
            .progress
            .done(&change.addr, JobKind::Delete, started, None);
        let cbd = matches!(
            change.action,
            Action::Replace {
                create_before_destroy: true
            }
        );
        let ((), n) = self
            .change_state(&[&change.addr], |state| {
                if cbd || change.deposed.is_some() {
                    // The new object holds the address; only the deposed old one goes.
                    let old = Value::Object(prior).to_json();
                    if let Some(r) = state.get_mut(&change.addr) {
                        r.deposed.retain(|d| d.get("id") != old.get("id"));
                    }
                } else {
                    state.remove(&change.addr);
                }
            })
            .await;
        self.flush(n).await.map_err(|m| fail(m.into()))?;
        self.summary.lock().unwrap().destroyed += 1;
        Ok(())
    }

    /// Snapshots the volumes `change` destroys; an error stops the delete.
    async fn snapshot(
        &self,
        change: &ResourceChange,
        volumes: &[VolumeLoss],
        rt: &dyn crate::provider::ResourceType,
    ) -> Result<(), ApplyError> {
        let volume_ids: Vec<&str> = volumes.iter().map(|v| v.volume_id.as_str()).collect();
        let progress = self.ctx.progress;
        let started = progress.note(
            &change.addr,
            &format!(
                "Snapshotting {} before destroying...",
                volume_ids.join(", ")
            ),
        );
        // Not retried: a second CreateSnapshot would take a second snapshot.
        let taken = progress
            .ticking_with(
                &change.addr,
                JobKind::Delete,
                "Still snapshotting...",
                started,
                rt.snapshot(volumes, &self.meta(&change.addr)),
            )
            .await
            .map_err(|e| ApplyError {
                outcome: Some("The snapshot failed, so nothing was destroyed".into()),
                ..self.failure(change, Step::Snapshot, e)
            })?;
        let ids: Vec<String> = taken
            .iter()
            .map(|t| format!("{} of {}", t.snapshot_id, t.volume_id))
            .collect();
        progress.note(
            &change.addr,
            &format!(
                "Snapshots complete after {}s [{}]",
                started.elapsed().as_secs(),
                ids.join(", ")
            ),
        );
        self.summary
            .lock()
            .unwrap()
            .snapshots
            .extend(taken.into_iter().map(|t| (change.addr.to_string(), t)));
        Ok(())
    }

    async fn read(&self, change: &ResourceChange) -> Result<(), ApplyError> {
        let fail = |cause: Cause| self.failure(change, Step::Read, cause);
        let ds = self
            .ctx
            .provider
            .data_source_in(self.alias(&change.addr), &change.addr.resource.type_name)
            .ok_or_else(|| {
                fail(format!("unsupported data source {}", change.addr.resource.type_name).into())
            })?;
        let config = self
            .config(change, ds.schema())
            .map_err(|m| fail(m.into()))?;
        let obj = retry(|| ds.read(&config))
            .await
            .map_err(|e| fail(e.into()))?;
        self.set_value(&change.addr, Value::Object(obj));
        Ok(())
    }

    /// Keeps what refresh read (e.g. a volume attached since the last apply), as
    /// Terraform does, so the same drift is not reported again next time.
    async fn record_refreshed(&self) -> Result<(), String> {
        let touched: Vec<&InstanceAddr> = self.plan.changes.iter().map(|c| &c.addr).collect();
        let (changed, n) = self
            .change_state(&touched, |state| {
                let mut changed = false;
                for change in &self.plan.changes {
                    if let (Some(before), Some(_), None) =
                        (&change.before, &change.importing, state.get(&change.addr))
                    {
                        let deps = dependencies(state, change);
                        let cbd = matches!(
                            change.action,
                            Action::Replace {
                                create_before_destroy: true
                            }
                        );
                        state.upsert(
                            ResourceState::from_object(&change.addr, before, &deps, cbd)
                                .map_err(|e| e.to_string())?
                                .with_sensitive(self.marks(change, before))
                                .with_provider(self.alias(&change.addr)),
                        );
                        changed = true;
                        continue;
                    }
                    if change.deposed.is_some() {
                        continue;
                    }
                    let (Some(before), Some(rs)) = (&change.before, state.get_mut(&change.addr))
                    else {
                        continue;
                    };
                    let refreshed = Value::Object(before.clone()).to_json();
                    if rs.attributes != refreshed {
                        rs.attributes = refreshed;
                        changed = true;
                    }
                    // The marks follow the configuration, also where nothing
                    // else changes (a variable made sensitive since the last
                    // apply); a delete keeps its marks until it lands.
                    if change.after.is_some() && rs.set_sensitive(self.marks(change, before)) {
                        changed = true;
                    }
                }
                Ok::<_, String>(changed)
            })
            .await;
        if changed? {
            self.flush(n).await?;
        }
        Ok(())
    }

    /// The top-level names state marks sensitive for `obj`, the object of
    /// `change`: what the configuration marks (values from sensitive variables),
    /// and the type's sensitive attributes that hold a value.
    fn marks(&self, change: &ResourceChange, obj: &Object) -> Vec<String> {
        let mut names = change.sensitive.clone();
        if let Some(rt) = self.ctx.provider.resource(&change.addr.resource.type_name) {
            names.extend(
                rt.schema()
                    .attributes
                    .iter()
                    .filter(|a| a.sensitive && obj.get(a.name).is_some_and(|v| !v.is_null()))
                    .map(|a| a.name.to_string()),
            );
        }
        names
    }

    /// Writes one landed resource into state (ending its pending create, if
    /// any, in the same write) and persists it before returning.
    async fn record(
        &self,
        change: &ResourceChange,
        obj: &Object,
        tainted: bool,
        token: Option<&str>,
    ) -> Result<(), String> {
        let (recorded, n) = self
            .change_state(&[&change.addr], |state| {
                if let Some(token) = token {
                    state.end_create(token);
                }
                let cbd = matches!(
                    change.action,
                    Action::Replace {
                        create_before_destroy: true
                    }
                );
                let mut rs = ResourceState::from_object(
                    &change.addr,
                    obj,
                    &dependencies(state, change),
                    cbd,
                )
                .map_err(|e| e.to_string())?
                .with_provider(self.alias(&change.addr));
                rs.tainted = tainted;
                rs = rs.with_sensitive(self.marks(change, obj));
                // Deposed objects stay until deleted; under create_before_destroy the object
                // being replaced joins them until its own delete succeeds.
                rs.deposed = state
                    .get(&change.addr)
                    .map(|r| r.deposed.clone())
                    .unwrap_or_default();
                if let (true, Some(old)) = (cbd, &change.before) {
                    rs.deposed.push(Value::Object(old.clone()).to_json());
                }
                state.upsert(rs);
                Ok::<_, String>(())
            })
            .await;
        recorded?;
        self.flush(n).await
    }

    /// Changes the state in memory; `touched` are the instances `f` may change.
    /// Returns the change's number for [`Run::flush`].
    async fn change_state<T>(
        &self,
        touched: &[&InstanceAddr],
        f: impl FnOnce(&mut State) -> T,
    ) -> (T, u64) {
        let mut ledger = self.ledger.lock().await;
        let out = f(&mut ledger.state);
        ledger.touched.extend(touched.iter().map(|a| (*a).clone()));
        ledger.changes += 1;
        (out, ledger.changes)
    }

    /// Returns once the backend holds change `upto` and every one before it.
    /// Changes queued behind a write share the next one (group commit): the lock
    /// is fair, so changes that waited for a write are all made before the first
    /// of their flushes writes them, and no job counts as done before its
    /// resource is on the backend. A write carries only what changed since the
    /// last (the backend's journal), except the run's first, which carries the
    /// whole state (it may differ from the backend's: pending creates resolved).
    async fn flush(&self, upto: u64) -> Result<(), String> {
        let mut ledger = self.ledger.lock().await;
        if ledger.written >= upto {
            return Ok(());
        }
        let changes = ledger.changes;
        let Ledger {
            state,
            touched,
            written_state,
            whole_written,
            journaled,
            ..
        } = &mut *ledger;
        state.bump_serial();
        let expected = self.on_backend.lock().unwrap().clone();
        let backend = self.ctx.backend;
        let delta = *whole_written && expected.is_some();
        let result = match &expected {
            Some((lineage, serial)) if delta => {
                backend
                    .append(
                        state,
                        &Delta::of(state, touched, written_state),
                        (lineage, *serial),
                    )
                    .await
            }
            _ => {
                backend
                    .write(state, expected.as_ref().map(|(l, s)| (l.as_str(), *s)))
                    .await
            }
        };
        match result {
            Ok(()) => {
                *self.on_backend.lock().unwrap() = Some((state.lineage.clone(), state.serial));
                touched.clear();
                *written_state = Written::of(state);
                *whole_written = true;
                *journaled |= delta;
                ledger.written = changes;
                Ok(())
            }
            Err(e) if e.is_conflict() => {
                self.halted.store(true, Ordering::SeqCst);
                Err(format!(
                    "writing state to {} was refused: {e}.\n{}",
                    self.ctx.backend.describe(),
                    self.save_recovery(state)
                ))
            }
            Err(e) => Err(format!(
                "writing state to {} failed: {e}",
                self.ctx.backend.describe()
            )),
        }
    }

    /// Writes the whole state once at the end, so the next reader reads one
    /// document instead of a journal.
    async fn compact(&self) {
        let mut ledger = self.ledger.lock().await;
        let expected = self.on_backend.lock().unwrap().clone();
        let Some((lineage, serial)) = expected.filter(|_| !self.halted.load(Ordering::SeqCst))
        else {
            return;
        };
        let state = &mut ledger.state;
        state.bump_serial();
        match self
            .ctx
            .backend
            .write(state, Some((&lineage, serial)))
            .await
        {
            Ok(()) => {
                *self.on_backend.lock().unwrap() = Some((state.lineage.clone(), state.serial))
            }
            // Nothing is lost: the journal still holds every change.
            Err(e) => self.summary.lock().unwrap().failures.push(ApplyError::new(
                Step::State,
                format!(
                    "rewriting the state at {} failed: {e}",
                    self.ctx.backend.describe()
                ),
            )),
        }
    }

    /// Keeps the state this apply could not write, one file per run (each
    /// later refusal rewrites it with everything landed so far).
    fn save_recovery(&self, state: &State) -> String {
        let mut recovery = self.recovery.lock().unwrap();
        let path = recovery
            .get_or_insert_with(|| {
                let stamp =
                    crate::state::lock::rfc3339(std::time::SystemTime::now()).replace(':', "");
                self.ctx.backend.recovery_path(&format!(
                    "{stamp}-{}",
                    &state.lineage[..state.lineage.len().min(8)]
                ))
            })
            .clone();
        match crate::state::save_recovery(&path, state) {
            Ok(()) => format!(
                "The state there was left as it is. Nothing more will be started. This apply's own state (serial {}, with everything it created) is saved in {}: compare it with `recon state pull`, then, if it is the one to keep, `recon state push --force {}`.",
                state.serial,
                path.display(),
                path.display()
            ),
            Err(e) => format!(
                "The state there was left as it is. Nothing more will be started. Saving this apply's own state to {} failed too ({e}); it follows:\n{}",
                path.display(),
                state.to_json_pretty()
            ),
        }
    }

    /// Records outputs whose values are now known.
    async fn finish_outputs(&self) {
        if self.halted.load(Ordering::SeqCst) {
            return;
        }
        let values = self.values();
        let scope = Scope::new(self.ctx.stack, self.ctx.vars, &values);
        let (write, n) = self
            .change_state(&[], |state| {
                let before = state.outputs.clone();
                state.outputs.retain(|name, _| {
                    self.ctx.stack.outputs.contains_key(name) && !self.plan.destroy
                });
                if !self.plan.destroy {
                    for (name, output) in &self.ctx.stack.outputs {
                        if let Ok(v) = scope.eval(&output.value) {
                            if v.is_wholly_known() {
                                let _ = state.set_output(name, &v, output.sensitive);
                            }
                        }
                    }
                }
                state.outputs != before || state.serial == 0
            })
            .await;
        if write {
            if let Err(e) = self.flush(n).await {
                self.summary
                    .lock()
                    .unwrap()
                    .failures
                    .push(ApplyError::new(Step::State, format!("outputs: {e}")));
            }
        }
    }
}

/// The instances in `state` of the blocks `change` depends on.
fn dependencies(state: &State, change: &ResourceChange) -> Vec<InstanceAddr> {
    state
        .resources
        .iter()
        .filter(|r| change.depends_on.iter().any(|d| r.is_instance_of(d)))
        .map(|r| r.addr())
        .collect()
}
