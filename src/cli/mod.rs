//! The command line: clap definitions, the shared setup every command needs, and
//! one file per command.

#[macro_use]
mod out;

mod apply;
mod backend;
mod check;
mod completions;
mod env;
mod fmt;
mod force_unlock;
mod graph;
mod import;
mod import_terraform;
mod init;
mod interrupt;
mod output;
mod plan;
mod show;
mod state;
mod taint;
pub mod terraform_args;
mod validate;

use crate::apply::Refusal;
use crate::aws::AwsProvider;
use crate::config::vars::{self, VarInputs};
use crate::config::Stack;
use crate::diag::{Diag, Diags};
use crate::graph::ConfigGraph;
use crate::provider::{Provider, Schema};
use crate::value::Object;
use clap::{Args, Parser, Subcommand};
use futures::FutureExt;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "recon",
    version,
    about = "A declarative reconciler for AWS: plan and apply HCL stacks"
)]
pub struct Cli {
    /// The stack directory (default: the current directory).
    #[arg(short = 'C', long = "stack", global = true, value_name = "DIR")]
    pub stack: Option<PathBuf>,
    /// Never use colour (also when NO_COLOR is set or output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// How long one attempt of one AWS call may take before it counts as lost
    /// (then retried; a create is looked for first), e.g. 60s, 2m.
    #[arg(long = "call-timeout", global = true, value_name = "DURATION", default_value = "60s", value_parser = crate::state::lock::parse_duration)]
    pub call_timeout: std::time::Duration,
    /// Show each error's whole chain (causes, the AWS SDK's report) on stderr; also RECON_LOG=debug.
    #[arg(long, global = true)]
    pub debug: bool,
    #[command(flatten)]
    pub backend: backend::BackendArgs,
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
    /// Evaluate security policies (policies/*.hcl) over the stack, without AWS or state.
    Check(check::CheckArgs),
    /// Print the resource dependency graph in Graphviz DOT.
    Graph,
    /// Print output values from state.
    Output(output::OutputArgs),
    /// Show the state, or a saved plan (`recon show FILE`), for people or tools (--json).
    Show(show::ShowArgs),
    /// Adopt an existing AWS object into state: recon import ADDRESS ID.
    Import(import::ImportArgs),
    /// Check the backend; --migrate-state moves a local state into it.
    Init(init::InitArgs),
    /// Remove a stuck state lock (its holder was killed or lost).
    ForceUnlock(force_unlock::ForceUnlockArgs),
    /// Inspect and change state: list, show, rm, mv, pull, push, history.
    #[command(subcommand)]
    State(state::StateCommand),
    /// Mark a resource instance in state so that the next apply replaces it.
    Taint(taint::TaintArgs),
    /// Take the taint mark off a resource instance in state.
    Untaint(taint::TaintArgs),
    /// Environments of the stack (--env NAME): list those that have state.
    #[command(subcommand)]
    Env(env::EnvCommand),
    /// Print recon's version (--json for tools).
    Version(VersionArgs),
    /// Rewrite stack files in Terraform's canonical layout (-check: exit 3 if any need it).
    Fmt(fmt::FmtArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct VersionArgs {
    /// Print it as JSON.
    #[arg(long)]
    pub json: bool,
}

fn version(args: &VersionArgs) -> Result<i32, CliError> {
    let version = env!("CARGO_PKG_VERSION");
    let platform = format!(
        "{}_{}",
        std::env::consts::OS,
        match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        }
    );
    if args.json {
        let json = serde_json::json!({
            "recon_version": version,
            "platform": platform,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        outln!("recon v{version}\non {platform}");
    }
    Ok(EXIT_OK)
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

/// `--target` and `--replace`, for the commands that plan.
#[derive(Args, Debug, Clone, Default)]
pub struct TargetArgs {
    /// Plan only this resource or instance, with what it depends on (repeatable; not for routine use).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Replace this instance even though nothing forces it (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
}

impl TargetArgs {
    /// The addresses parsed, into `opts`.
    pub fn apply_to(&self, opts: &mut crate::plan::PlanOptions) -> Result<(), CliError> {
        let parse = |flag: &str, list: &[String]| {
            list.iter()
                .map(|a| {
                    a.parse::<crate::addr::InstanceAddr>()
                        .map_err(|e| CliError::Failed(format!("--{flag}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        opts.targets = parse("target", &self.targets)?;
        opts.replace = parse("replace", &self.replace)?;
        if !opts.targets.is_empty() {
            errln!(
                "Warning: resource targeting is in effect: this plan may not be complete, and changes outside the targets are not shown.\n\
                 Use --target only for exceptional situations, such as recovering from errors; run a plan without it afterwards."
            );
        }
        Ok(())
    }
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
    /// A panic, already reported by the panic hook.
    #[error(
        "recon stopped on an internal error, shown above: this is a bug in recon, please report it"
    )]
    Bug,
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

/// Exit codes: 0 ok, 1 error, 2 changes present (plan --detailed-exitcode), 3 refused by a guard, 101 a bug.
pub const EXIT_OK: i32 = 0;
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_CHANGES: i32 = 2;
pub const EXIT_REFUSED: i32 = 3;
/// A panic: Rust's own exit code for one.
pub const EXIT_BUG: i32 = 101;

pub fn run(cli: Cli) -> i32 {
    let color =
        !cli.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    let backend = match cli
        .backend
        .resolve(cli.stack.clone(), operation(&cli.command))
    {
        Ok(b) => b,
        Err(e) => {
            report(&e, color);
            return EXIT_ERROR;
        }
    };
    let debug = cli.debug || log_wanted(std::env::var("RECON_LOG").ok().as_deref());
    crate::diag::set_debug(debug);
    let ctx = Ctx {
        stack_dir: cli.stack.clone().unwrap_or_else(|| PathBuf::from(".")),
        color,
        debug,
        backend,
        call_timeout: cli.call_timeout,
        held: Default::default(),
        aws: Default::default(),
        interrupt: Default::default(),
        identity: Default::default(),
    };
    let (result, abandoned) = runtime.block_on(async {
        let command = async {
            match &cli.command {
                Command::Plan(args) => plan::run(&ctx, args).await,
                Command::Apply(args) => apply::run(&ctx, args).await,
                Command::Destroy(args) => apply::destroy(&ctx, args).await,
                Command::Validate => validate::run(&ctx),
                Command::Check(args) => check::run(&ctx, args),
                Command::Graph => graph::run(&ctx),
                Command::Output(args) => output::run(&ctx, args).await,
                Command::Show(args) => show::run(&ctx, args).await,
                Command::Import(args) => import::run(&ctx, args).await,
                Command::Init(args) => init::run(&ctx, args).await,
                Command::ForceUnlock(args) => force_unlock::run(&ctx, args).await,
                Command::State(cmd) => state::run(&ctx, cmd).await,
                Command::Taint(args) => taint::run(&ctx, args, true).await,
                Command::Untaint(args) => taint::run(&ctx, args, false).await,
                Command::Env(cmd) => env::run(&ctx, cmd).await,
                Command::Version(args) => version(args),
                Command::Fmt(args) => fmt::run(&ctx, args),
                Command::Completions(args) => completions::run(args),
            }
        };
        // A bug that panics must not skip the release of the lock below.
        let command = std::panic::AssertUnwindSafe(command).catch_unwind().map(|done| done.unwrap_or(Err(CliError::Bug)));
        // Commands that may take the lock handle Ctrl-C and SIGTERM (src/cli/interrupt.rs);
        // the others keep the default, dying at once.
        let mut signals = match operation(&cli.command) {
            "read" => None,
            _ => interrupt::Signals::install().map_err(|e| errln!("Warning: cannot handle Ctrl-C ({e}); an interrupted run may leave the state lock behind")).ok(),
        };
        let result = match signals.as_mut() {
            Some(signals) => interrupt::supervise(&ctx.interrupt, signals, command).await,
            None => Ok(command.await),
        };
        if let Err(halt) = &result {
            errln!("\n{}", halt.message());
        }
        // Whatever happened (an error, a signal, a panic), a lock this command took
        // is released here; only two more signals give up waiting for that.
        let abandoned = match signals.as_mut() {
            Some(signals) => {
                let held = ctx.held_lock_id().await;
                match interrupt::release(signals, ctx.release_lock()).await {
                    Ok(()) => None,
                    Err(signal) => {
                        if let Some(id) = held {
                            errln!("Stopped without releasing the state lock. If no recon is running, remove it with:\n  {}", ctx.backend.command(&format!("force-unlock {id}")));
                        }
                        Some(signal)
                    }
                }
            }
            None => {
                ctx.release_lock().await;
                None
            }
        };
        (result, abandoned)
    });
    let code = match &result {
        Ok(Ok(code)) => *code,
        Ok(Err(err)) => {
            report(err, color);
            match err {
                CliError::Refused(_) => EXIT_REFUSED,
                CliError::Bug => EXIT_BUG,
                _ => EXIT_ERROR,
            }
        }
        Err(halt) => halt.signal.exit_code(),
    };
    match result.err().map(|h| h.signal).or(abandoned) {
        Some(signal) => {
            // Nothing more to wait for: an abandoned blocking task must not hold the exit.
            runtime.shutdown_background();
            signal.exit_code()
        }
        None => code,
    }
}

/// `RECON_LOG` set to anything but nothing, `0`, `off` or `error` asks for the whole chain.
fn log_wanted(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "off" | "error"
        )
    })
}

fn report(err: &CliError, color: bool) {
    match err {
        CliError::Config(diags) => {
            for d in &diags.0 {
                errln!("{}", d.render(color));
            }
            if diags.0.len() > 1 {
                errln!("{} errors.", diags.0.len());
            }
        }
        CliError::Refused(r) => errln!("Error: {r}\nNothing was changed."),
        CliError::Failed(msg) => errln!("Error: {msg}"),
        CliError::Bug => errln!("Error: {err}"),
    }
}

/// The name a command's lock carries.
fn operation(command: &Command) -> &'static str {
    match command {
        Command::Plan(_) => "plan",
        Command::Apply(_) => "apply",
        Command::Destroy(_) => "destroy",
        Command::Init(_) => "init",
        Command::Import(_) => "import",
        Command::State(cmd) => cmd.operation(),
        Command::Show(show::ShowArgs {
            plan_file: Some(_), ..
        }) => "show",
        Command::Taint(_) => "taint",
        Command::Untaint(_) => "untaint",
        _ => "read",
    }
}

pub struct Ctx {
    pub stack_dir: PathBuf,
    pub color: bool,
    /// `--debug` / `RECON_LOG`: errors with their whole chain.
    pub debug: bool,
    /// Backend selection and locking options (src/cli/backend.rs).
    pub backend: backend::BackendOpts,
    /// One attempt of one AWS call (`--call-timeout`).
    pub call_timeout: std::time::Duration,
    held: tokio::sync::Mutex<Option<backend::Held>>,
    aws: tokio::sync::OnceCell<aws_config::SdkConfig>,
    /// What Ctrl-C does now, and the stop flag an apply watches.
    interrupt: interrupt::Interrupt,
    /// The stack whose state this command uses, once its backend is known: every
    /// state read is bound to it.
    identity: std::sync::Mutex<Option<crate::state::StackIdentity>>,
}

impl Ctx {
    pub fn load_stack(&self) -> Result<(Stack, ConfigGraph), CliError> {
        let stack = Stack::load(&self.stack_dir)?;
        for w in stack.warnings() {
            errln!("Warning: {}", w.render(self.color));
        }
        let graph = ConfigGraph::build(&stack)?;
        Ok((stack, graph))
    }

    /// The stack with its module instances, for commands that take no `--var`
    /// (variables from the environment and tfvars files).
    pub fn expand_modules(&self, stack: Stack) -> Result<Stack, CliError> {
        if stack.modules.is_empty() {
            return Ok(stack);
        }
        let vars = self.vars(&stack, &VarArgs::default())?;
        Ok(crate::config::modules::expand(stack, &vars)?)
    }

    pub fn vars(&self, stack: &Stack, args: &VarArgs) -> Result<Object, CliError> {
        // Terraform's own files first (terraform.tfvars, *.auto.tfvars), then an
        // environment's `<NAME>.tfvars`, so that --var-file and --var override them.
        let mut files = VarInputs::auto_files(&stack.dir);
        files.extend(self.backend.env_tfvars(&stack.dir));
        files.extend(args.var_files.iter().cloned());
        let inputs = VarInputs {
            flags: args.vars.clone(),
            files,
            env: VarInputs::from_env(),
        };
        Ok(vars::resolve(stack, &inputs)?)
    }

    /// The AWS provider with the stack's `provider "aws"` configurations
    /// (evaluated with `vars`): region, profile, assumed role, default tags, aliases.
    pub async fn provider(&self, stack: &Stack, vars: &Object) -> Result<AwsProvider, CliError> {
        crate::aws::call::on_throttle(|line| errln!("{line}"));
        let settings = crate::config::providers::evaluate(stack, vars)?;
        let base = self.aws_config().await;
        if base.region().is_none() {
            // Without a region the SDK fails every call late, with a debug dump.
            let default_used = stack.resources.values().any(|r| r.provider.is_none());
            let missing = settings.iter().find(|s| {
                s.region.is_none() && s.profile.is_none() && (s.alias.is_some() || default_used)
            });
            if let Some(s) = missing {
                let which = match &s.alias {
                    Some(alias) => format!("provider \"aws\" (alias = \"{alias}\")"),
                    None => "provider \"aws\"".to_string(),
                };
                return Err(CliError::Failed(format!(
                    "no AWS region for {which}: set AWS_REGION, or region = \"...\" in the provider block"
                )));
            }
        }
        AwsProvider::configured(&settings, base, self.call_timeout)
            .await
            .map_err(CliError::Failed)
    }

    /// The standard AWS configuration, loaded once per command.
    pub async fn aws_config(&self) -> &aws_config::SdkConfig {
        self.aws
            .get_or_init(|| aws_config::load_defaults(aws_config::BehaviorVersion::latest()))
            .await
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
