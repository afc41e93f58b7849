//! `recon plan`: refresh, diff, show; optionally save the plan for `recon apply FILE`.

use super::{schema_lookup, CliError, Ctx, TargetArgs, VarArgs, EXIT_CHANGES, EXIT_OK};
use crate::aws::AwsProvider;
use crate::config::Stack;
use crate::cost::{self, Cost};
use crate::graph::ConfigGraph;
use crate::plan::resolve::{resolve_pending, Resolution};
use crate::plan::saved::{SavedPlan, SavedPlanError};
use crate::plan::{self, PlanOptions, PlanOutput};
use crate::policy::gate::PlanPolicies;
use crate::policy::Severity;
use crate::render;
use crate::state::{Backend, State};
use crate::value::Object;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub targeting: TargetArgs,
    /// Save the plan to FILE for `recon apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as JSON (Terraform's resource_changes shape plus data_loss).
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing changes, 2 when something does, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan to destroy everything in state.
    #[arg(long)]
    pub destroy: bool,
    /// Read resources from AWS before planning (default true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Only show what changed outside recon; propose no changes.
    #[arg(long, conflicts_with_all = ["destroy", "out"])]
    pub refresh_only: bool,
    /// The severity at which a failing policy would refuse `recon apply` (low, medium, high, critical).
    #[arg(long = "policy-fail-on", value_name = "SEVERITY", default_value = "high", value_parser = super::check::parse_severity)]
    pub policy_fail_on: Severity,
}

/// A refresh-only plan: drift, and the state it was read against.
pub struct RefreshOnly {
    pub backend: Arc<dyn Backend>,
    pub state: State,
    pub state_exists: bool,
    pub provider: AwsProvider,
    pub plan: plan::Plan,
}

pub async fn make_refresh_only(
    ctx: &Ctx,
    stack: &Stack,
    vars: &Object,
) -> Result<RefreshOnly, CliError> {
    let provider = ctx.provider(stack, vars).await?;
    let backend = ctx.backend(stack).await?;
    let (mut state, state_exists) = ctx.read_state_locked(&backend).await?;
    for resolution in resolve_pending(&mut state, &provider).await? {
        outln!("# {resolution}");
    }
    let plan = plan::planner::plan_refresh_only(stack, &provider, &state).await?;
    Ok(RefreshOnly {
        backend,
        state,
        state_exists,
        provider,
        plan,
    })
}

/// What every planning command shares: the stack, its inputs, state and the plan.
pub struct Planned {
    pub stack: Stack,
    pub vars: Object,
    pub backend: Arc<dyn Backend>,
    pub state: State,
    pub state_exists: bool,
    pub provider: AwsProvider,
    pub output: PlanOutput,
    /// The pending creates of an interrupted apply, resolved in `state` (which
    /// apply then writes) before planning.
    pub resolved: Vec<Resolution>,
    /// The monthly cost before and after the plan.
    pub cost: Cost,
}

pub async fn make_plan(
    ctx: &Ctx,
    stack: Stack,
    graph: ConfigGraph,
    vars: Object,
    opts: &PlanOptions,
) -> Result<Planned, CliError> {
    // Module instances need the variables: the flat stack and its graph.
    let (stack, graph) = if stack.modules.is_empty() {
        (stack, graph)
    } else {
        let flat = crate::config::modules::expand(stack, &vars)?;
        let graph = ConfigGraph::build(&flat)?;
        (flat, graph)
    };
    let provider = ctx.provider(&stack, &vars).await?;
    let backend = ctx.backend(&stack).await?;
    let (mut state, state_exists) = ctx.read_state_locked(&backend).await?;
    let resolved = resolve_pending(&mut state, &provider).await?;
    let output = plan::plan(&stack, &graph, &vars, &provider, &state, opts).await?;
    let region = ctx
        .aws_config()
        .await
        .region()
        .map_or_else(|| "us-east-1".to_string(), ToString::to_string);
    let cost = cost::estimate(&cost::Inputs {
        plan: &output.plan,
        stack: &stack,
        vars: &vars,
        values: &output.values,
        region: &region,
    });
    Ok(Planned {
        stack,
        vars,
        backend,
        state,
        state_exists,
        provider,
        output,
        resolved,
        cost,
    })
}

/// The plan saved in `file`, made again from its saved inputs (as `apply FILE`
/// applies it); refused when the state moved on or the result differs. Also says
/// whether it is a destroy plan.
pub async fn replan_saved(ctx: &Ctx, file: &Path) -> Result<(Planned, bool), CliError> {
    let failed = |e: SavedPlanError| CliError::Failed(e.to_string());
    let saved = SavedPlan::read(file).map_err(failed)?;
    let stack = Stack::from_sources(&saved.stack_dir, saved.sources())?;
    let graph = ConfigGraph::build(&stack)?;
    // Refuse a stale plan before talking to AWS at all.
    let backend = ctx.backend(&stack).await?;
    let (state, exists) = ctx.read_state_locked(&backend).await?;
    saved
        .check_state(exists.then_some((state.lineage.as_str(), state.serial)))
        .map_err(failed)?;
    let opts = saved.plan_options().map_err(failed)?;
    let planned = make_plan(ctx, stack, graph, saved.variables(), &opts).await?;
    let now = planned
        .state_exists
        .then_some((planned.state.lineage.as_str(), planned.state.serial));
    saved.check_state(now).map_err(failed)?;
    saved.check_matches(&planned.output.plan).map_err(failed)?;
    Ok((planned, saved.destroy))
}

