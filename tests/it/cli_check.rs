//! `recon check` through the real binary: no AWS, no state. Human, JSON and SARIF
//! output (the SARIF document validated against the official 2.1.0 schema), exit
//! codes and thresholds, waivers, Terraform files, a stack's own policies.

use crate::common::{recon_offline, repo_root, Run};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn recon(cwd: &Path, args: &[&str]) -> Run {
    Run::of(recon_offline(cwd).args(args))
}

/// A stack directory `name` with these files.
fn stack(tmp: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = tmp.join(name);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn the_example_stack_passes_the_baseline() {
    let run = recon(
        &repo_root(),
        &["check", "-C", "stacks/cron-btsync", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    let results = doc["results"].as_array().unwrap();
    let mut failing = Vec::new();
    let mut waived = Vec::new();
    let mut seen = Vec::new();
    for r in results {
        let (policy, address) = (
            r["policy_id"].as_str().unwrap(),
            r["address"].as_str().unwrap(),
        );
        seen.push(format!("{policy} {address}"));
        if !r["waiver_reason"].is_null() {
            waived.push(format!("{policy} {address}"));
            assert_eq!(r["result"], "SKIPPED", "{r}");
            let reason = r["waiver_reason"].as_str().unwrap();
            assert!(reason.contains("no ingress rule"), "{reason}");
        } else if r["result"] != "PASS" {
            failing.push(format!(
                "{policy} {address} {}: {}",
                r["result"], r["detail"]
            ));
        }
    }
    // One waiver, written with its reason: the public address the outbound-only
    // design gives the instance (stacks/cron-btsync/README.md).
    assert_eq!(waived, ["ec2_no_public_ip aws_instance.sync"]);
    assert!(
        failing.is_empty(),
        "cron-btsync must pass the whole baseline:\n{}",
        failing.join("\n")
    );
    // The checks that shaped the stack were really evaluated, not skipped.
    for expected in [
        "lambda_dead_letter aws_lambda_function.power",
        "sqs_encrypted aws_sqs_queue.power_failures",
        "ec2_imdsv2_required aws_instance.sync",
        "ebs_volume_cmk aws_ebs_volume.data",
        "s3_bucket_public_access_block aws_s3_bucket.backup",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} not evaluated: {seen:?}"
        );
    }
}

#[test]
fn the_example_stack_passes_at_every_threshold() {
    let run = recon(&repo_root(), &["check", "-C", "stacks/cron-btsync"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let passed = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Passed every policy: "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    for address in [
        "aws_lambda_function.power",
        "aws_sqs_queue.power_failures",
        "aws_s3_bucket.backup",
    ] {
        assert!(passed.contains(address), "{address}: {}", run.stdout);
    }
    // The instance passes all but the waived policy, which the report shows with its reason.
    assert!(!passed.contains("aws_instance.sync"), "{}", run.stdout);
    assert!(
        run.stdout.contains("SKIPPED  high     ec2_no_public_ip"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("waived: Outbound only"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(" 0 failed, 0 unknown until apply, 1 skipped"),
        "{}",
        run.stdout
    );
    // Even low-severity policies pass.
    let low = recon(
        &repo_root(),
        &[
            "check",
            "-C",
            "stacks/cron-btsync",
            "--policy-fail-on",
            "low",
        ],
    );
    assert_eq!(low.code, 0, "{}", low.stdout);
}

const RISKY: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "admin_cidr" {}

resource "aws_security_group" "admin" {
  name        = "admin"
  description = "admin access"

  ingress {
    description = "SSH from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTPS from the office"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }
}

resource "aws_instance" "web" {
  # recon:skip=ec2_no_public_ip the web server is reached directly until the load balancer lands
  ami                         = "ami-0123456789abcdef0"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
  hibernation                 = true #checkov:skip=CKV_AWS_79:the legacy agent needs IMDSv1

  root_block_device {
    encrypted = true
  }
}

resource "aws_db_instance" "db" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
}
"#;

#[test]
fn a_terraform_repository_is_checked_with_notes_for_what_recon_does_not_model() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path(), "tf", &[("main.tf", RISKY)]);
    let run = recon(tmp.path(), &["check", "-C", "tf"]);
    assert_eq!(
        run.code, 1,
        "SSH from anywhere fails at high:\n{}\n{}",
        run.stdout, run.stderr
    );
    let out = &run.stdout;
    assert!(
        out.contains("aws_security_group.admin  tf/main.tf:14-33"),
        "{out}"
    );
    assert!(
        out.contains("FAIL     high     sg_no_public_ssh (CKV_AWS_24)"),
        "{out}"
    );
    assert!(
        out.contains("SKIPPED  high     ec2_no_public_ip (CKV_AWS_88)"),
        "{out}"
    );
    assert!(
        out.contains("waived: the web server is reached directly until the load balancer lands"),
        "{out}"
    );
    assert!(
        out.contains("waived: the legacy agent needs IMDSv1"),
        "{out}"
    );
    assert!(out.contains("aws_db_instance.db (tf/main.tf:47:1): not checked: recon does not support the resource type \"aws_db_instance\""), "{out}");
    assert!(
        out.contains("not modelled (policies read it as written): aws_instance.web: unsupported argument \"hibernation\""),
        "{out}"
    );
    assert!(
        out.contains("variable \"admin_cidr\" has no value: treated as unknown"),
        "{out}"
    );
    // The office rule depends on the variable; the SSH rule alone decides.
    assert!(
        out.contains("1 failure at or above severity high."),
        "{out}"
    );

    // Above the failures' severity nothing fails.
    let critical = recon(
        tmp.path(),
        &["check", "-C", "tf", "--policy-fail-on", "critical"],
    );
    assert_eq!(critical.code, 0, "{}", critical.stdout);
    // With the variable set, the check is exact.
    let with_var = recon(
        tmp.path(),
        &[
            "check",
            "-C",
            "tf",
            "--var",
            "admin_cidr=203.0.113.0/24",
            "--format",
            "json",
        ],
    );
    assert!(!with_var.stdout.contains("treated as unknown"));
}

#[test]
fn json_has_one_record_per_policy_and_resource() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path(), "tf", &[("main.tf", RISKY)]);
    let doc = recon(tmp.path(), &["check", "-C", "tf", "--format", "json"]).json();
    let results = doc["results"].as_array().unwrap();
    let policies = doc["policies"].as_array().unwrap();
    let applicable = |ty: &str| {
        policies
            .iter()
            .filter(|p| {
                p["resource_types"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t == ty)
            })
            .count()
    };
    assert_eq!(
        results.len(),
        applicable("aws_security_group") + applicable("aws_instance")
    );
    let ssh = results
        .iter()
        .find(|r| r["policy_id"] == "sg_no_public_ssh")
        .unwrap();
    assert_eq!(ssh["checkov_id"], "CKV_AWS_24");
    assert_eq!(ssh["address"], "aws_security_group.admin");
    assert_eq!(ssh["file"], "tf/main.tf");
    assert_eq!(
        (ssh["start_line"].as_u64(), ssh["end_line"].as_u64()),
        (Some(14), Some(33))
    );
    assert_eq!(ssh["result"], "FAIL");
    assert_eq!(ssh["severity"], "high");
    assert!(ssh["message"].as_str().unwrap().contains("SSH"));
    let waived = results
        .iter()
        .find(|r| r["policy_id"] == "ec2_no_public_ip")
        .unwrap();
    assert_eq!(waived["result"], "SKIPPED");
    assert_eq!(
        waived["waiver_reason"],
        "the web server is reached directly until the load balancer lands"
    );
    let imds = results
        .iter()
        .find(|r| r["policy_id"] == "ec2_imdsv2_required")
        .unwrap();
    assert_eq!(
        imds["result"], "SKIPPED",
        "checkov:skip counts for the policy with that checkov_id"
    );
    assert_eq!(doc["passed"], false);
    assert_eq!(
        doc["summary"]["fail"].as_u64().unwrap() as usize,
        results.iter().filter(|r| r["result"] == "FAIL").count()
    );
}

