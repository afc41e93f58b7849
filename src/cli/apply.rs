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
            show(ctx, &planned);
            show_cost(ctx, &planned);
            execute(ctx, planned, &args.guard, true, Some(args.policy_fail_on)).await
        }
    }
}

pub async fn destroy(ctx: &Ctx, args: &DestroyArgs) -> Result<i32, CliError> {
    ctx.interrupt.set(Phase::Planning);
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
    show(ctx, &planned);
    show_cost(ctx, &planned);
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

async fn execute(
    ctx: &Ctx,
    planned: Planned,
    guard: &GuardArgs,
    ask: bool,
    policy_fail_on: Option<Severity>,
) -> Result<i32, CliError> {
    let plan = &planned.output.plan;
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
            errln!("Warning: --allow-data-loss {a}: nothing this plan does to {a} destroys data, so the flag changes nothing");
        }
    }
    check_guards(plan, &allowed)?;
    // Policies: refused before anything changes; the ones unknown until apply are
    // asked again before each create or update (the gate).
    let gate = match policy_fail_on {
        Some(threshold) if !plan.destroy => Some(policies(ctx, &planned, threshold)?),
        _ => None,
    };
    if let Some(failing) = gate.as_ref().and_then(|g| g.refusal()) {
        return Err(crate::apply::Refusal::Policy(failing).into());
    }
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
    outln!();
    let (state, state_exists) = persist_state_edits(&planned).await?;
    let progress = Progress::new(ctx.color);
    let applier = Applier {
        stack: &planned.stack,
        vars: &planned.vars,
        provider: &planned.provider,
        backend: &*planned.backend,
        progress: &progress,
    };
    if guard.snapshot_data_loss {
        warn_unsnapshottable(plan);
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
    outln!();
    if !summary.snapshots.is_empty() {
        outln!("Snapshots taken before destroying volumes (recon does not manage or delete them):");
        for (addr, snap) in &summary.snapshots {
            outln!("  {}  of {}  ({addr})", snap.snapshot_id, snap.volume_id);
        }
        outln!();
    }
    if summary.failures.is_empty() && summary.interrupted.is_empty() {
        let verb = if plan.destroy { "Destroy" } else { "Apply" };
        if plan.destroy {
            outln!(
                "{verb} complete! Resources: {} destroyed.",
                summary.destroyed
            );
        } else {
            outln!(
                "{verb} complete! Resources: {} added, {} changed, {} destroyed.",
                summary.added,
                summary.changed,
                summary.destroyed
            );
        }
        print_outputs(ctx, &planned).await?;
        return Ok(EXIT_OK);
    }
    for (addr, message) in &summary.failures {
        errln!("Error: {message}");
        let _ = addr;
    }
    if !summary.skipped.is_empty() {
        errln!(
            "Not attempted because something they depend on failed: {}",
            summary.skipped.join(", ")
        );
    }
    if let Some(path) = &summary.recovery {
        errln!(
            "Apply stopped: someone else wrote the state at {} meanwhile, so recon did not overwrite it. What this apply did is recorded only in {}.",
            planned.backend.describe(),
            path.display()
        );
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
        errln!(
            "{verb} interrupted: {} added, {} changed, {} destroyed before it stopped. Not attempted: {left}.\nState holds everything that completed ({}); run `{}` to do the rest.",
            summary.added,
            summary.changed,
            summary.destroyed,
            planned.backend.describe(),
            ctx.backend.command(again)
        );
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
    errln!(
        "Apply stopped with errors: {} added, {} changed, {} destroyed before it stopped. State holds everything that was created ({}).{pending}",
        summary.added,
        summary.changed,
        summary.destroyed,
        planned.backend.describe()
    );
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
async fn persist_state_edits(planned: &Planned) -> Result<(State, bool), CliError> {
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
    outln!("State: {} address change(s) recorded.", edits.len());
    Ok((state, true))
}

async fn print_outputs(ctx: &Ctx, planned: &Planned) -> Result<(), CliError> {
    let (state, _) = ctx.read_state(&*planned.backend).await?;
    if state.outputs.is_empty() {
        return Ok(());
    }
    outln!("\nOutputs:\n");
    for (name, out) in &state.outputs {
        if out.sensitive {
            outln!("{name} = (sensitive value)");
        } else {
            outln!("{name} = {}", crate::value::Value::from_json(&out.value));
        }
    }
    Ok(())
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
fn warn_unsnapshottable(plan: &crate::plan::Plan) {
    let losses = plan.data_loss();
    if losses.iter().all(|(_, l)| l.volume().is_none()) {
        errln!("Warning: --snapshot-data-loss: this plan destroys no EBS volume; there is nothing to snapshot");
    }
    for (addr, loss) in losses {
        let what = match loss {
            DataLoss::Volume(_) => continue,
            DataLoss::Objects { bucket, count, .. } => {
                format!("the {count} object(s) in bucket {bucket}")
            }
            DataLoss::Encrypted(e) => format!("{} {} (encrypted with its key)", e.what, e.id),
        };
        errln!("Warning: --snapshot-data-loss has no meaning for {addr}: {what} cannot be snapshotted and is lost without a copy");
    }
}