/// The plan as JSON (Terraform's `resource_changes` shape, plus recon's), with the
/// policy results unless it destroys.
pub fn plan_json(
    planned: &Planned,
    destroy: bool,
    threshold: Severity,
) -> Result<serde_json::Value, CliError> {
    let lookup = schema_lookup(&planned.provider);
    let mut json = render::plan_json::render(&planned.output.plan, &lookup);
    json["variables"] = render::plan_config::variables(&planned.vars);
    json["configuration"] = render::plan_config::render(&planned.stack);
    if !destroy {
        let checked = evaluate_policies(planned, threshold)?;
        json["policy_checks"] = crate::policy::report::json::render(&checked.report, threshold);
    }
    json["cost"] = render::cost::json(&planned.cost);
    Ok(json)
}

pub fn show(ctx: &Ctx, planned: &Planned) {
    for resolution in &planned.resolved {
        outln!("# {resolution}");
    }
    if !planned.resolved.is_empty() {
        outln!();
    }
    let lookup = schema_lookup(&planned.provider);
    out!(
        "{}",
        render::plan_human::render(&planned.output.plan, &lookup, ctx.color)
    );
}

/// The monthly cost before and after the plan.
pub fn show_cost(ctx: &Ctx, planned: &Planned) {
    out!("{}", render::cost::human(&planned.cost, ctx.color));
}

/// Evaluates the security policies over the planned values.
pub(super) fn evaluate_policies(
    planned: &Planned,
    threshold: Severity,
) -> Result<PlanPolicies<'_>, CliError> {
    Ok(PlanPolicies::evaluate(
        &planned.stack,
        &planned.vars,
        &planned.provider,
        &planned.output.values,
        threshold,
    )?)
}

/// Evaluates the security policies over the planned values and prints the results.
pub fn policies<'p>(
    ctx: &Ctx,
    planned: &'p Planned,
    threshold: Severity,
) -> Result<PlanPolicies<'p>, CliError> {
    let checked = evaluate_policies(planned, threshold)?;
    outln!("\nPolicy checks:\n");
    out!(
        "{}",
        crate::policy::report::human::render(&checked.report, threshold, ctx.color)
    );
    Ok(checked)
}

pub async fn run(ctx: &Ctx, args: &PlanArgs) -> Result<i32, CliError> {
    ctx.interrupt.set(super::interrupt::Phase::Planning);
    let (stack, graph) = ctx.load_stack()?;
    let vars = ctx.vars(&stack, &args.vars)?;
    if args.refresh_only {
        let refreshed = make_refresh_only(ctx, &stack, &vars).await?;
        let lookup = schema_lookup(&refreshed.provider);
        if args.json {
            let mut json = render::plan_json::render(&refreshed.plan, &lookup);
            json["configuration"] = render::plan_config::render(&stack);
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        } else {
            out!(
                "{}",
                render::plan_human::render(&refreshed.plan, &lookup, ctx.color)
            );
        }
        let drifted = !refreshed.plan.drift.is_empty();
        return Ok(if args.detailed_exitcode && drifted {
            EXIT_CHANGES
        } else {
            EXIT_OK
        });
    }
    let mut opts = PlanOptions {
        destroy: args.destroy,
        refresh: args.refresh,
        ..PlanOptions::default()
    };
    args.targeting.apply_to(&mut opts)?;
    let planned = make_plan(ctx, stack, graph, vars, &opts).await?;
    let plan = &planned.output.plan;
    if args.json {
        let json = plan_json(&planned, args.destroy, args.policy_fail_on)?;
        outln!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        show(ctx, &planned);
        if !args.destroy {
            policies(ctx, &planned, args.policy_fail_on)?;
        }
        show_cost(ctx, &planned);
    }
    if let Some(out) = &args.out {
        SavedPlan::new(
            plan,
            planned.state_exists,
            &planned.stack.dir,
            planned.stack.source_texts(),
            &planned.vars,
        )
        .with_targeting(&opts)
        .write(out)
        .map_err(|e| CliError::Failed(format!("cannot write plan file {}: {e}", out.display())))?;
        if !args.json {
            outln!(
                "\nSaved the plan to: {}\nTo perform exactly these actions, run: recon apply {}",
                out.display(),
                out.display()
            );
        }
    }
    if !plan.prevented.is_empty() {
        return Err(crate::apply::Refusal::Prevented(
            plan.prevented.iter().map(ToString::to_string).collect(),
        )
        .into());
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}
