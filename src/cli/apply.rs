//! `recon apply [FILE]` and `recon destroy`: plan (or load a saved plan), check the
//! guards, ask, apply, report.

use super::interrupt::Phase;
use super::plan::{make_plan, policies, replan_saved, show, show_cost, Planned};
use super::{CliError, Ctx, TargetArgs, VarArgs, EXIT_ERROR, EXIT_OK};
use crate::addr::InstanceAddr;
use crate::apply::progress::Progress;
use crate::apply::{check_guards, Applier, ApplyOptions, Controls};
use crate::plan::PlanOptions;
use crate::policy::Severity;
use crate::provider::DataLoss;
use crate::render::apply::{ApplyView, Human, JsonLines, Level};
use crate::state::State;
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct GuardArgs {
    /// Allow the changes of this resource (all its instances, when written without [key]) to destroy data (repeatable).
    #[arg(long = "allow-data-loss", value_name = "ADDRESS")]
    pub allow_data_loss: Vec<String>,
    /// Snapshot the EBS volumes an allowed change destroys, and wait until the snapshots complete, before destroying them.
    #[arg(long)]
    pub snapshot_data_loss: bool,
    /// Do not ask for confirmation (required without a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// How many resources to work on at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Print the apply as JSON lines on stdout (Terraform's -json events); needs --auto-approve or a plan file.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// A plan saved with `recon plan --out FILE`: applied exactly, or refused if stale.
    pub plan_file: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub targeting: TargetArgs,
    #[command(flatten)]
    pub guard: GuardArgs,
    /// Read resources from AWS before planning (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Refuse the apply when a policy of this severity or higher fails (low, medium, high, critical).
    #[arg(long = "policy-fail-on", value_name = "SEVERITY", default_value = "high", value_parser = super::check::parse_severity)]
    pub policy_fail_on: Severity,
    /// Accept what changed outside recon into state; change nothing in AWS.
    #[arg(long, conflicts_with = "plan_file")]
    pub refresh_only: bool,
}

#[derive(Args, Debug)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Destroy only this resource or instance, with what depends on it (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub guard: GuardArgs,
}

pub async fn run(ctx: &Ctx, args: &ApplyArgs) -> Result<i32, CliError> {
    ctx.interrupt.set(Phase::Planning);
    if args.guard.json && args.plan_file.is_none() && !args.guard.auto_approve {
        return Err(needs_auto_approve());
    }
    if args.refresh_only {
        return accept_drift(ctx, &args.guard, &args.vars).await;
    }
    match &args.plan_file {
        Some(file) => apply_saved(ctx, file, &args.guard, args.policy_fail_on).await,
        None => {
            let (stack, graph) = ctx.load_stack()?;
            let vars = ctx.vars(&stack, &args.vars)?;
            let mut opts = PlanOptions {
                refresh: args.refresh,
                ..PlanOptions::default()
            };
            args.targeting.apply_to(&mut opts)?;
            let planned = make_plan(ctx, stack, graph, vars, &opts).await?;
            if !args.guard.json {
                show(ctx, &planned);
                show_cost(ctx, &planned);
            }
            execute(ctx, planned, &args.guard, true, Some(args.policy_fail_on)).await
        }
    }
}

/// JSON output has no prompt to answer.
fn needs_auto_approve() -> CliError {
    CliError::Failed(
        "--json needs --auto-approve (or a saved plan file): there is no prompt in JSON output"
            .to_string(),
    )
}

pub async fn destroy(ctx: &Ctx, args: &DestroyArgs) -> Result<i32, CliError> {
    ctx.interrupt.set(Phase::Planning);
    if args.guard.json && !args.guard.auto_approve {
        return Err(needs_auto_approve());
    }
    let (stack, graph) = ctx.load_stack()?;
    let vars = ctx.vars(&stack, &args.vars)?;
    let mut opts = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    TargetArgs {
        targets: args.targets.clone(),
        replace: Vec::new(),
    }
    .apply_to(&mut opts)?;
    let planned = make_plan(ctx, stack, graph, vars, &opts).await?;
    if !args.guard.json {
        show(ctx, &planned);
        show_cost(ctx, &planned);
    }
    execute(ctx, planned, &args.guard, true, None).await
}

