//! The module boundaries of CONTRIBUTING, checked on the source: the engine's
//! arrows point one way, state storage names no SDK type, and every resource
//! type file has the same shape (the prelude; waits only through the toolkit).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn src(dir: &str) -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let files: Vec<_> = rust_files(&root)
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    assert!(!files.is_empty(), "no sources under {}", root.display());
    files
}

/// The files under `src/<dir>` that contain any of `needles`, with the line.
fn offenders(dir: &str, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in src(dir) {
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_planner_does_not_reach_into_apply() {
    assert_eq!(offenders("plan", &["crate::apply"]), Vec::<String>::new());
}

#[test]
fn providers_do_not_reach_into_the_planner() {
    assert_eq!(offenders("aws", &["crate::plan"]), Vec::<String>::new());
}

#[test]
fn state_storage_names_no_sdk_type() {
    let sdk = ["aws_sdk_", "aws_smithy", "aws_config", "aws_types"];
    assert_eq!(offenders("state", &sdk), Vec::<String>::new());
}

#[test]
fn every_resource_type_file_has_the_same_shape() {
    let mut types = 0;
    for (path, text) in src("aws") {
        let is_type =
            text.contains("impl ResourceType for") || text.contains("impl DataSource for");
        if !is_type {
            continue;
        }
        types += 1;
        assert!(
            text.contains("use crate::aws::prelude::*;"),
            "{} does not start from the prelude",
            path.display()
        );
        // Waits go through aws::wait (wait_until, poll_until, retry_while).
        assert!(
            !text.contains("time::sleep"),
            "{} sleeps by itself",
            path.display()
        );
    }
    assert!(types >= 50, "only {types} type files found");
}
