//! `recon validate`: stack files, references, cycles and schemas; no AWS, no state.

use super::{CliError, Ctx, EXIT_OK};
use crate::aws::{AwsProvider, Clients};
use crate::plan::planner;

pub fn run(ctx: &Ctx) -> Result<i32, CliError> {
    let (stack, _graph) = ctx.load_stack()?;
    // Module instances, with the variables the environment and tfvars files give.
    let stack = if stack.modules.is_empty() {
        stack
    } else {
        let vars = ctx.vars(&stack, &super::VarArgs::default())?;
        let flat = crate::config::modules::expand(&stack, &vars)?;
        crate::graph::ConfigGraph::build(&flat)?;
        flat
    };
    let provider = AwsProvider::new(&Clients::offline());
    planner::validate(&stack, &provider)?;
    outln!("Success! The stack is valid.");
    Ok(EXIT_OK)
}
