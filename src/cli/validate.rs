//! `recon validate`: stack files, references, cycles and schemas; no AWS, no state.

use super::{CliError, Ctx, EXIT_OK};
use crate::aws::{AwsProvider, Clients};
use crate::plan::planner;

pub fn run(ctx: &Ctx) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    // Module instances, with the variables the environment and tfvars files give.
    let stack = ctx.expand_modules(stack)?;
    crate::graph::ConfigGraph::build(&stack)?;
    let provider = AwsProvider::new(&Clients::offline());
    planner::validate(&stack, &provider)?;
    outln!("Success! The stack is valid.");
    Ok(EXIT_OK)
}
