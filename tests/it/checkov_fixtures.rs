//! The Checkov-style fixture suite: tests/fixtures/checkov/<CHECK_ID>/ holds
//! Terraform with PASS and FAIL resources for one Checkov check (imperfect code
//! included: undeclared references, True/False, attribute-syntax blocks, missing
//! attributes, unknown values) and expected.txt, one line per resource:
//! `ADDRESS RECON CHECKOV`. `recon check --recursive` over the tree must give,
//! for the policy with that `checkov_id`, exactly the RECON column, resource by
//! resource. scripts/checkov-agreement compares the CHECKOV column with Checkov
//! itself (run below; scripts/setup-checkov installs the pinned Checkov).

use crate::common::{checkov, recon_offline, repo_root, Run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tree() -> PathBuf {
    repo_root().join("tests/fixtures/checkov")
}

/// check id -> address -> expected recon result ("-": no result).
fn expected() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(tree()).unwrap() {
        let dir = entry.unwrap().path();
        let check = dir.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(dir.join("expected.txt"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut rows = BTreeMap::new();
        for line in text.lines() {
            let body = line.split('#').next().unwrap().trim();
            if body.is_empty() {
                continue;
            }
            let parts: Vec<&str> = body.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "{check}/expected.txt: {line:?}");
            rows.insert(parts[0].to_string(), parts[1].to_string());
        }
        out.insert(check, rows);
    }
    out
}

#[test]
fn every_fixture_resource_gets_its_expected_result() {
    let expected = expected();
    assert!(expected.len() >= 35, "{} check directories", expected.len());
    let run = Run::of(recon_offline(&repo_root()).args([
        "check",
        "--recursive",
        "tests/fixtures/checkov",
        "--format",
        "json",
    ]));
    // Undeclared references are unread input: exit 2 only if nothing fails.
    assert!(matches!(run.code, 1 | 2), "{}\n{}", run.code, run.stderr);
    let doc = run.json();
    assert_eq!(doc["parse_errors"].as_array().unwrap().len(), 0, "{doc}");
    let mut got: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for r in doc["results"].as_array().unwrap() {
        let check = r["file"].as_str().unwrap().split('/').next().unwrap();
        if r["checkov_id"].as_str() != Some(check) {
            continue;
        }
        let prior = got.entry(check.to_string()).or_default().insert(
            r["address"].as_str().unwrap().to_string(),
            r["result"].as_str().unwrap().to_string(),
        );
        assert!(prior.is_none(), "two results for {check} {}", r["address"]);
    }
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (check, rows) in &expected {
        let results = got.get(check).cloned().unwrap_or_default();
        for (address, want) in rows {
            checked += 1;
            let have = results.get(address).map(String::as_str).unwrap_or("-");
            if have != want {
                wrong.push(format!("{check} {address}: got {have}, expected {want}"));
            }
        }
        for (address, have) in &results {
            if !rows.contains_key(address) {
                wrong.push(format!(
                    "{check} {address}: got {have}, not in expected.txt"
                ));
            }
        }
    }
    assert!(checked >= 200, "only {checked} resources");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// With the pinned Checkov installed (scripts/setup-checkov), both tools match
/// expected.txt, so the agreement figure in the README stays true.
#[test]
fn checkov_agrees_as_documented() {
    let checkov = checkov();
    let out = Command::new(repo_root().join("scripts/checkov-agreement"))
        .arg("--recon")
        .arg(env!("CARGO_BIN_EXE_recon"))
        .arg("--checkov")
        .arg(&checkov)
        .output()
        .expect("run scripts/checkov-agreement");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("resources agree"), "{stdout}");
}

fn stack(tmp: &Path, files: &[(&str, &str)]) -> PathBuf {
    for (name, text) in files {
        std::fs::write(tmp.join(name), text).unwrap();
    }
    tmp.to_path_buf()
}

/// A variable whose default cannot be read (wrong type, failed validation) makes
/// only the values that read it unknown, with a note; the rest is checked.
#[test]
fn a_bad_variable_default_does_not_stop_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = stack(
        tmp.path(),
        &[(
            "main.tf",
            r#"
variable "size" {
  type    = number
  default = "large"
}

variable "rotation" {
  type    = bool
  default = false
  validation {
    condition     = var.rotation
    error_message = "rotation must be on"
  }
}

resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = var.size
  encrypted         = false
}

resource "aws_kms_key" "k" {
  description         = "k"
  enable_key_rotation = var.rotation
}
"#,
        )],
    );
    let run = Run::of(recon_offline(&dir).args(["check", "--format", "json"]));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let result = |policy: &str, address: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy_id"] == policy && r["address"] == address)
            .map(|r| r["result"].as_str().unwrap().to_string())
    };
    assert_eq!(
        result("ebs_volume_encrypted", "aws_ebs_volume.v").as_deref(),
        Some("FAIL")
    );
    assert_eq!(
        result("kms_key_rotation", "aws_kms_key.k").as_deref(),
        Some("UNKNOWN")
    );
    let notes = doc["notes"].to_string();
    assert!(notes.contains("variable \\\"size\\\""), "{notes}");
    assert!(notes.contains("variable \\\"rotation\\\""), "{notes}");
    assert_eq!(doc["complete"], false, "{doc}");
}
