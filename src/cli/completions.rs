//! `recon completions bash|zsh|fish`: a completion script for the shell,
//! generated from the same clap definitions that parse the command line.

use super::{Cli, CliError, EXIT_OK};
use clap::{Args, CommandFactory};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell, e.g. `recon completions bash > /etc/bash_completion.d/recon`.
    pub shell: clap_complete::Shell,
}

pub fn run(args: &CompletionsArgs) -> Result<i32, CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "recon", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(EXIT_OK)
}
