//! `recon check` through Terraform `module` blocks, with the real binary (no AWS):
//! local modules called several times, with for_each and count, nested, with a
//! waiver inside; remote sources noted (or read from `terraform init`'s copy);
//! modules that include themselves; and every other command refusing modules at
//! the block's file:line:col.

use crate::common::{recon_offline, Run};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn recon(cwd: &Path, args: &[&str]) -> Run {
    Run::of(recon_offline(cwd).args(args))
}

fn write(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir.to_path_buf()
}

const ROOT: &str = r#"terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = "eu-west-1"
}

variable "office_cidr" {
  default = "10.20.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

module "web" {
  source   = "./modules/sg"
  vpc_id   = aws_vpc.main.id
  ssh_cidr = "0.0.0.0/0"
}

module "admin" {
  source   = "./modules/sg"
  vpc_id   = aws_vpc.main.id
  ssh_cidr = var.office_cidr
}

module "env" {
  source   = "./modules/sg"
  for_each = toset(["dev", "prod"])
  vpc_id   = aws_vpc.main.id
  ssh_cidr = each.key == "dev" ? "0.0.0.0/0" : "10.1.0.0/16"
}

module "app" {
  source = "./modules/app"
  count  = 1
  name   = "app-${count.index}"
}

module "later" {
  source = "./modules/sg"
  count  = aws_vpc.main.id == "" ? 0 : 1
  vpc_id = aws_vpc.main.id
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
  cidr    = "10.9.0.0/16"
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = module.web.sg_id
  description       = "HTTPS from the office"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.office_cidr
  depends_on        = [module.admin]
}

output "web_sg" {
  value = module.web.sg_id
}
"#;

/// A security group whose SSH rule opens to `ssh_cidr`.
const SG: &str = r#"variable "vpc_id" {
  type = string
}

variable "ssh_cidr" {
  type = string
}

variable "description" {
  type    = string
  default = "managed by the sg module"
}

resource "aws_security_group" "this" {
  name        = "sg"
  description = var.description
  vpc_id      = var.vpc_id

  ingress {
    description = "SSH"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = [var.ssh_cidr]
  }
}

output "sg_id" {
  value = aws_security_group.this.id
}
"#;

/// Calls the sg module again (nested) and holds a waived group of its own.
const APP: &str = r#"variable "name" {
  type = string
}

module "bastion" {
  source      = "../sg"
  vpc_id      = "vpc-0123"
  ssh_cidr    = "0.0.0.0/0"
  description = "bastion for ${var.name}"
}

resource "aws_security_group" "lb" {
  # recon:skip=sg_no_public_ssh the load balancer's health checks come over SSH
  name        = "lb"
  description = "load balancer"

  ingress {
    description = "SSH"
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#;

fn root_stack(tmp: &Path) -> PathBuf {
    write(
        &tmp.join("app"),
        &[
            ("main.tf", ROOT),
            ("modules/sg/main.tf", SG),
            ("modules/app/main.tf", APP),
        ],
    )
}

/// sg_no_public_ssh results by address: (result, file, start line, end line, waiver).
fn ssh_results(doc: &Json) -> BTreeMap<String, (String, String, u64, u64, Json)> {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "sg_no_public_ssh")
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                (
                    r["result"].as_str().unwrap().to_string(),
                    r["file"].as_str().unwrap().to_string(),
                    r["start_line"].as_u64().unwrap(),
                    r["end_line"].as_u64().unwrap(),
                    r["waiver_reason"].clone(),
                ),
            )
        })
        .collect()
}