/// `apply --refresh-only`: state takes the real values; AWS is left as it is.
async fn accept_drift(
    ctx: &Ctx,
    guard: &GuardArgs,
    var_args: &super::VarArgs,
) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let vars = ctx.vars(&stack, var_args)?;
    let mut refreshed = super::plan::make_refresh_only(ctx, &stack, &vars).await?;
    let lookup = super::schema_lookup(&refreshed.provider);
    out!(
        "{}",
        crate::render::plan_human::render(&refreshed.plan, &lookup, ctx.color)
    );
    if refreshed.plan.drift.is_empty() || !refreshed.state_exists {
        return Ok(EXIT_OK);
    }
    if !guard.auto_approve
        && !confirm(
            ctx,
            "Would you like to update the state to reflect these detected changes?",
        )
        .await?
    {
        outln!("Apply cancelled.");
        return Ok(EXIT_ERROR);
    }
    ctx.interrupt.set(Phase::Other);
    let expected = (refreshed.state.lineage.clone(), refreshed.state.serial);
    crate::plan::planner::accept_drift(&mut refreshed.state, &refreshed.plan.drift)
        .map_err(|e| CliError::Failed(e.to_string()))?;
    refreshed.state.bump_serial();
    refreshed
        .backend
        .write(&refreshed.state, Some((&expected.0, expected.1)))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    outln!("\nApply complete! State now records {} change(s) made outside recon; nothing in AWS was changed.", refreshed.plan.drift.len());
    Ok(EXIT_OK)
}

async fn apply_saved(
    ctx: &Ctx,
    file: &std::path::Path,
    guard: &GuardArgs,
    policy_fail_on: Severity,
) -> Result<i32, CliError> {
    let (planned, _) = replan_saved(ctx, file).await?;
    execute(ctx, planned, guard, false, Some(policy_fail_on)).await
}

/// The view an apply prints through: JSON lines or Terraform's lines, with the
/// values of sensitive variables masked in both.
fn view(ctx: &Ctx, guard: &GuardArgs, planned: &Planned) -> Box<dyn ApplyView> {
    let secrets = secrets(planned);
    if guard.json {
        Box::new(JsonLines::new(ctx.debug, secrets))
    } else {
        Box::new(Human::new(ctx.color, ctx.debug, secrets))
    }
}

/// The values of sensitive variables as they could appear in an error
/// message (very short ones would mask ordinary words).
fn secrets(planned: &Planned) -> Vec<String> {
    fn leaves(v: &crate::value::Value, out: &mut Vec<String>) {
        use crate::value::Value;
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::List(items) => items.iter().for_each(|i| leaves(i, out)),
            Value::Object(map) => map.values().for_each(|i| leaves(i, out)),
            Value::Null | Value::Bool(_) | Value::Unknown => {}
        }
    }
    let mut out = Vec::new();
    for v in planned.stack.variables.values().filter(|v| v.sensitive) {
        if let Some(value) = planned.vars.get(&v.name) {
            leaves(value, &mut out);
        }
    }
    out.retain(|s| s.len() >= 4);
    out
}

