//! `recon graph`: the resource dependency graph in Graphviz DOT on stdout.

use super::{CliError, Ctx, EXIT_OK};
use crate::graph::ConfigGraph;

pub fn run(ctx: &Ctx) -> Result<i32, CliError> {
    let (stack, graph) = ctx.load_stack()?;
    let graph = if stack.modules.is_empty() {
        graph
    } else {
        ConfigGraph::build(&ctx.expand_modules(stack)?)?
    };
    out!("{}", graph.to_dot());
    Ok(EXIT_OK)
}