#[test]
fn local_modules_are_checked_per_instance_with_module_addresses() {
    let tmp = tempfile::tempdir().unwrap();
    root_stack(tmp.path());
    let run = recon(tmp.path(), &["check", "-C", "app", "--format", "json"]);
    assert_eq!(
        run.code, 1,
        "SSH open to the world fails at high:\n{}\n{}",
        run.stdout, run.stderr
    );
    let doc = run.json();
    let got = ssh_results(&doc);
    let sg = ("app/modules/sg/main.tf".to_string(), 14, 26);
    let expect = |result: &str, file: &(String, u64, u64)| {
        (
            result.to_string(),
            file.0.clone(),
            file.1,
            file.2,
            Json::Null,
        )
    };
    let mut want = BTreeMap::new();
    // The same module twice: the variable decides.
    want.insert(
        "module.web.aws_security_group.this".to_string(),
        expect("FAIL", &sg),
    );
    want.insert(
        "module.admin.aws_security_group.this".to_string(),
        expect("PASS", &sg),
    );
    // for_each: one instance per key.
    want.insert(
        "module.env[\"dev\"].aws_security_group.this".to_string(),
        expect("FAIL", &sg),
    );
    want.insert(
        "module.env[\"prod\"].aws_security_group.this".to_string(),
        expect("PASS", &sg),
    );
    // Nested: module.app[0] calls ../sg; the group of its own is waived.
    want.insert(
        "module.app[0].module.bastion.aws_security_group.this".to_string(),
        expect("FAIL", &sg),
    );
    want.insert(
        "module.app[0].aws_security_group.lb".to_string(),
        (
            "SKIPPED".to_string(),
            "app/modules/app/main.tf".to_string(),
            12,
            24,
            Json::from("the load balancer's health checks come over SSH"),
        ),
    );
    // count known only after apply: checked once, ssh_cidr not set: unknown.
    want.insert(
        "module.later.aws_security_group.this".to_string(),
        expect("UNKNOWN", &sg),
    );
    // The root's own rule, whose group is a module output (unknown here).
    want.insert(
        "aws_vpc_security_group_ingress_rule.https".to_string(),
        (
            "PASS".to_string(),
            "app/main.tf".to_string(),
            54,
            62,
            Json::Null,
        ),
    );
    assert_eq!(got, want, "{}", run.stdout);

    // Arguments reach the module: the nested call's description is built from
    // module.app's own variable.
    let described = doc["results"].as_array().unwrap().iter().any(|r| {
        r["policy_id"] == "sg_description"
            && r["address"] == "module.app[0].module.bastion.aws_security_group.this"
            && r["result"] == "PASS"
    });
    assert!(described, "{}", run.stdout);

    let notes: Vec<String> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{} @ {}: {}",
                n["address"].as_str().unwrap_or(""),
                n["location"].as_str().unwrap_or(""),
                n["message"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "module.vpc @ app/main.tf:49:13: source \"terraform-aws-modules/vpc/aws\" is not local; not checked",
        "module.later @ app/main.tf:44:12: count is known only after apply: the module is checked once, with count.index unknown",
        "module.later @ app/modules/sg/main.tf:5:1: variable \"ssh_cidr\" has no value (the module block does not set it): treated as unknown",
    ] {
        assert!(notes.iter().any(|n| n == expected), "{expected}\nnot in {notes:#?}");
    }
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("module.web") || n.contains("module.admin")),
        "{notes:#?}"
    );

    // The human view groups by the full address and points at the module's file.
    let human = recon(tmp.path(), &["check", "-C", "app"]);
    assert_eq!(human.code, 1);
    assert!(
        human
            .stdout
            .contains("module.web.aws_security_group.this  app/modules/sg/main.tf:14-26"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("module.vpc (app/main.tf:49:13): source \"terraform-aws-modules/vpc/aws\" is not local; not checked"),
        "{}",
        human.stdout
    );

    // SARIF names the module's file and the full address.
    let sarif = recon(tmp.path(), &["check", "-C", "app", "--format", "sarif"]).json();
    let hit = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "sg_no_public_ssh"
                && r["properties"]["address"] == "module.env[\"dev\"].aws_security_group.this"
        })
        .unwrap_or_else(|| panic!("{sarif:#}"));
    assert_eq!(
        hit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/modules/sg/main.tf"
    );
}

