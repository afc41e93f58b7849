//! `recon fmt [-check] [-diff] [-recursive] [TARGET...]`: rewrites stack files
//! in Terraform's canonical layout (`terraform fmt`), changing only whitespace.

use super::{CliError, Ctx, EXIT_OK};
use crate::diag::{Diag, Diags, SourceFile};
use clap::{ArgAction, Args};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `-check` found files to format (as `terraform fmt -check`).
pub const EXIT_UNFORMATTED: i32 = 3;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories (default: the stack directory); `-` reads standard input.
    pub targets: Vec<PathBuf>,
    /// Change nothing: list the files that need formatting and exit 3 if there are any.
    #[arg(long)]
    pub check: bool,
    /// Show the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also the files in subdirectories (hidden ones aside).
    #[arg(long)]
    pub recursive: bool,
    /// Write the files (--write=false: only list and show).
    #[arg(long, action = ArgAction::Set, default_value_t = true, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub write: bool,
    /// List the files whose layout changes (--list=false: do not).
    #[arg(long, action = ArgAction::Set, default_value_t = true, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub list: bool,
}

/// The extensions of the files recon reads: stack and policy files, Terraform
/// configuration and variables files.
const EXTENSIONS: &[&str] = &["hcl", "tf", "tfvars"];

pub fn run(ctx: &Ctx, args: &FmtArgs) -> Result<i32, CliError> {
    if args.targets.iter().any(|t| t.as_os_str() == "-") {
        return stdin(args);
    }
    let targets = if args.targets.is_empty() {
        vec![ctx.stack_dir.clone()]
    } else {
        args.targets.clone()
    };
    let mut files = Vec::new();
    for target in &targets {
        if target.is_dir() {
            collect(target, args.recursive, &mut files)?;
        } else if target.is_file() {
            files.push(target.clone());
        } else {
            return Err(CliError::Failed(format!(
                "{}: no such file or directory",
                target.display()
            )));
        }
    }
    let mut errors = Diags(Vec::new());
    let mut changed = 0;
    for path in &files {
        let text = match crate::diag::read_text(path, "") {
            Ok(text) => text,
            Err(d) => {
                errors.0.push(d);
                continue;
            }
        };
        let formatted = match format_checked(path, &text) {
            Ok(f) => f,
            Err(d) => {
                errors.0.push(d);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        // As Terraform lists them: relative to the current directory, without `./`.
        let path = path.strip_prefix(".").unwrap_or(path);
        if args.list {
            outln!("{}", path.display());
        }
        if args.diff {
            out!("{}", diff(path, &text, &formatted));
        }
        if args.write && !args.check {
            std::fs::write(path, formatted.as_bytes())
                .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    if !errors.0.is_empty() {
        return Err(CliError::Config(errors));
    }
    Ok(if args.check && changed > 0 {
        EXIT_UNFORMATTED
    } else {
        EXIT_OK
    })
}

/// `-`: standard input formatted to standard output.
fn stdin(args: &FmtArgs) -> Result<i32, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))?;
    let path = Path::new("<stdin>");
    let formatted = format_checked(path, &text)?;
    if args.diff {
        out!("{}", diff(path, &text, &formatted));
    } else if !args.check {
        out!("{formatted}");
    }
    Ok(if args.check && formatted != text {
        EXIT_UNFORMATTED
    } else {
        EXIT_OK
    })
}

/// The files of `dir` recon formats, sorted; with `recursive`, those below it too.
fn collect(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::Failed(format!("cannot list {}: {e}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if recursive {
                collect(&path, true, out)?;
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// `text` formatted, once it parses: a file with a syntax error is refused,
/// as `terraform fmt` does, with where the error is.
fn format_checked(path: &Path, text: &str) -> Result<String, Diag> {
    if let Err(e) = hcl_edit::parser::parse_body(text) {
        let file = Arc::new(SourceFile {
            name: path.display().to_string(),
            path: path.to_path_buf(),
            text: Arc::new(text.to_string()),
        });
        return Err(crate::config::parse_error(&file, &e));
    }
    Ok(crate::format::format(text))
}

/// A unified diff of the file's layout change, as `terraform fmt -diff` shows.
fn diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}