fn validate_sarif(doc: &Json) {
    let schema: Json =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    // The validator does reject what is not SARIF 2.1.0.
    let mut wrong = doc.clone();
    wrong["version"] = Json::from("2.0.0");
    wrong["runs"][0]["results"] = serde_json::json!([{ "ruleId": "x", "level": "fatal" }]);
    assert!(!validator.is_valid(&wrong));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not match the 2.1.0 schema:\n{}\n\n{doc:#}",
        errors.join("\n")
    );
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    // Every kind of result: failures, a waiver, unknown until apply, notes.
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path(), "tf", &[("main.tf", RISKY), ("more.tf", "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = aws_ebs_volume.v.encrypted\n}\nresource \"aws_ebs_volume\" \"v\" {\n  availability_zone = \"eu-west-1a\"\n  size = 1\n}\n")]);
    let run = recon(tmp.path(), &["check", "-C", "tf", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    validate_sarif(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "recon");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let ssh = results
        .iter()
        .find(|r| r["ruleId"] == "sg_no_public_ssh")
        .unwrap();
    assert_eq!(ssh["level"], "error");
    assert_eq!(ssh["kind"], "fail");
    assert_eq!(
        rules[ssh["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "sg_no_public_ssh"
    );
    let loc = &ssh["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "tf/main.tf");
    assert_eq!(loc["region"]["startLine"], 14);
    let waived = results
        .iter()
        .find(|r| r["ruleId"] == "ec2_no_public_ip")
        .unwrap();
    assert_eq!(waived["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        waived["suppressions"][0]["justification"],
        "the web server is reached directly until the load balancer lands"
    );
    let unknown = results
        .iter()
        .find(|r| r["ruleId"] == "kms_key_rotation")
        .unwrap();
    assert_eq!(
        (unknown["kind"].as_str(), unknown["level"].as_str()),
        (Some("review"), Some("none"))
    );
    assert!(results.iter().all(|r| r["properties"]["result"] != "PASS"));

    // And the example stack, which passes.
    let ok = recon(
        &repo_root(),
        &["check", "-C", "stacks/cron-btsync", "--format", "sarif"],
    );
    assert_eq!(ok.code, 0);
    validate_sarif(&ok.json());
}

#[test]
fn a_stack_can_add_policies_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    stack(
        tmp.path(),
        "app",
        &[
            (
                "main.hcl",
                r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Team = "payments" }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}
"#,
            ),
            (
                "policies/tags.hcl",
                r#"
policy "team_tag" {
  resource_types = ["aws_vpc", "aws_subnet"]
  severity       = "high"
  message        = "Every VPC and subnet names its team (tags.Team)"
  condition      = try(self.tags.Team, "") != ""
}

# Cross-resource through the resources collection.
policy "subnets_in_tagged_vpcs" {
  resource_types = ["aws_subnet"]
  severity       = "low"
  message        = "Subnets belong to a VPC of the stack"
  condition      = length(resources.aws_vpc) > 0 && length(referenced("vpc_id", "aws_vpc")) == 1
}
"#,
            ),
        ],
    );
    let doc = recon(tmp.path(), &["check", "-C", "app", "--format", "json"]).json();
    let result = |policy: &str, addr: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy_id"] == policy && r["address"] == addr)
            .map(|r| r["result"].as_str().unwrap().to_string())
    };
    assert_eq!(result("team_tag", "aws_vpc.main").as_deref(), Some("PASS"));
    assert_eq!(result("team_tag", "aws_subnet.a").as_deref(), Some("FAIL"));
    assert_eq!(
        result("subnets_in_tagged_vpcs", "aws_subnet.a").as_deref(),
        Some("PASS")
    );
    assert_eq!(doc["passed"], false);
}

#[test]
fn a_waiver_needs_a_reason_and_a_real_policy() {
    let tmp = tempfile::tempdir().unwrap();
    stack(
        tmp.path(),
        "w",
        &[(
            "main.hcl",
            "resource \"aws_subnet\" \"a\" {\n  # recon:skip=subnet_no_public_ip_on_launch\n  vpc_id     = \"vpc-1\"\n  cidr_block = \"10.0.1.0/24\"\n  # recon:skip=subnet_no_public_ip typo\n}\n",
        )],
    );
    let run = recon(tmp.path(), &["check", "-C", "w"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("waiver of \"subnet_no_public_ip_on_launch\" without a reason"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("w/main.hcl:2:5"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("waiver names unknown policy \"subnet_no_public_ip\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("did you mean \"subnet_no_public_ip_on_launch\"?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_broken_policy_file_is_reported_where_written() {
    let tmp = tempfile::tempdir().unwrap();
    stack(
        tmp.path(),
        "p",
        &[
            ("main.hcl", "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n"),
            ("policies/bad.hcl", "policy \"x\" {\n  resource_types = [\"aws_vpc\"]\n  severity = \"severe\"\n  condition = true\n  message = \"m\"\n}\n"),
        ],
    );
    let run = recon(tmp.path(), &["check", "-C", "p"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("policy \"x\": unknown severity \"severe\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("p/policies/bad.hcl:3:14"),
        "{}",
        run.stderr
    );
}

/// `recon plan` shows the policy results; `recon apply` refuses a failing policy at
/// or above --policy-fail-on with exit code 3 before anything is created. The
/// stack has no data sources and there is no state, so planning needs no AWS call:
/// the endpoint points nowhere to prove nothing is attempted.
#[test]
fn plan_shows_policies_and_apply_refuses_failures() {
    let tmp = tempfile::tempdir().unwrap();
    stack(
        tmp.path(),
        "open",
        &[(
            "main.hcl",
            r#"
resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "SSH for everyone"
  ingress {
    description = "SSH"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"#,
        )],
    );
    // Planning a new stack reads nothing from AWS, but the SDK wants credentials
    // and a region.
    let run_with = |args: &[&str]| {
        Run::of(
            recon_offline(tmp.path())
                .args(args)
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_REGION", "us-east-1"),
        )
    };
    let plan = run_with(&["plan", "-C", "open"]);
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("Plan: 1 to add"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Policy checks:"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("FAIL     high     sg_no_public_ssh (CKV_AWS_24)"),
        "{}",
        plan.stdout
    );

    // The JSON plan carries the same results, with the threshold asked for.
    let json_plan = run_with(&[
        "plan",
        "-C",
        "open",
        "--json",
        "--policy-fail-on",
        "critical",
    ]);
    assert_eq!(
        json_plan.code, 0,
        "{}\n{}",
        json_plan.stdout, json_plan.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&json_plan.stdout).unwrap();
    assert_eq!(
        doc["resource_changes"][0]["address"],
        "aws_security_group.ssh"
    );
    let checks = &doc["policy_checks"];
    assert_eq!(checks["threshold"], "critical");
    assert_eq!(
        checks["passed"], true,
        "a high failure does not block at critical"
    );
    let ssh: Vec<&serde_json::Value> = checks["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "sg_no_public_ssh")
        .collect();
    assert_eq!(ssh.len(), 1, "{checks}");
    assert_eq!(ssh[0]["result"], "FAIL");
    assert_eq!(ssh[0]["address"], "aws_security_group.ssh");
    assert_eq!(ssh[0]["file"], "open/main.hcl");
    let high = run_with(&["plan", "-C", "open", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&high.stdout).unwrap();
    assert_eq!(doc["policy_checks"]["passed"], false);

    let apply = run_with(&["apply", "-C", "open", "--auto-approve"]);
    assert_eq!(apply.code, 3, "{}\n{}", apply.stdout, apply.stderr);
    assert!(
        apply.stderr.contains("refusing to apply: 1 policy failure(s) at or above the --policy-fail-on severity: aws_security_group.ssh (sg_no_public_ssh high)"),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains("Nothing was changed."),
        "{}",
        apply.stderr
    );
    assert!(
        !tmp.path().join("open/state/open.json").exists(),
        "no state was written"
    );
}

/// A CIDR with host bits set is what AWS canonicalises: `10.1.2.3/0` is the
/// internet. validate refuses it where written; check still judges the network
/// AWS would store.
const HOST_BITS: &str = r#"resource "aws_vpc" "v" {
  cidr_block = "10.1.2.3/16"
}
resource "aws_security_group" "s" {
  description = "web from the instance itself"
  ingress {
    description = "http"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "10.1.2.3/0"]
  }
}
resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = aws_security_group.s.id
  description       = "ssh"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv6         = "2001:db8::1/0"
}
"#;

#[test]
fn a_cidr_with_host_bits_is_an_error_where_written_and_fails_check() {
    let tmp = tempfile::tempdir().unwrap();
    stack(tmp.path(), "hb", &[("main.tf", HOST_BITS)]);
    let run = recon(tmp.path(), &["validate", "-C", "hb"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let err = &run.stderr;
    for (message, at, help) in [
        (
            "aws_vpc.v.cidr_block: \"10.1.2.3/16\" is not a valid network CIDR",
            "main.tf:2:16",
            "did you mean \"10.1.0.0/16\"?",
        ),
        (
            "aws_security_group.s.ingress.cidr_blocks: \"10.1.2.3/0\" is not a valid network CIDR",
            "main.tf:11:34",
            "did you mean \"0.0.0.0/0\"?",
        ),
        (
            "aws_vpc_security_group_ingress_rule.r.cidr_ipv6: \"2001:db8::1/0\" is not a valid network CIDR",
            "main.tf:20:23",
            "did you mean \"::/0\"?",
        ),
    ] {
        assert!(err.contains(message), "{message}\n{err}");
        assert!(err.contains(at), "{at}\n{err}");
        assert!(err.contains(help), "{help}\n{err}");
    }

    let check = recon(tmp.path(), &["check", "-C", "hb", "--format", "json"]);
    assert_eq!(check.code, 1, "{}", check.all());
    let doc = check.json();
    let result = |policy: &str, address: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy_id"] == policy && r["address"] == address)
            .map(|r| r["result"].as_str().unwrap().to_string())
    };
    assert_eq!(
        result("sg_no_public_http", "aws_security_group.s").as_deref(),
        Some("FAIL")
    );
    assert_eq!(
        result("sg_no_public_ssh", "aws_vpc_security_group_ingress_rule.r").as_deref(),
        Some("FAIL")
    );
    assert!(
        check.stdout.contains("did you mean \\\"0.0.0.0/0\\\"?"),
        "the note says what AWS would store: {}",
        check.stdout
    );
    // A value known at plan time (a variable) is refused there, where it is used.
    let from_var = r#"variable "office" {
  type = string
}
resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = var.office
}
"#;
    stack(tmp.path(), "var", &[("main.tf", from_var)]);
    let plan = recon(
        tmp.path(),
        &["plan", "-C", "var", "--var", "office=203.0.113.7/0"],
    );
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(plan.stderr.contains("aws_vpc_security_group_ingress_rule.r.cidr_ipv4: \"203.0.113.7/0\" is not a valid network CIDR"), "{}", plan.stderr);
    assert!(plan.stderr.contains("var/main.tf:9:23"), "{}", plan.stderr);
}

/// Two keys under one condition operator are both kept (compared and sent by
/// meaning); one operator written twice is refused where written, since any
/// re-serialisation would keep only the last and drop a condition.
#[test]
fn a_condition_operator_written_twice_is_an_error_and_two_keys_under_one_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let both = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
  "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333", "aws:SourceVpc": "vpc-1"}}}]}"#;
    let twice = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
  "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}, "StringEquals": {"aws:SourceVpc": "vpc-1"}}}]}"#;
    let src = format!(
        "resource \"aws_iam_policy\" \"both\" {{\n  policy = <<EOF\n{both}\nEOF\n}}\n\nresource \"aws_iam_policy\" \"twice\" {{\n  policy = <<EOF\n{twice}\nEOF\n}}\n"
    );
    stack(tmp.path(), "dup", &[("main.tf", &src)]);
    let run = recon(tmp.path(), &["validate", "-C", "dup"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "aws_iam_policy.twice.policy: key \"StringEquals\" is written twice in one object"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:9:12"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("aws_iam_policy.both"),
        "{}",
        run.stderr
    );
}

/// A policy document that is not valid JSON is refused where written, and never
/// checked as a document without statements.
#[test]
fn a_policy_document_that_is_not_json_is_an_error_where_written() {
    let tmp = tempfile::tempdir().unwrap();
    let src = r#"resource "aws_kms_key" "k" {
  enable_key_rotation = true
  policy = <<EOF
{ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*" }], }
EOF
}
"#;
    stack(tmp.path(), "bad", &[("main.tf", src)]);
    let run = recon(tmp.path(), &["validate", "-C", "bad"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("aws_kms_key.k.policy: not valid JSON: trailing comma at line 1 column"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.tf:3:12"), "{}", run.stderr);
    let check = recon(tmp.path(), &["check", "-C", "bad", "--format", "json"]);
    assert_eq!(check.code, 1, "{}", check.all());
    let doc = check.json();
    let public = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy_id"] == "kms_key_no_public_principal")
        .unwrap();
    assert_eq!(public["result"], "ERROR", "{public}");
}

const IMPERFECT: &str = "tests/fixtures/check/imperfect";

/// `recon check --format json` of one fixture directory under [`IMPERFECT`].
fn check_fixture(case: &str, extra: &[&str]) -> (Run, Json) {
    let dir = format!("{IMPERFECT}/{case}");
    let mut args = vec!["check", "-d", &dir, "--format", "json"];
    args.extend_from_slice(extra);
    let run = recon(&repo_root(), &args);
    let doc = run.json();
    (run, doc)
}

/// `kms_key_rotation`'s result for each resource, by address.
fn rotation(doc: &Json) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "kms_key_rotation")
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect()
}

/// (location, message, invalid) of each note or parse error, sorted.
fn listed(doc: &Json, key: &str) -> Vec<(String, String, bool)> {
    let mut found: Vec<(String, String, bool)> = doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["location"].as_str().unwrap_or_default().to_string(),
                n["message"].as_str().unwrap().to_string(),
                n["invalid"].as_bool().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

/// (fixture, kms_key_rotation result by address, (note location, note message))
type UnreadCase<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [(String, &'a str)]);

#[test]
fn what_cannot_be_evaluated_is_unknown_value_by_value_and_noted_where_written() {
    let at = |case: &str, rest: &str| format!("{IMPERFECT}/{case}/main.tf:{rest}");
    let cases: [UnreadCase; 3] = [
        (
            "undeclared",
            &[
                ("aws_kms_key.not_rotated", "FAIL"),
                ("aws_kms_key.partial", "PASS"),
                ("aws_kms_key.rotation_unknown", "UNKNOWN"),
            ],
            &[
                (
                    at("undeclared", "13:17"),
                    "unknown: reference to undeclared resource \"aws_kms_key.not_declared\"",
                ),
                (
                    at("undeclared", "4:25"),
                    "unknown: reference to undeclared variable \"not_declared\"",
                ),
                (
                    at("undeclared", "9:25"),
                    "unknown: reference to undeclared local value \"not_declared\"",
                ),
            ],
        ),
        (
            "unknown_function",
            &[
                ("aws_kms_key.not_rotated", "FAIL"),
                ("aws_kms_key.partial", "PASS"),
            ],
            &[(
                at("unknown_function", "2:25"),
                "unknown: call to unknown function \"frobnicate\"",
            )],
        ),
        (
            "type_error",
            &[
                ("aws_kms_key.not_rotated", "FAIL"),
                ("aws_kms_key.partial", "PASS"),
                ("aws_kms_key.rotation_unknown", "UNKNOWN"),
            ],
            &[
                (
                    at("type_error", "2:25"),
                    "unknown: cannot apply + to number and string",
                ),
                (
                    at("type_error", "7:25"),
                    "unknown: wrong type for \"enable_key_rotation\": a bool is required, got the string \"yes please\"",
                ),
            ],
        ),
    ];
    for (case, results, notes) in cases {
        let (run, doc) = check_fixture(case, &[]);
        // No policy at or above `high` failed, but some input could not be read.
        assert_eq!(run.code, 2, "{case}: {}", run.all());
        assert_eq!(rotation(&doc), pairs(results), "{case}");
        let expected: Vec<(String, String, bool)> = notes
            .iter()
            .map(|(l, m)| (l.clone(), m.to_string(), true))
            .collect();
        assert_eq!(listed(&doc, "notes"), expected, "{case}");
        assert_eq!(doc["complete"], false, "{case}");
        assert_eq!(doc["summary"]["parse_errors"], 0, "{case}");
    }
    // An UNKNOWN says which value could not be read.
    let (_, doc) = check_fixture("undeclared", &[]);
    let detail = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["policy_id"] == "kms_key_rotation" && r["address"] == "aws_kms_key.rotation_unknown"
        })
        .map(|r| r["detail"].as_str().unwrap().to_string())
        .unwrap();
    assert!(
        detail.contains("reference to undeclared local value \"not_declared\"")
            && detail.contains("undeclared/main.tf:9:25"),
        "{detail}"
    );
}

#[test]
fn a_file_function_without_its_file_leaves_the_other_values_judged() {
    let (run, doc) = check_fixture("missing_file", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    let tracing: Vec<(&str, &str)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "lambda_tracing")
        .map(|r| {
            (
                r["address"].as_str().unwrap(),
                r["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tracing,
        [
            ("aws_lambda_function.untraced", "FAIL"),
            ("aws_lambda_function.traced", "PASS")
        ]
    );
    let notes = listed(&doc, "notes");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, format!("{IMPERFECT}/missing_file/main.tf:9:22"));
    assert!(
        notes[0]
            .1
            .starts_with("unknown: filebase64sha256: no file exists"),
        "{notes:?}"
    );
}

#[test]
fn a_policy_failure_still_exits_1_when_some_input_could_not_be_read() {
    let (run, doc) = check_fixture("undeclared", &["--policy-fail-on", "medium"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["complete"], false);
}

#[test]
fn plan_and_validate_stay_strict_where_check_is_tolerant() {
    let run = recon(
        &repo_root(),
        &["-C", &format!("{IMPERFECT}/undeclared"), "validate"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("reference to undeclared variable var.not_declared")
            && run.stderr.contains("undeclared/main.tf:4:25"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_duplicate_block_keeps_the_first_with_a_note_on_the_second() {
    let (run, doc) = check_fixture("duplicate", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        rotation(&doc),
        pairs(&[
            ("aws_kms_key.key", "PASS"),
            ("aws_kms_key.not_rotated", "FAIL")
        ])
    );
    let first = format!("{IMPERFECT}/duplicate/main.tf:1:1");
    assert_eq!(
        listed(&doc, "notes"),
        [(
            format!("{IMPERFECT}/duplicate/main.tf:6:1"),
            format!("duplicate resource \"aws_kms_key.key\": not read (the first, at {first}, is)"),
            true
        )]
    );
}

#[test]
fn lenient_spellings_are_read_with_a_note_and_the_check_is_complete() {
    let (run, doc) = check_fixture("capitalised_bool", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        rotation(&doc),
        pairs(&[
            ("aws_kms_key.not_rotated", "FAIL"),
            ("aws_kms_key.rotated", "PASS")
        ])
    );
    let at = |rest: &str| format!("{IMPERFECT}/capitalised_bool/main.tf:{rest}");
    assert_eq!(
        listed(&doc, "notes"),
        [
            (
                at("2:25"),
                "True read as the boolean true (Terraform spells it in lower case)".to_string(),
                false
            ),
            (
                at("6:25"),
                "False read as the boolean false (Terraform spells it in lower case)".to_string(),
                false
            ),
        ]
    );
    assert_eq!(doc["complete"], true);

    let (run, doc) = check_fixture("brace", &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        rotation(&doc),
        pairs(&[
            ("aws_kms_key.after", "PASS"),
            ("aws_kms_key.not_rotated", "FAIL"),
            ("aws_kms_key.rotated", "PASS")
        ])
    );
    // Lines stay those of the file: the resource after the repairs starts on line 8.
    let after = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_kms_key.after")
        .unwrap();
    assert_eq!(
        (&after["start_line"], &after["end_line"]),
        (&8.into(), &10.into())
    );
    let repaired: Vec<String> = listed(&doc, "notes").into_iter().map(|n| n.0).collect();
    assert_eq!(
        repaired,
        [
            format!("{IMPERFECT}/brace/main.tf:3:26"),
            format!("{IMPERFECT}/brace/main.tf:6:31")
        ]
    );
}

#[test]
fn a_file_that_does_not_parse_is_listed_and_the_others_are_checked() {
    let (run, doc) = check_fixture("unparsable", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(
        rotation(&doc),
        pairs(&[
            ("aws_kms_key.not_rotated", "FAIL"),
            ("aws_kms_key.rotated", "PASS")
        ])
    );
    let errors = listed(&doc, "parse_errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0].0,
        format!("{IMPERFECT}/unparsable/broken.tf:2:24")
    );
    assert!(errors[0].1.starts_with("malformed HCL"), "{errors:?}");
    assert_eq!(doc["summary"]["parse_errors"], 1);
    // The human view lists it too, and says the check is incomplete.
    let run = recon(
        &repo_root(),
        &["check", "-d", &format!("{IMPERFECT}/unparsable")],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout.contains("Could not be parsed (not checked):")
            && run.stdout.contains("unparsable/broken.tf:2:24")
            && run.stdout.contains("Incomplete: 1 thing could not be read"),
        "{}",
        run.stdout
    );
}

#[test]
fn recursive_checks_every_stack_under_a_directory_in_one_report() {
    let run = recon(
        &repo_root(),
        &["check", "--recursive", IMPERFECT, "--format", "json"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    let doc = run.json();
    let mut files: Vec<&str> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            "brace/main.tf",
            "capitalised_bool/main.tf",
            "duplicate/main.tf",
            "missing_file/main.tf",
            "type_error/main.tf",
            "undeclared/main.tf",
            "unknown_function/main.tf",
            "unparsable/main.tf"
        ]
    );
    assert_eq!(
        listed(&doc, "parse_errors")
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["unparsable/broken.tf:2:24"]
    );
    let not_rotated = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "kms_key_rotation" && r["result"] == "FAIL")
        .count();
    assert_eq!(not_rotated, 7, "one not_rotated key per stack of keys");
    // The baseline is listed once, not once per stack.
    let ids: Vec<&str> = doc["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids.len(), unique.len());
}

#[test]
fn recursive_skips_hidden_directories_and_keeps_each_stacks_own_policies() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n";
    stack(tmp.path(), "app", &[("main.tf", key)]);
    stack(
        tmp.path(),
        "app",
        &[(
            "policies/described.hcl",
            "policy \"key_described\" {\n  resource_types = [\"aws_kms_key\"]\n  severity = \"high\"\n  condition = self.description != null\n  message = \"describe keys\"\n}\n",
        )],
    );
    stack(
        tmp.path(),
        ".terraform/modules/x",
        &[("main.tf", "not hcl {")],
    );
    stack(tmp.path(), ".git/x", &[("main.tf", "not hcl {")]);
    stack(
        tmp.path(),
        "net/vpc",
        &[("variables.tf", "variable \"rotate\" {\n  type = bool\n}\n")],
    );
    let vpc_key = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n";
    stack(tmp.path(), "net/vpc", &[("main.tf", vpc_key)]);
    // The variable is set where it is declared and nowhere else.
    let run = recon(
        tmp.path(),
        &[
            "check",
            "--recursive",
            ".",
            "--var",
            "rotate=true",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "app's own policy fails: {}", run.all());
    let doc = run.json();
    assert_eq!(doc["parse_errors"], serde_json::json!([]));
    let vpc_rotation = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"] == "net/vpc/main.tf" && r["policy_id"] == "kms_key_rotation")
        .unwrap();
    assert_eq!(vpc_rotation["result"], "PASS", "{vpc_rotation}");
    let mut own: Vec<(&str, &str)> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == "key_described" || r["policy_id"] == "kms_key_rotation")
        .map(|r| {
            (
                r["file"].as_str().unwrap(),
                r["policy_id"].as_str().unwrap(),
            )
        })
        .collect();
    own.sort();
    assert_eq!(
        own,
        [
            ("app/main.tf", "key_described"),
            ("app/main.tf", "kms_key_rotation"),
            ("net/vpc/main.tf", "kms_key_rotation")
        ]
    );
}
