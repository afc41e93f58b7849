//! Terraform's single-dash long flags (`-auto-approve`, `-target=aws_vpc.main`,
//! `-var 'x=1'`) accepted as recon's `--` ones, so muscle memory works.

use clap::CommandFactory;
use std::ffi::OsString;

/// Terraform's global `-chdir=DIR` (before the subcommand): recon changes into
/// DIR before anything else, as Terraform does. Returns the other arguments.
pub fn chdir(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let mut out = Vec::with_capacity(args.len());
    let mut before_command = true;
    for (i, arg) in args.into_iter().enumerate() {
        let text = arg.to_str().unwrap_or_default();
        if i > 0 && before_command {
            if let Some(dir) = text
                .strip_prefix("-chdir=")
                .or_else(|| text.strip_prefix("--chdir="))
            {
                std::env::set_current_dir(dir)
                    .map_err(|e| format!("-chdir={dir}: cannot change into it: {e}"))?;
                continue;
            }
            if !text.starts_with('-') {
                before_command = false;
            }
        }
        out.push(arg);
    }
    Ok(out)
}

/// Terraform flags that change nothing in recon, dropped where they are given:
/// recon never asks for input values (`-input`), prints warnings in full
/// (`-compact-warnings`), and `-parallelism` only matters where recon applies.
fn ignored(arg: &str, command: Option<&str>) -> bool {
    let name = arg.trim_start_matches('-');
    let name = name.split('=').next().unwrap_or(name);
    match name {
        "input" | "compact-warnings" => true,
        "parallelism" => !matches!(command, Some("apply") | Some("destroy")),
        _ => false,
    }
}

/// Rewrites `-name` / `-name=value` to `--name...` when `name` is a long option of
/// the subcommand being run (or a global one); everything else is left alone.
pub fn normalize(args: Vec<OsString>) -> Vec<OsString> {
    let command = super::Cli::command();
    let longs_of = |cmd: &clap::Command| -> Vec<String> {
        cmd.get_arguments()
            .filter_map(|a| a.get_long().map(str::to_string))
            .collect()
    };
    let shorts_of = |cmd: &clap::Command| -> Vec<char> {
        cmd.get_arguments().filter_map(|a| a.get_short()).collect()
    };
    let mut longs = longs_of(&command);
    let mut shorts = shorts_of(&command);
    let mut out = Vec::with_capacity(args.len());
    let mut rest_is_positional = false;
    let mut path: Vec<&clap::Command> = vec![&command];
    for (i, arg) in args.into_iter().enumerate() {
        let text = arg.to_str().map(str::to_string);
        match text {
            Some(t) if i > 0 && !rest_is_positional => {
                if t == "--" {
                    rest_is_positional = true;
                } else if t.starts_with('-') && ignored(&t, path.get(1).map(|c| c.get_name())) {
                    continue;
                } else if !t.starts_with('-') {
                    // A subcommand name brings its own options into play.
                    if let Some(sub) = path.last().and_then(|c| c.find_subcommand(&t)) {
                        longs.extend(longs_of(sub));
                        shorts.extend(shorts_of(sub));
                        path.push(sub);
                    }
                } else if let Some(long) = single_dash_long(&t, &longs, &shorts) {
                    out.push(OsString::from(long));
                    continue;
                }
                out.push(arg);
            }
            _ => out.push(arg),
        }
    }
    out
}

/// `--name...` for `-name...` when `name` is a long option, or when it is a word
/// that does not start with a short option (`-lock=false`): then clap's error
/// names the whole flag instead of its first letter (`unexpected argument '-i'`).
fn single_dash_long(arg: &str, longs: &[String], shorts: &[char]) -> Option<String> {
    let body = arg.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
    let name = body.split('=').next().unwrap_or(body);
    let known = longs.iter().any(|l| l == name);
    let unknown_word = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() && !shorts.contains(&c));
    (name.len() > 1 && (known || unknown_word)).then(|| format!("-{arg}"))
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::ffi::OsString;

    fn run(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from).collect())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn an_unknown_single_dash_word_is_shown_whole() {
        assert_eq!(
            run(&[
                "recon",
                "plan",
                "-lock=false",
                "-Cstack",
                "-lock-timeout=1s"
            ]),
            [
                "recon",
                "plan",
                "--lock=false",
                "-Cstack",
                "--lock-timeout=1s"
            ]
        );
    }

    #[test]
    fn terraform_flags_become_long_options() {
        assert_eq!(
            run(&[
                "recon",
                "apply",
                "-auto-approve",
                "-target=aws_vpc.main",
                "-var",
                "x=1",
                "-C",
                "stack"
            ]),
            [
                "recon",
                "apply",
                "--auto-approve",
                "--target=aws_vpc.main",
                "--var",
                "x=1",
                "-C",
                "stack"
            ]
        );
        assert_eq!(
            run(&["recon", "plan", "-out=tfplan"]),
            ["recon", "plan", "--out=tfplan"]
        );
        assert_eq!(
            run(&["recon", "state", "push", "-force", "f.json"]),
            ["recon", "state", "push", "--force", "f.json"]
        );
    }

    #[test]
    fn other_arguments_are_left_alone() {
        // Short options, values and anything after `--`; an unknown word gets two
        // dashes only so that clap's error shows it whole.
        assert_eq!(
            run(&["recon", "plan", "-bogus", "-C", "x"]),
            ["recon", "plan", "--bogus", "-C", "x"]
        );
        assert_eq!(
            run(&["recon", "output", "--", "-json"]),
            ["recon", "output", "--", "-json"]
        );
        // `-out` is a plan option, not an apply one: refused as `--out`.
        assert_eq!(
            run(&["recon", "apply", "-out=x"]),
            ["recon", "apply", "--out=x"]
        );
    }
}