async fn execute(
    ctx: &Ctx,
    planned: Planned,
    guard: &GuardArgs,
    ask: bool,
    policy_fail_on: Option<Severity>,
) -> Result<i32, CliError> {
    let plan = &planned.output.plan;
    let view = view(ctx, guard, &planned);
    let allowed = guard
        .allow_data_loss
        .iter()
        .map(|a| a.parse::<InstanceAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Failed(format!("--allow-data-loss: {e}")))?;
    for a in &allowed {
        if !plan
            .changes
            .iter()
            .any(|c| a.covers(&c.addr) && !c.data_loss.is_empty())
        {
            view.message(Level::Warn, &format!("Warning: --allow-data-loss {a}: nothing this plan does to {a} destroys data, so the flag changes nothing"));
        }
    }
    check_guards(plan, &allowed)?;
    // Policies: refused before anything changes; the ones unknown until apply are
    // asked again before each create or update (the gate).
    let gate = match policy_fail_on {
        // JSON output is events only: the report's failures come as the refusal.
        Some(threshold) if !plan.destroy && guard.json => {
            Some(super::plan::evaluate_policies(&planned, threshold)?)
        }
        Some(threshold) if !plan.destroy => Some(policies(ctx, &planned, threshold)?),
        _ => None,
    };
    if let Some(failing) = gate.as_ref().and_then(|g| g.refusal()) {
        return Err(crate::apply::Refusal::Policy(failing).into());
    }
    view.planned(plan);
    if !plan.has_changes() {
        persist_resolved(&planned).await?;
        return Ok(EXIT_OK);
    }
    let question = if plan.destroy {
        "Do you really want to destroy all resources?"
    } else {
        "Do you want to perform these actions?"
    };
    if ask && !guard.auto_approve && !confirm(ctx, question).await? {
        outln!("Apply cancelled.");
        return Ok(EXIT_ERROR);
    }
    if !guard.json {
        outln!();
    }
    let (state, state_exists) = persist_state_edits(&planned, !guard.json).await?;
    let progress = Progress::new(view.observer());
    let applier = Applier {
        stack: &planned.stack,
        vars: &planned.vars,
        provider: &planned.provider,
        backend: &*planned.backend,
        progress: &progress,
    };
    if guard.snapshot_data_loss {
        warn_unsnapshottable(plan, &*view);
    }
    let opts = ApplyOptions {
        parallelism: guard.parallelism.max(1),
        snapshot_data_loss: guard.snapshot_data_loss,
    };
    // From here the first Ctrl-C lets what is in flight finish and starts nothing new.
    let controls = Controls {
        gate: gate.as_ref().map(|g| g as &dyn crate::apply::Gate),
        stop: Some(ctx.interrupt.stop()),
    };
    ctx.interrupt.set(Phase::Applying);
    let summary = applier
        .apply_with(
            plan,
            state,
            state_exists,
            &planned.output.values,
            &opts,
            controls,
        )
        .await;
    ctx.interrupt.set(Phase::Other);
    if !guard.json {
        outln!();
    }
    if !summary.snapshots.is_empty() {
        let mut text =
            "Snapshots taken before destroying volumes (recon does not manage or delete them):"
                .to_string();
        for (addr, snap) in &summary.snapshots {
            text.push_str(&format!(
                "\n  {}  of {}  ({addr})",
                snap.snapshot_id, snap.volume_id
            ));
        }
        view.message(Level::Info, &format!("{text}\n"));
    }
    if summary.failures.is_empty() && summary.interrupted.is_empty() {
        view.change_summary(
            plan.destroy,
            summary.added,
            summary.changed,
            summary.destroyed,
        );
        view.outputs(&outputs(ctx, &planned).await?);
        return Ok(EXIT_OK);
    }
    view.errors(&summary.failures);
    if !summary.skipped.is_empty() {
        view.message(
            Level::Error,
            &format!(
                "Not attempted because something they depend on failed: {}",
                summary.skipped.join(", ")
            ),
        );
    }
    if let Some(path) = &summary.recovery {
        view.message(Level::Error, &format!(
            "Apply stopped: someone else wrote the state at {} meanwhile, so recon did not overwrite it. What this apply did is recorded only in {}.",
            planned.backend.describe(),
            path.display()
        ));
        return Ok(EXIT_ERROR);
    }
    if !summary.interrupted.is_empty() {
        let (verb, again) = if plan.destroy {
            ("Destroy", "destroy")
        } else {
            ("Apply", "apply")
        };
        const SHOWN: usize = 20;
        let mut left = summary
            .interrupted
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if summary.interrupted.len() > SHOWN {
            left.push_str(&format!(" and {} more", summary.interrupted.len() - SHOWN));
        }
        view.message(Level::Error, &format!(
            "{verb} interrupted: {} added, {} changed, {} destroyed before it stopped. Not attempted: {left}.\nState holds everything that completed ({}); run `{}` to do the rest.",
            summary.added,
            summary.changed,
            summary.destroyed,
            planned.backend.describe(),
            ctx.backend.command(again)
        ));
        return Ok(EXIT_ERROR);
    }
    let pending = if summary.pending.is_empty() {
        String::new()
    } else {
        format!(
            " Whether AWS made {} is unknown: state records each as a pending create, and the next plan or apply looks for it by its recon:token tag (or name) and adopts it before creating anything.",
            summary.pending.join(", ")
        )
    };
    view.message(Level::Error, &format!(
        "Apply stopped with errors: {} added, {} changed, {} destroyed before it stopped. State holds everything that was created ({}).{pending}",
        summary.added,
        summary.changed,
        summary.destroyed,
        planned.backend.describe()
    ));
    Ok(EXIT_ERROR)
}

