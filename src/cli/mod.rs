//! The command line: clap definitions, the shared setup every command needs, and
//! one file per command.

mod apply;
mod graph;
mod output;
mod plan;
mod validate;

use crate::apply::Refusal;
use crate::aws::{AwsProvider, Clients};
use crate::config::vars::{self, VarInputs};
use crate::config::Stack;
use crate::diag::{Diag, Diags};
use crate::graph::ConfigGraph;
use crate::provider::{Provider, Schema};
use crate::state::local::LocalBackend;
use crate::state::{Backend, State};
use crate::value::Object;
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "recon", version, about = "A declarative reconciler for AWS: plan and apply HCL stacks")]
pub struct Cli {
    /// The stack directory (default: the current directory).
    #[arg(short = 'C', long = "stack", global = true, value_name = "DIR")]
    pub stack: Option<PathBuf>,
    /// Never use colour (also when NO_COLOR is set or output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show what apply would change.
    Plan(plan::PlanArgs),
    /// Make AWS match the stack (or apply a saved plan).
    Apply(apply::ApplyArgs),
    /// Destroy everything the stack manages.
    Destroy(apply::DestroyArgs),
    /// Check the stack files without touching AWS or state.
    Validate,
    /// Print the resource dependency graph in Graphviz DOT.
    Graph,
    /// Print output values from state.
    Output(output::OutputArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a tfvars file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// Everything that ends a command early, each with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(Diags),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("{0}")]
    Failed(String),
}

impl From<Diags> for CliError {
    fn from(d: Diags) -> Self {
        CliError::Config(d)
    }
}

impl From<Diag> for CliError {
    fn from(d: Diag) -> Self {
        CliError::Config(d.into())
    }
}

/// Exit codes: 0 ok, 1 error, 2 changes present (plan --detailed-exitcode), 3 refused by a guard.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;
pub const EXIT_REFUSED: i32 = 3;

pub fn run(cli: Cli) -> i32 {
    let color = !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    let ctx = Ctx { stack_dir: cli.stack.clone().unwrap_or_else(|| PathBuf::from(".")), color };
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Plan(args) => plan::run(&ctx, args).await,
            Command::Apply(args) => apply::run(&ctx, args).await,
            Command::Destroy(args) => apply::destroy(&ctx, args).await,
            Command::Validate => validate::run(&ctx),
            Command::Graph => graph::run(&ctx),
            Command::Output(args) => output::run(&ctx, args),
        }
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            report(&err, color);
            match err {
                CliError::Refused(_) => EXIT_REFUSED,
                _ => EXIT_ERROR,
            }
        }
    }
}

fn report(err: &CliError, color: bool) {
    match err {
        CliError::Config(diags) => {
            for d in &diags.0 {
                eprintln!("{}", d.render(color));
            }
            if diags.0.len() > 1 {
                eprintln!("{} errors.", diags.0.len());
            }
        }
        CliError::Refused(r) => eprintln!("Error: {r}\nNothing was changed."),
        CliError::Failed(msg) => eprintln!("Error: {msg}"),
    }
}

pub struct Ctx {
    pub stack_dir: PathBuf,
    pub color: bool,
}

impl Ctx {
    pub fn load_stack(&self) -> Result<(Stack, ConfigGraph), CliError> {
        let stack = Stack::load(&self.stack_dir)?;
        let graph = ConfigGraph::build(&stack)?;
        Ok((stack, graph))
    }

    /// The local backend: the stack's `recon { backend "local" { path } }` or
    /// `state/<stack name>.json` under the directory recon runs from.
    pub fn backend(&self, stack: &Stack) -> Result<LocalBackend, CliError> {
        match &stack.backend {
            None => Ok(LocalBackend::new(PathBuf::from("state").join(format!("{}.json", stack.name)))),
            Some(b) if b.kind == "local" => match b.settings.get("path").and_then(|v| v.as_str()) {
                Some(path) => {
                    let path = PathBuf::from(path);
                    // Relative paths are relative to the stack, as the block sits in its files.
                    Ok(LocalBackend::new(if path.is_absolute() { path } else { stack.dir.join(path) }))
                }
                None => Ok(LocalBackend::new(PathBuf::from("state").join(format!("{}.json", stack.name)))),
            },
            Some(b) => Err(Diag::at(&b.span, format!("backend \"{}\" is not supported by this recon", b.kind), "unsupported backend")
                .with_help("use backend \"local\" { path = \"...\" }")
                .into()),
        }
    }

    pub fn read_state(&self, backend: &dyn Backend) -> Result<(State, bool), CliError> {
        match backend.read() {
            Ok(Some(state)) => Ok((state, true)),
            Ok(None) => Ok((State::new(), false)),
            Err(e) => Err(CliError::Failed(e.to_string())),
        }
    }

    pub fn vars(&self, stack: &Stack, args: &VarArgs) -> Result<Object, CliError> {
        let inputs = VarInputs { flags: args.vars.clone(), files: args.var_files.clone(), env: VarInputs::from_env() };
        Ok(vars::resolve(stack, &inputs)?)
    }

    pub async fn provider(&self) -> AwsProvider {
        AwsProvider::new(&Clients::load().await)
    }
}

/// Looks up a resource or data source schema by type name, for renderers.
pub fn schema_lookup(provider: &dyn Provider) -> impl Fn(&str) -> Option<&'static Schema> + '_ {
    move |type_name| {
        provider
            .resource(type_name)
            .map(|r| r.schema())
            .or_else(|| provider.data_source(type_name).map(|d| d.schema()))
    }
}
