//! `recon show [FILE]`: the state (every resource and output), or a saved plan as
//! `recon apply FILE` would apply it, for people (default) or tools (`--json`).

use super::plan::{plan_json, replan_saved, show as show_plan, show_cost};
use super::{CliError, Ctx, EXIT_OK};
use crate::policy::Severity;
use crate::state::State;
use crate::value::Value;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A plan saved with `recon plan --out FILE`. It is made again from its saved
    /// inputs (which reads AWS), and refused if stale, exactly as apply would.
    pub plan_file: Option<PathBuf>,
    /// Print JSON: for a plan, what `plan --json` prints; for the state, Terraform's
    /// `values` shape (sensitive values included and marked, as Terraform does).
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Ctx, args: &ShowArgs) -> Result<i32, CliError> {
    if let Some(file) = &args.plan_file {
        let (planned, destroy) = replan_saved(ctx, file).await?;
        if args.json {
            let json = plan_json(&planned, destroy, Severity::High)?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        } else {
            show_plan(ctx, &planned);
            show_cost(ctx, &planned);
        }
        return Ok(EXIT_OK);
    }
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    let (state, exists) = ctx.read_state(&*backend).await?;
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&values_json(&state)).unwrap_or_default()
        );
    } else if !exists || (state.resources.is_empty() && state.outputs.is_empty()) {
        outln!("The state is empty: nothing is managed yet.");
    } else {
        out!("{}", human(&state));
    }
    Ok(EXIT_OK)
}

fn human(state: &State) -> String {
    let mut out: Vec<String> = state.resources.iter().map(super::state::show).collect();
    if !state.outputs.is_empty() {
        let width = state.outputs.keys().map(String::len).max().unwrap_or(0);
        let lines: Vec<String> = state
            .outputs
            .iter()
            .map(|(name, o)| {
                let value = if o.sensitive {
                    "(sensitive value)".to_string()
                } else {
                    Value::from_json(&o.value).to_string()
                };
                format!("{name:<width$} = {value}\n")
            })
            .collect();
        out.push(format!("Outputs:\n\n{}", lines.concat()));
    }
    out.join("\n")
}

/// Terraform's `sensitive_values` of a resource: `true` at each marked path.
fn sensitive_values(r: &crate::state::ResourceState) -> serde_json::Value {
    let mut mask = serde_json::Map::new();
    for name in r.sensitive_names() {
        mask.insert(name, serde_json::Value::Bool(true));
    }
    serde_json::Value::Object(mask)
}

/// Terraform's `show -json` of a state: `values.outputs` and `values.root_module.resources`.
fn values_json(state: &State) -> serde_json::Value {
    let outputs = super::output::outputs_json(state);
    let resources: Vec<serde_json::Value> = state
        .resources
        .iter()
        .map(|r| {
            serde_json::json!({
                "address": r.address,
                "mode": r.mode,
                "type": r.type_name,
                "name": r.name,
                "index": r.index,
                "values": r.attributes,
                "sensitive_values": sensitive_values(r),
                "tainted": r.tainted,
            })
        })
        .collect();
    serde_json::json!({
        "format_version": "1.0",
        "recon_version": env!("CARGO_PKG_VERSION"),
        "serial": state.serial,
        "lineage": state.lineage,
        "values": { "outputs": outputs, "root_module": { "resources": resources } },
    })
}