/// Writes the state in which pending creates were resolved, when nothing else
/// will (the plan has no changes).
async fn persist_resolved(planned: &Planned) -> Result<(), CliError> {
    if planned.resolved.is_empty() {
        return Ok(());
    }
    let mut state = planned.state.clone();
    let expected = planned
        .state_exists
        .then(|| (planned.state.lineage.clone(), planned.state.serial));
    state.bump_serial();
    planned
        .backend
        .write(&state, expected.as_ref().map(|(l, s)| (l.as_str(), *s)))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))
}

/// Makes the plan's `moved` / `removed` edits in state and writes it, before any
/// resource is touched; returns the state the rest of the apply starts from.
async fn persist_state_edits(planned: &Planned, say: bool) -> Result<(State, bool), CliError> {
    let edits = &planned.output.plan.state_edits;
    let mut state = planned.state.clone();
    if edits.is_empty() {
        return Ok((state, planned.state_exists));
    }
    let expected = planned
        .state_exists
        .then(|| (state.lineage.clone(), state.serial));
    crate::plan::moved::replay(edits, &mut state);
    state.bump_serial();
    planned
        .backend
        .write(&state, expected.as_ref().map(|(l, s)| (l.as_str(), *s)))
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    if say {
        outln!("State: {} address change(s) recorded.", edits.len());
    }
    Ok((state, true))
}

/// The outputs in state after the apply: (name, sensitive, value).
async fn outputs(
    ctx: &Ctx,
    planned: &Planned,
) -> Result<Vec<(String, bool, serde_json::Value)>, CliError> {
    let (state, _) = ctx.read_state(&*planned.backend).await?;
    Ok(state
        .outputs
        .iter()
        .map(|(name, out)| (name.clone(), out.sensitive, out.value.clone()))
        .collect())
}

async fn confirm(ctx: &Ctx, question: &str) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Failed(
            "no terminal to confirm on: pass --auto-approve to apply without asking".to_string(),
        ));
    }
    let before = ctx.interrupt.phase();
    ctx.interrupt.set(Phase::Prompt);
    out!("\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
    let _ = std::io::stdout().flush();
    // Read on a thread of its own, so that Ctrl-C can cancel the prompt while the
    // read is blocked (the thread ends with the process).
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = tx.send(std::io::stdin().read_line(&mut line).map(|_| line));
    });
    let answer = rx.await;
    ctx.interrupt.set(before);
    let line = answer
        .map_err(|_| CliError::Failed("reading the answer: the reader stopped".to_string()))?
        .map_err(|e| CliError::Failed(format!("reading the answer: {e}")))?;
    Ok(line.trim() == "yes")
}

/// `--snapshot-data-loss` copies EBS volumes only: say so for every other loss
/// (bucket objects, data under a KMS key), and when there is nothing to copy.
fn warn_unsnapshottable(plan: &crate::plan::Plan, view: &dyn ApplyView) {
    let losses = plan.data_loss();
    if losses.iter().all(|(_, l)| l.volume().is_none()) {
        view.message(Level::Warn, "Warning: --snapshot-data-loss: this plan destroys no EBS volume; there is nothing to snapshot");
    }
    for (addr, loss) in losses {
        let what = match loss {
            DataLoss::Volume(_) => continue,
            DataLoss::Objects { bucket, count, .. } => {
                format!("the {count} object(s) in bucket {bucket}")
            }
            DataLoss::Encrypted(e) => format!("{} {} (encrypted with its key)", e.what, e.id),
        };
        view.message(Level::Warn, &format!("Warning: --snapshot-data-loss has no meaning for {addr}: {what} cannot be snapshotted and is lost without a copy"));
    }
}
