//! `recon taint ADDRESS` / `recon untaint ADDRESS`: mark a resource instance in
//! state so the next apply replaces it, or take that mark off (e.g. after a create
//! that failed half-way was repaired by hand). State only: AWS is not touched.

use super::state::{edit, not_found};
use super::{CliError, Ctx, EXIT_OK};
use crate::addr::{InstanceAddr, InstanceKey, Mode};
use crate::state::State;
use clap::Args;

#[derive(Args, Debug)]
pub struct TaintArgs {
    /// The resource instance, e.g. aws_instance.sync or aws_instance.web[0].
    pub address: String,
    /// Succeed (with a warning) when the instance is not in state.
    #[arg(long)]
    pub allow_missing: bool,
}

pub async fn run(ctx: &Ctx, args: &TaintArgs, taint: bool) -> Result<i32, CliError> {
    let addr: InstanceAddr = args
        .address
        .parse()
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.address)))?;
    if addr.resource.mode == Mode::Data {
        return Err(CliError::Failed(format!(
            "{addr} is a data source: it is read on every plan, there is nothing to replace"
        )));
    }
    let (stack, _graph) = ctx.load_stack()?;
    let backend = ctx.backend(&stack).await?;
    let verb = if taint { "taint" } else { "untaint" };
    let marked = edit(ctx, &backend, |state| {
        let Some(r) = state.get_mut(&addr) else {
            return if args.allow_missing {
                Ok(false)
            } else {
                Err(missing(&addr, &args.address, state))
            };
        };
        if !taint && !r.tainted {
            return Err(CliError::Failed(format!(
                "{addr} is not tainted, so there is nothing to untaint"
            )));
        }
        r.tainted = taint;
        Ok(true)
    })
    .await?;
    match (marked, taint) {
        (false, _) => {
            errln!("Warning: {addr} is not in state; nothing to {verb} (--allow-missing).")
        }
        (true, true) => outln!("{addr} is marked as tainted: the next apply replaces it."),
        (true, false) => outln!("{addr} is no longer tainted."),
    }
    Ok(EXIT_OK)
}

/// Not in state: names the instances when ADDRESS is a block that has several.
fn missing(addr: &InstanceAddr, address: &str, state: &State) -> CliError {
    let instances: Vec<&str> = state
        .resources
        .iter()
        .filter(|r| addr.key == InstanceKey::None && r.is_instance_of(&addr.resource))
        .map(|r| r.address.as_str())
        .collect();
    if instances.is_empty() {
        return not_found(address, state);
    }
    CliError::Failed(format!(
        "{address} has several instances; name one: {}",
        instances.join(", ")
    ))
}
