//! The Terraform corpus (tests/corpus, sources in tests/corpus/SOURCES.md):
//! every case is validated and planned against one moto; the cases listed in
//! tests/corpus/APPLY are also applied and must then plan with no changes.
//! A case that looks up objects its example presumes exist (a role, a KMS key,
//! an AMI of one's own) makes them first with its `world.py` (boto3 against the
//! same moto), as its author's account would have them.
//! A table of outcomes goes to `$CARGO_TARGET_TMPDIR/corpus-report.md`.

use crate::common;
use crate::common::{Moto, Run};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The share of cases that must validate and plan: the 85% the issue asks for
/// (recon reaches more, see the README; a fall below it fails the tests).
const MIN_PLANNED: f64 = 0.85;

/// Cases run in this many threads, each against its own moto.
const WORKERS: usize = 2;

#[derive(Default)]
struct Outcome {
    name: String,
    validate: bool,
    plan: bool,
    /// Only for the cases in APPLY: (apply succeeded, re-plan showed no changes).
    apply: Option<(bool, bool)>,
    first_error: String,
}

fn corpus_dir() -> PathBuf {
    common::repo_root().join("tests/corpus")
}

/// Comma-separated case names to run alone (while working on them); the
/// share is then not checked.
fn only() -> Option<Vec<String>> {
    let only = std::env::var("RECON_CORPUS_ONLY").ok()?;
    Some(only.split(',').map(|s| s.trim().to_string()).collect())
}

fn cases() -> Vec<String> {
    let only = only();
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| only.as_ref().is_none_or(|o| o.contains(n)))
        .collect();
    names.sort();
    names
}