#[test]
fn other_commands_load_the_modules_and_stop_at_their_mistakes_where_written() {
    // `check` notes a required variable a module block does not set and goes on;
    // the engine (validate, plan) refuses it at the block.
    let tmp = tempfile::tempdir().unwrap();
    let dir = root_stack(tmp.path());
    for command in ["validate", "plan"] {
        let run = recon(&dir, &[command]);
        assert_eq!(run.code, 1, "{command}: {}\n{}", run.stdout, run.stderr);
        for expected in [
            "module \"later\": no value for required variable \"ssh_cidr\"",
            "main.tf:42:1",
        ] {
            assert!(
                run.stderr.contains(expected),
                "{command}: {expected} not in:\n{}",
                run.stderr
            );
        }
        assert!(
            !run.stderr.contains("supported only by `recon check`"),
            "{command}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_module_that_includes_itself_is_not_checked_again_with_a_note_naming_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "main.tf",
                "module \"outer\" {\n  source = \"./modules/outer\"\n}\n",
            ),
            (
                "modules/outer/main.tf",
                "module \"inner\" {\n  source = \"../inner\"\n}\n",
            ),
            (
                "modules/inner/main.tf",
                "module \"again\" {\n  source = \"../outer\"\n}\n",
            ),
        ],
    );
    let run = recon(tmp.path(), &["check"]);
    // Input that cannot be read, and no policy failed.
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    for expected in [
        "module module.outer.module.inner.module.again includes itself: module.outer (modules/outer) -> module.outer.module.inner (modules/inner) -> module.outer.module.inner.module.again (modules/outer)",
        "modules/inner/main.tf:1:1",
    ] {
        assert!(run.stdout.contains(expected), "{expected} not in:\n{}", run.stdout);
    }
}

#[test]
fn a_remote_module_installed_by_terraform_init_is_checked_from_its_copy() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "main.tf",
                "module \"vpc\" {\n  source  = \"terraform-aws-modules/security-group/aws\"\n  version = \"5.1.0\"\n  cidr    = \"0.0.0.0/0\"\n}\n\nmodule \"moved\" {\n  source = \"git::https://example.com/modules.git//sg?ref=v2\"\n}\n",
            ),
            (
                ".terraform/modules/modules.json",
                r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/security-group/aws","Version":"5.1.0","Dir":".terraform/modules/vpc"},{"Key":"moved","Source":"git::https://example.com/modules.git//sg?ref=v1","Dir":".terraform/modules/moved"}]}"#,
            ),
            (
                ".terraform/modules/vpc/main.tf",
                "variable \"cidr\" {}\n\nresource \"aws_security_group\" \"this\" {\n  description = \"from the registry\"\n  ingress {\n    description = \"SSH\"\n    protocol    = \"tcp\"\n    from_port   = 22\n    to_port     = 22\n    cidr_blocks = [var.cidr]\n  }\n}\n",
            ),
            (".terraform/modules/moved/main.tf", "resource \"aws_security_group\" \"x\" {}\n"),
        ],
    );
    let run = recon(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let got = ssh_results(&doc);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        ["module.vpc.aws_security_group.this"],
        "{}",
        run.stdout
    );
    let (result, file, start, end, _) = &got["module.vpc.aws_security_group.this"];
    assert_eq!(
        (result.as_str(), file.as_str(), *start, *end),
        ("FAIL", ".terraform/modules/vpc/main.tf", 3, 12)
    );
    let notes: Vec<&str> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"source \"terraform-aws-modules/security-group/aws\" is not local; checked from the copy `terraform init` installed in .terraform/modules/vpc"),
        "{notes:#?}"
    );
    // Installed for another source: stale, so not used.
    assert!(
        notes.contains(
            &"source \"git::https://example.com/modules.git//sg?ref=v2\" is not local; not checked"
        ),
        "{notes:#?}"
    );
}
