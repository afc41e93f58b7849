//! `recon check`: security policies over the stack, statically: no AWS credentials,
//! no state. Works on plain Terraform `.tf` files for the resource types recon
//! supports; other types are skipped with a note. Local modules are followed (the
//! only command that reads module blocks).

use super::{CliError, Ctx, VarArgs, EXIT_ERROR, EXIT_OK};
use crate::aws::{AwsProvider, Clients};
use crate::config::vars::VarInputs;
use crate::diag::{display_path, Diag, Diags};
use crate::policy::{self, report, Note, Report, Severity};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

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
    /// The directory to check instead of the stack (-C); Checkov's spelling.
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Check every directory under DIR (default: the stack directory) that holds
    /// .tf or .hcl files, as `checkov -d` does, in one report.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub recursive: Option<Option<PathBuf>>,
}

pub fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Exit code of a check whose policies pass but some of whose input could not be
/// read (a file that does not parse, an undeclared reference, ...).
pub const EXIT_INCOMPLETE: i32 = 2;

pub fn run(ctx: &Ctx, args: &CheckArgs) -> Result<i32, CliError> {
    let dir = args.directory.as_ref().unwrap_or(&ctx.stack_dir);
    let provider = AwsProvider::new(&Clients::offline());
    let report = match &args.recursive {
        None => check_dir(ctx, args, dir, &provider)?,
        Some(root) => check_tree(ctx, args, root.as_ref().unwrap_or(dir), &provider)?,
    };
    let threshold = args.policy_fail_on;
    match args.format {
        Format::Human => out!("{}", report::human::render(&report, threshold, ctx.color)),
        Format::Json => outln!("{}", report::json::to_string_pretty(&report, threshold)),
        Format::Sarif => outln!(
            "{}",
            serde_json::to_string_pretty(&report::sarif::render(&report, threshold))
                .unwrap_or_default()
        ),
    }
    Ok(if !report.failing(threshold).is_empty() {
        EXIT_ERROR
    } else if report.incomplete() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    })
}

/// The report of one stack directory and the modules it calls.
fn check_dir(
    ctx: &Ctx,
    args: &CheckArgs,
    dir: &Path,
    provider: &AwsProvider,
) -> Result<Report, Diags> {
    let loaded = policy::check::load(dir)?;
    let mut files = ctx
        .backend
        .env_tfvars(&loaded.stack.dir)
        .into_iter()
        .collect::<Vec<_>>();
    files.extend(args.vars.var_files.iter().cloned());
    // Under --recursive, each `--var` is for the stacks that declare it.
    let flags = args
        .vars
        .vars
        .iter()
        .filter(|flag| {
            args.recursive.is_none()
                || flag
                    .split_once('=')
                    .is_none_or(|(name, _)| loaded.stack.variables.contains_key(name.trim()))
        })
        .cloned()
        .collect();
    let inputs = VarInputs {
        flags,
        files,
        env: VarInputs::from_env(),
    };
    let (vars, var_notes) = policy::check::lenient_vars(&loaded.stack, &inputs)?;
    let policies = policy::load(&loaded.stack.dir)?;
    let mut report = policy::check_stack(&loaded, &vars, provider, &policies)?;
    report.notes.splice(0..0, var_notes);
    Ok(report)
}

/// One report over every stack directory under `root`, file paths relative to it.
/// A stack that cannot be checked at all is listed with `parse_errors`.
fn check_tree(
    ctx: &Ctx,
    args: &CheckArgs,
    root: &Path,
    provider: &AwsProvider,
) -> Result<Report, Diags> {
    let dirs = stack_dirs(root).map_err(|e| {
        Diag::plain(format!("cannot read {}: {e}", display_path(root)))
            .with_help("pass a directory: recon check --recursive DIR")
    })?;
    if dirs.is_empty() {
        return Err(
            Diag::plain(format!("no .tf or .hcl files under {}", display_path(root))).into(),
        );
    }
    let mut all = Report::default();
    for dir in dirs {
        match check_dir(ctx, args, &dir, provider) {
            Ok(report) => all.merge(report),
            Err(diags) => all.parse_errors.extend(diags.0.into_iter().map(|d| Note {
                address: None,
                location: d.location.clone().or_else(|| Some(display_path(&dir))),
                message: format!("stack not checked: {}", d.message),
                invalid: true,
            })),
        }
    }
    all.relative_to(&display_path(root));
    Ok(all)
}

/// Directories under `root` (itself included) that hold .tf or .hcl files, in
/// name order; hidden ones (`.terraform`, `.git`) and a stack's `policies/` are
/// not stacks.
fn stack_dirs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let mut has_files = false;
        let mut children = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                children.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("tf" | "hcl")
            ) {
                has_files = true;
            }
        }
        if has_files {
            children.retain(|c| !c.ends_with("policies"));
            found.push(dir);
        }
        pending.extend(children);
    }
    found.sort();
    Ok(found)
}
