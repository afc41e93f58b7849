//! Provider configurations through the real binary against moto (one endpoint
//! serves every region): `provider "aws" { region, default_tags }` plus an
//! aliased provider in another region (with an assumed role) put each resource
//! in its region with its tags, re-plan with no changes, and delete an orphan
//! in the region state recorded for it.

use crate::common;
use crate::common::{local_state, ok, state_resource, Moto};

const STACK: &str = r#"
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

variable "team" {
  default = "core"
}

provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = {
      Team = var.team
      Env  = "prod"
    }
  }
}

provider "aws" {
  alias  = "west"
  region = "us-west-2"
  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deploy"
    session_name = "recon-test"
  }
  default_tags {
    tags = { Team = "west" }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
  tags = {
    Name = "main"
    Env  = "staging"
  }
}

resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.41.0.0/16"
  tags = {
    Name = "west"
  }
}
"#;

/// A VPC as the test sees it: id, CIDR block and its tags (recon's own left out).
type Vpc = (String, String, Vec<(String, String)>);

fn vpcs_in(moto: &Moto, region: &str) -> Vec<Vpc> {
    let config = moto
        .sdk_config()
        .to_builder()
        .region(aws_config::Region::new(region.to_string()))
        .build();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let rt = common::runtime();
    let out = rt.block_on(ec2.describe_vpcs().send()).unwrap();
    out.vpcs()
        .iter()
        .filter(|v| !v.is_default().unwrap_or(false))
        .map(|v| {
            let mut tags: Vec<(String, String)> = v
                .tags()
                .iter()
                .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
                .filter(|(k, _)| !k.starts_with("recon:"))
                .collect();
            tags.sort();
            (
                v.vpc_id().unwrap().to_string(),
                v.cidr_block().unwrap().to_string(),
                tags,
            )
        })
        .collect()
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn provider_regions_default_tags_and_aliases() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = common::write_stack(cwd, "stack", STACK);

    let plan = moto.expect_plan(cwd, &dir, "Plan: 2 to add, 0 to change, 0 to destroy.");
    assert!(plan.stdout.contains("tags_all"), "{}", plan.stdout);
    assert!(!plan.stderr.contains("Warning"), "{}", plan.stderr);
    ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));

    // Each VPC in its provider's region, with the default tags under its own.
    let eu = vpcs_in(&moto, "eu-west-1");
    assert_eq!(eu.len(), 1, "{eu:?}");
    assert_eq!(eu[0].1, "10.40.0.0/16");
    assert_eq!(
        eu[0].2,
        pairs(&[("Env", "staging"), ("Name", "main"), ("Team", "core")])
    );
    let west = vpcs_in(&moto, "us-west-2");
    assert_eq!(west.len(), 1, "{west:?}");
    assert_eq!(west[0].1, "10.41.0.0/16");
    assert_eq!(west[0].2, pairs(&[("Name", "west"), ("Team", "west")]));
    assert!(vpcs_in(&moto, "us-east-1").is_empty());

    // State records each resource's provider configuration, as Terraform does.
    let state = local_state(cwd, "stack");
    let main = state_resource(&state, "aws_vpc.main");
    assert_eq!(
        main["provider"],
        "provider[\"registry.terraform.io/hashicorp/aws\"]"
    );
    assert_eq!(main["attributes"]["tags"]["Env"], "staging");
    assert_eq!(main["attributes"]["tags_all"]["Team"], "core");
    assert!(main["attributes"]["tags"].get("Team").is_none(), "{main}");
    assert_eq!(
        state_resource(&state, "aws_vpc.west")["provider"],
        "provider[\"registry.terraform.io/hashicorp/aws\"].west"
    );

    moto.expect_no_changes(cwd, &dir);

    // A changed default tag is an in-place update of tags_all, then converges.
    let changed = STACK.replace("default = \"core\"", "default = \"platform\"");
    std::fs::write(dir.join("main.hcl"), &changed).unwrap();
    moto.expect_plan(cwd, &dir, "Plan: 0 to add, 1 to change, 0 to destroy.");
    ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));
    let eu = vpcs_in(&moto, "eu-west-1");
    assert!(
        eu[0].2.contains(&("Team".into(), "platform".into())),
        "{eu:?}"
    );
    moto.expect_no_changes(cwd, &dir);

    // An orphan is deleted in the region state recorded, not the default one.
    let cut = changed.find("resource \"aws_vpc\" \"west\"").unwrap();
    std::fs::write(dir.join("main.hcl"), &changed[..cut]).unwrap();
    moto.expect_plan(cwd, &dir, "Plan: 0 to add, 0 to change, 1 to destroy.");
    ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));
    assert!(vpcs_in(&moto, "us-west-2").is_empty());
    assert_eq!(vpcs_in(&moto, "eu-west-1").len(), 1);

    moto.destroy(cwd, &dir);
    assert!(vpcs_in(&moto, "eu-west-1").is_empty());
}

#[test]
fn unhonoured_provider_settings_are_warned_about_and_unknown_aliases_refused() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = common::write_stack(
        cwd,
        "stack",
        "provider \"aws\" {\n  region = \"eu-west-1\"\n  max_retries = 5\n}\nterraform {\n  cloud {}\n}\nresource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    );
    let plan = moto.run(cwd, &dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stderr
            .contains("recon does not honour \"max_retries\""),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("recon does not honour \"cloud\""),
        "{}",
        plan.stderr
    );

    std::fs::write(
        dir.join("main.hcl"),
        "resource \"aws_vpc\" \"a\" {\n  provider = aws.east\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )
    .unwrap();
    let plan = moto.run(cwd, &dir, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains("provider aws.east is not configured"),
        "{}",
        plan.stderr
    );
}
