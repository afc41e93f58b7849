//! `--target` and `--replace` through the real binary against moto: a targeted
//! saved plan applies exactly, `--replace` swaps one object, a targeted destroy
//! takes what depends on the target along and leaves the rest.

use crate::common;
use crate::common::{local_state, ok, state_resource, Moto};
use std::path::Path;

const STACK: &str = r#"
resource "aws_vpc" "app" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "app" {
  vpc_id     = aws_vpc.app.id
  cidr_block = "10.20.1.0/24"
}

resource "aws_vpc" "tools" {
  cidr_block = "10.30.0.0/16"
}
"#;

fn state(dir: &Path) -> serde_json::Value {
    local_state(dir, "stack")
}

fn addresses(dir: &Path) -> Vec<String> {
    state(dir)["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn id_of(dir: &Path, address: &str) -> String {
    state_resource(&state(dir), address)["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn target_and_replace() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = cwd.join("stack");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.hcl"), STACK).unwrap();

    // A targeted plan, saved: the subnet brings its VPC, not the other VPC.
    let plan = ok(moto.run(
        cwd,
        &dir,
        &[
            "plan",
            "-target=aws_subnet.app", // Terraform's spelling works too
            "-out=targeted.plan",
        ],
    ));
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("aws_vpc.tools"), "{}", plan.stdout);
    assert!(
        plan.stderr
            .contains("Warning: resource targeting is in effect"),
        "{}",
        plan.stderr
    );
    ok(moto.run(cwd, &dir, &["apply", "targeted.plan"]));
    assert_eq!(addresses(cwd), ["aws_subnet.app", "aws_vpc.app"]);

    // The rest comes with an untargeted apply.
    let rest = ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));
    assert!(
        rest.stdout.contains("1 added, 0 changed, 0 destroyed"),
        "{}",
        rest.stdout
    );

    // --replace swaps the subnet for a new one; nothing else changes.
    let (subnet, vpc) = (id_of(cwd, "aws_subnet.app"), id_of(cwd, "aws_vpc.app"));
    let replaced = ok(moto.run(
        cwd,
        &dir,
        &["apply", "--auto-approve", "--replace", "aws_subnet.app"],
    ));
    assert!(
        replaced
            .stdout
            .contains("aws_subnet.app will be replaced, as requested"),
        "{}",
        replaced.stdout
    );
    assert!(
        replaced.stdout.contains("1 added, 0 changed, 1 destroyed"),
        "{}",
        replaced.stdout
    );
    assert_ne!(id_of(cwd, "aws_subnet.app"), subnet);
    assert_eq!(id_of(cwd, "aws_vpc.app"), vpc);
    let missing = moto.run(cwd, &dir, &["plan", "--replace", "aws_subnet.ap"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("--replace aws_subnet.ap: no such resource instance in the configuration"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("did you mean aws_subnet.app?"),
        "{}",
        missing.stderr
    );

    // A targeted destroy takes the subnet with its VPC and leaves the other VPC.
    let destroyed = ok(moto.run(
        cwd,
        &dir,
        &["destroy", "--auto-approve", "--target", "aws_vpc.app"],
    ));
    assert!(
        destroyed.stdout.contains("2 destroyed"),
        "{}",
        destroyed.stdout
    );
    assert_eq!(addresses(cwd), ["aws_vpc.tools"]);
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    let exists = common::runtime().block_on(async {
        ec2.describe_vpcs()
            .vpc_ids(&vpc)
            .send()
            .await
            .map(|o| !o.vpcs().is_empty())
            .unwrap_or(false)
    });
    assert!(!exists, "the targeted VPC is gone from moto");
}
