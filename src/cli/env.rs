//! `recon env list`: the environments of a stack that have state.

use super::{CliError, Ctx, EXIT_OK};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum EnvCommand {
    /// List the environments that have state; the selected one is marked with *.
    List,
}

pub async fn run(ctx: &Ctx, cmd: &EnvCommand) -> Result<i32, CliError> {
    match cmd {
        EnvCommand::List => {
            let (stack, _graph) = ctx.load_stack()?;
            let backend = ctx.backend(&stack).await?;
            let envs = backend
                .environments()
                .await
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let current = ctx.backend.env_name();
            for env in &envs {
                let mark = if env == current { "*" } else { " " };
                outln!("{mark} {env}");
            }
            if !envs.iter().any(|e| e == current) {
                outln!("  ({current}, selected, has no state yet)");
            }
            Ok(EXIT_OK)
        }
    }
}
