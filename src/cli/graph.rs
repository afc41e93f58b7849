//! `recon graph`: the resource dependency graph in Graphviz DOT on stdout.

use super::{CliError, Ctx, EXIT_OK};

pub fn run(ctx: &Ctx) -> Result<i32, CliError> {
    let (_stack, graph) = ctx.load_stack()?;
    out!("{}", graph.to_dot());
    Ok(EXIT_OK)
}
