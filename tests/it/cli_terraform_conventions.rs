//! Terraform's command-line conventions through the real binary, without AWS:
//! TF_VAR_ and the auto-loaded variables files in Terraform's order, -chdir,
//! flags recon has no use for, `version`, usage errors exiting 1, and which
//! files of a directory are configuration.

use crate::common::{recon_offline, Run};

const VARS: &str = r#"
variable "a" {}
variable "b" {}
variable "c" {}
variable "e" {}
output "all" {
  value = "${var.a}/${var.b}/${var.c}/${var.e}"
}
"#;

fn stack(cwd: &std::path::Path) -> std::path::PathBuf {
    let dir = cwd.join("stack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), VARS).unwrap();
    std::fs::write(
        dir.join("terraform.tfvars"),
        "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("terraform.tfvars.json"),
        r#"{"b": "json", "c": "json"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("x.auto.tfvars"), "c = \"auto\"\n").unwrap();
    // Not configuration: Terraform's test files.
    std::fs::write(dir.join("it.tftest.hcl"), "run \"x\" {}\n").unwrap();
    dir
}

#[test]
fn variables_come_from_tf_var_and_auto_loaded_files_in_terraforms_order() {
    let work = tempfile::tempdir().unwrap();
    let dir = stack(work.path());
    let plan = Run::of(
        recon_offline(&dir)
            .env("TF_VAR_e", "env")
            .env("TF_VAR_c", "env-loses")
            .args([
                "plan",
                "-input=false",
                "-compact-warnings",
                "-parallelism=4",
            ]),
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("tfvars/json/auto/env"),
        "{}",
        plan.all()
    );

    // -chdir: the same from elsewhere.
    let chdir = format!("-chdir={}", dir.display());
    let plan = Run::of(
        recon_offline(work.path())
            .env("TF_VAR_e", "env")
            .args([chdir.as_str(), "plan"]),
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout.contains("tfvars/json/auto/env"),
        "{}",
        plan.all()
    );
    // --var still wins over every file.
    let plan = Run::of(
        recon_offline(&dir)
            .env("TF_VAR_e", "env")
            .args(["plan", "-var", "c=flag"]),
    );
    assert!(
        plan.stdout.contains("tfvars/json/flag/env"),
        "{}",
        plan.all()
    );
}

#[test]
fn usage_errors_exit_1_and_version_prints() {
    let work = tempfile::tempdir().unwrap();
    let bad = Run::of(recon_offline(work.path()).args(["plan", "--no-such-flag"]));
    assert_eq!(bad.code, 1, "{}", bad.all());
    let help = Run::of(recon_offline(work.path()).args(["--help"]));
    assert_eq!(help.code, 0, "{}", help.all());

    let v = Run::of(recon_offline(work.path()).args(["version"]));
    assert_eq!(v.code, 0, "{}", v.all());
    assert!(
        v.stdout
            .starts_with(&format!("recon v{}", env!("CARGO_PKG_VERSION"))),
        "{}",
        v.stdout
    );
    let v = Run::of(recon_offline(work.path()).args(["version", "-json"]));
    assert_eq!(v.json()["recon_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn tf_json_files_are_refused_not_skipped() {
    let work = tempfile::tempdir().unwrap();
    let dir = stack(work.path());
    std::fs::write(dir.join("extra.tf.json"), "{}").unwrap();
    let plan = Run::of(recon_offline(&dir).args(["validate"]));
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains("extra.tf.json") && plan.stderr.contains("not supported"),
        "{}",
        plan.stderr
    );
}