fn apply_list() -> Vec<String> {
    std::fs::read_to_string(corpus_dir().join("APPLY"))
        .unwrap()
        .lines()
        .map(|l| l.split('#').next().unwrap().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The line that says what went wrong: the first diagnostic (`×`), else the first
/// that names an error, else the first non-empty line of stderr, then of stdout.
fn first_error(run: &Run) -> String {
    let lines = || run.stderr.lines().chain(run.stdout.lines());
    let line = lines()
        .find(|l| l.trim_start().starts_with('×'))
        .or_else(|| lines().find(|l| l.to_lowercase().contains("error")))
        .or_else(|| lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("");
    let line = line.trim().replace('|', "\\|");
    line.chars().take(160).collect()
}

fn run_case(moto: &Moto, work: &Path, name: &str, apply: bool) -> Outcome {
    let stack = work.join(name);
    copy_dir(&corpus_dir().join(name), &stack);
    // Run in the stack directory, as `terraform plan` is run: the examples' file
    // paths (`filename = "lambda.zip"`) are relative to it.
    let work = stack.as_path();
    let mut out = Outcome {
        name: name.to_string(),
        ..Outcome::default()
    };
    seed_world(moto, &stack);
    let validate = moto.run(work, &stack, &["validate"]);
    out.validate = validate.code == 0;
    if !out.validate {
        out.first_error = first_error(&validate);
    }
    let plan = moto.run(work, &stack, &["plan", "--detailed-exitcode"]);
    out.plan = plan.code == 0 || plan.code == 2;
    if !out.plan && out.first_error.is_empty() {
        out.first_error = first_error(&plan);
    }
    if apply {
        // Each applied case starts from an empty account: the cases reuse names.
        moto.reset();
        seed_world(moto, &stack);
        // The examples are not hardened (no public access block, IMDSv1): the
        // corpus tests what recon understands, the security policies are tested
        // apart, so only a critical finding stops an apply here.
        let applied = moto.run(
            work,
            &stack,
            &["apply", "--auto-approve", "--policy-fail-on", "critical"],
        );
        let mut clean = false;
        if applied.code == 0 {
            let replan = moto.run(work, &stack, &["plan", "--detailed-exitcode"]);
            clean = replan.code == 0 && replan.stdout.contains("No changes.");
            if !clean && out.first_error.is_empty() {
                out.first_error = format!("re-plan: {}", first_line_of_change(&replan));
            }
        } else if out.first_error.is_empty() {
            out.first_error = format!("apply: {}", first_error(&applied));
        }
        out.apply = Some((applied.code == 0, clean));
    }
    out
}

/// Runs the case's `world.py`, if it has one, against `moto` (idempotent: it
/// runs again after a reset).
fn seed_world(moto: &Moto, stack: &Path) {
    let script = stack.join("world.py");
    if !script.exists() {
        return;
    }
    let python = common::repo_root().join(".venv/bin/python");
    let out = std::process::Command::new(python)
        .arg(&script)
        .current_dir(stack)
        .envs(common::aws_env(&moto.endpoint))
        .output()
        .expect("run world.py");
    assert!(
        out.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a re-plan that should be empty wants to change (its first `#` line).
fn first_line_of_change(run: &Run) -> String {
    run.stdout
        .lines()
        .find(|l| l.trim_start().starts_with('#') || l.trim_start().starts_with('~'))
        .map(|l| l.trim().replace('|', "\\|"))
        .unwrap_or_else(|| first_error(run))
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "FAIL"
    }
}

fn report(outcomes: &[Outcome]) -> String {
    let planned = outcomes.iter().filter(|o| o.validate && o.plan).count();
    let applied: Vec<_> = outcomes.iter().filter_map(|o| o.apply).collect();
    let clean = applied.iter().filter(|(a, c)| *a && *c).count();
    let mut text = format!(
        "# Terraform corpus\n\n{} cases; {} validate and plan ({:.1}%); {} of {} applied cases apply and re-plan with no changes.\n\n",
        outcomes.len(),
        planned,
        100.0 * planned as f64 / outcomes.len() as f64,
        clean,
        applied.len()
    );
    text.push_str("| case | validate | plan | apply | re-plan | first error |\n| --- | --- | --- | --- | --- | --- |\n");
    for o in outcomes {
        let (apply, replan) = match o.apply {
            Some((a, c)) => (mark(a), if a { mark(c) } else { "-" }),
            None => ("-", "-"),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} |",
            o.name,
            mark(o.validate),
            mark(o.plan),
            apply,
            replan,
            o.first_error
        );
    }
    text
}

#[test]
fn corpus_validates_plans_and_applied_cases_converge() {
    let names = cases();
    let to_apply = apply_list();
    for name in &to_apply {
        assert!(
            only().is_some() || names.contains(name),
            "APPLY names {name}, which is not a case"
        );
    }
    let work = tempfile::tempdir().unwrap();
    // Two workers, each with its own moto (applied cases reset it and reuse names).
    let mut outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (names, to_apply, work) = (&names, &to_apply, work.path());
                scope.spawn(move || {
                    let moto = Moto::start();
                    names
                        .iter()
                        .skip(w)
                        .step_by(WORKERS)
                        .map(|name| run_case(&moto, work, name, to_apply.contains(name)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    outcomes.sort_by(|a, b| a.name.cmp(&b.name));

    let text = report(&outcomes);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-report.md");
    std::fs::write(&path, &text).unwrap();
    println!("{text}\n(report written to {})", path.display());

    let planned = outcomes.iter().filter(|o| o.validate && o.plan).count();
    let share = planned as f64 / outcomes.len() as f64;
    assert!(
        only().is_some() || share >= MIN_PLANNED,
        "{planned} of {} cases validate and plan ({:.1}%), below {:.0}%",
        outcomes.len(),
        share * 100.0,
        MIN_PLANNED * 100.0
    );
    let diverged: Vec<&str> = outcomes
        .iter()
        .filter(|o| matches!(o.apply, Some((a, c)) if !(a && c)))
        .map(|o| o.name.as_str())
        .collect();
    assert!(
        diverged.is_empty(),
        "applied cases that failed or did not re-plan clean: {diverged:?}"
    );
}
