//! `recon check`: security policies over the stack, statically: no AWS credentials,
//! no state. Works on plain Terraform `.tf` files for the resource types recon
//! supports; other types are skipped with a note. Local modules are followed (the
//! only command that reads module blocks).

use super::{CliError, Ctx, VarArgs, EXIT_ERROR, EXIT_OK};
use crate::aws::{AwsProvider, Clients};
use crate::config::vars::VarInputs;
use crate::config::Stack;
use crate::graph::ConfigGraph;
use crate::policy::{self, report, Severity};
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub vars: VarArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a policy of this severity or higher fails (low, medium, high, critical).
    #[arg(long = "policy-fail-on", value_name = "SEVERITY", default_value = "high", value_parser = parse_severity)]
    pub policy_fail_on: Severity,
}

pub fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

pub fn run(ctx: &Ctx, args: &CheckArgs) -> Result<i32, CliError> {
    let stack = Stack::load_with_modules(&ctx.stack_dir)?;
    let graph = ConfigGraph::build(&stack)?;
    let mut files = ctx
        .backend
        .env_tfvars(&stack.dir)
        .into_iter()
        .collect::<Vec<_>>();
    files.extend(args.vars.var_files.iter().cloned());
    let inputs = VarInputs {
        flags: args.vars.vars.clone(),
        files,
        env: VarInputs::from_env(),
    };
    let (vars, var_notes) = policy::check::lenient_vars(&stack, &inputs)?;
    let policies = policy::load(&stack.dir)?;
    let provider = AwsProvider::new(&Clients::offline());
    let mut report = policy::check_stack(&stack, &graph, &vars, &provider, &policies)?;
    report.notes.splice(0..0, var_notes);
    let threshold = args.policy_fail_on;
    match args.format {
        Format::Human => out!("{}", report::human::render(&report, threshold, ctx.color)),
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&report::json::render(&report, threshold))
                .unwrap_or_default()
        ),
        Format::Sarif => outln!(
            "{}",
            serde_json::to_string_pretty(&report::sarif::render(&report, threshold))
                .unwrap_or_default()
        ),
    }
    Ok(if report.failing(threshold).is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
