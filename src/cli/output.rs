//! `recon output [NAME]`: output values recorded in state.

use super::{CliError, Ctx, EXIT_OK};
use crate::state::State;
use crate::value::Value;
use clap::Args;

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Print only this output.
    pub name: Option<String>,
    /// Print as JSON (sensitive values included, as Terraform does).
    #[arg(long)]
    pub json: bool,
    /// Print a string output without quotes, for scripts.
    #[arg(long, conflicts_with = "json")]
    pub raw: bool,
}

pub async fn run(ctx: &Ctx, args: &OutputArgs) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    let (state, _) = ctx.read_state(&*backend).await?;
    match &args.name {
        Some(name) => {
            let Some(out) = state.outputs.get(name) else {
                let names: Vec<&str> = state.outputs.keys().map(String::as_str).collect();
                return Err(CliError::Failed(format!(
                    "no output \"{name}\" in state (outputs: {}); run recon apply first if it is new",
                    if names.is_empty() { "none".to_string() } else { names.join(", ") }
                )));
            };
            let value = Value::from_json(&out.value);
            if args.json {
                outln!("{}", out.value);
            } else if args.raw {
                match value.to_interpolated() {
                    Some(s) => outln!("{s}"),
                    None => {
                        return Err(CliError::Failed(format!(
                            "output \"{name}\" is not a string, number or bool; use --json"
                        )))
                    }
                }
            } else {
                outln!("{value}");
            }
        }
        None if args.json => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&outputs_json(&state)).unwrap_or_default()
            );
        }
        None => {
            for (name, out) in &state.outputs {
                if out.sensitive {
                    outln!("{name} = (sensitive value)");
                } else {
                    outln!("{name} = {}", Value::from_json(&out.value));
                }
            }
        }
    }
    Ok(EXIT_OK)
}

/// Every output as `{"sensitive": ..., "value": ...}` (values included, as Terraform does).
pub(super) fn outputs_json(state: &State) -> serde_json::Map<String, serde_json::Value> {
    state
        .outputs
        .iter()
        .map(|(k, o)| {
            (
                k.clone(),
                serde_json::json!({"sensitive": o.sensitive, "value": o.value}),
            )
        })
        .collect()
}
