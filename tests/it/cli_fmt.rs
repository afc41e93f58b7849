//! `recon fmt` through the real binary: a golden before/after pair, `-check`
//! (exit 3 and the list, nothing written), `-diff`, `-recursive`, standard
//! input, a malformed file refused with where, and the repository's own stacks
//! and policies already in the canonical layout.

use crate::common::{recon_offline, repo_root, Run};
use std::io::Write;
use std::process::Stdio;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/fmt").join(name)).unwrap()
}

#[test]
fn formats_the_golden_file_and_check_lists_what_needs_it() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::write(dir.join("main.hcl"), fixture("before.hcl")).unwrap();
    std::fs::write(dir.join("tidy.hcl"), fixture("after.hcl")).unwrap();
    std::fs::write(dir.join("notes.txt"), "x=1\n").unwrap();

    let check = Run::of(recon_offline(dir).args(["fmt", "-check"]));
    assert_eq!(check.code, 3, "{}", check.all());
    assert_eq!(check.stdout.trim(), "main.hcl", "{}", check.all());
    assert_eq!(
        std::fs::read_to_string(dir.join("main.hcl")).unwrap(),
        fixture("before.hcl")
    );

    let diff = Run::of(recon_offline(dir).args(["fmt", "-check", "-diff", "main.hcl"]));
    assert_eq!(diff.code, 3, "{}", diff.all());
    assert!(diff.stdout.contains("--- old/main.hcl"), "{}", diff.all());
    assert!(
        diff.stdout
            .contains("+  cidr_block           = \"10.0.0.0/16\""),
        "{}",
        diff.all()
    );

    let run = Run::of(recon_offline(dir).arg("fmt"));
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout.trim(), "main.hcl");
    assert_eq!(
        std::fs::read_to_string(dir.join("main.hcl")).unwrap(),
        fixture("after.hcl")
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "x=1\n"
    );

    let again = Run::of(recon_offline(dir).args(["fmt", "-check"]));
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.all()
    );
}

#[test]
fn recursive_stdin_and_malformed_files() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    std::fs::create_dir_all(dir.join("nested/deeper")).unwrap();
    std::fs::create_dir_all(dir.join(".hidden")).unwrap();
    std::fs::write(dir.join("nested/deeper/a.tf"), "a=1\n").unwrap();
    std::fs::write(dir.join(".hidden/b.hcl"), "b=1\n").unwrap();
    std::fs::write(dir.join("c.tfvars"), "c=1\n").unwrap();

    let flat = Run::of(recon_offline(dir).args(["fmt", "-check"]));
    assert_eq!(
        (flat.code, flat.stdout.trim()),
        (3, "c.tfvars"),
        "{}",
        flat.all()
    );
    let deep = Run::of(recon_offline(dir).args(["fmt", "-recursive"]));
    assert_eq!(deep.code, 0, "{}", deep.all());
    assert_eq!(
        deep.stdout.lines().collect::<Vec<_>>(),
        vec!["c.tfvars", "nested/deeper/a.tf"]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("nested/deeper/a.tf")).unwrap(),
        "a = 1\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join(".hidden/b.hcl")).unwrap(),
        "b=1\n"
    );

    let mut child = recon_offline(dir)
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"x {\ny=[1,2]\n}\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "x {\n  y = [1, 2]\n}\n"
    );

    std::fs::write(dir.join("broken.hcl"), "ok = 1\nresource \"x\" {\n  a = \n").unwrap();
    let broken = Run::of(recon_offline(dir).args(["fmt", "broken.hcl"]));
    assert_eq!(broken.code, 1, "{}", broken.all());
    assert!(broken.stderr.contains("broken.hcl:"), "{}", broken.all());
    assert!(broken.stderr.contains("malformed HCL"), "{}", broken.all());
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.hcl")).unwrap(),
        "ok = 1\nresource \"x\" {\n  a = \n",
        "nothing written"
    );
}

#[test]
fn the_repository_stacks_and_policies_are_formatted() {
    let root = repo_root();
    for dir in ["stacks", "policies", "tests/fixtures/fmt"] {
        let mut cmd = recon_offline(&root);
        cmd.args(["fmt", "-check", "-recursive", dir]);
        let run = Run::of(&mut cmd);
        // The fixture that is meant to need formatting is the only exception.
        let unformatted: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| !l.ends_with("fmt/before.hcl"))
            .collect();
        assert!(unformatted.is_empty(), "{dir}: {}", run.all());
        assert!(!run.stderr.contains("Error"), "{dir}: {}", run.all());
    }
}
