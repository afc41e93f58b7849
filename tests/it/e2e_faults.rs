//! Faults a real AWS account produces every day, injected by a proxy in front of
//! moto (tests/moto/faultproxy.py): throttling, lost answers, 5xx. Each scenario
//! ends with exactly one object per address in moto, state that matches, and a
//! clean plan.

use crate::common;
use crate::common::inventory::{copy_example_stack, leftovers};
use crate::common::{local_state, ok, runtime, write_stack, FaultProxy, Moto};
use serde_json::json;
use std::path::Path;

const AMI: &str = "ami-03c3da4cfa8e8943a";
/// The small stacks here are not meant to pass the baseline policies.
const APPLY: [&str; 4] = ["apply", "--auto-approve", "--policy-fail-on", "critical"];

/// Objects in moto carrying `recon:address` = `address`, of an EC2 kind
/// (instances that are terminated do not count).
fn ec2_objects(moto: &Moto, address: &str) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let tag = aws_sdk_ec2::types::Filter::builder()
            .name("tag:recon:address")
            .values(address)
            .build();
        let mut ids = Vec::new();
        for r in ec2
            .describe_instances()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .reservations()
        {
            for i in r.instances() {
                if i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated") {
                    ids.push(i.instance_id().unwrap().to_string());
                }
            }
        }
        for v in ec2
            .describe_vpcs()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .vpcs()
        {
            ids.push(v.vpc_id().unwrap().to_string());
        }
        let volumes = ec2
            .describe_volumes()
            .filters(tag.clone())
            .send()
            .await
            .unwrap();
        // An instance's root volume carries the instance's address too.
        ids.extend(
            volumes
                .volumes()
                .iter()
                .filter(|v| v.attachments().is_empty())
                .map(|v| v.volume_id().unwrap().to_string()),
        );
        ids
    })
}

fn state_id(cwd: &Path, name: &str, address: &str) -> String {
    common::state_resource(&local_state(cwd, name), address)["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn clean_plan(proxy: &FaultProxy, cwd: &Path, stack: &Path) {
    let plan = proxy.run(cwd, stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
}

#[test]
fn run_instances_then_describe_throttled_three_times_makes_one_instance() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(work.path(), "one", &format!("resource \"aws_instance\" \"web\" {{\n  ami = \"{AMI}\"\n  instance_type = \"t3.micro\"\n}}\n"));
    proxy.set_rules(json!([{"operation": "DescribeInstances", "fault": "throttle", "times": 3}]));
    let run = ok(proxy.run(work.path(), &stack, &APPLY));
    assert_eq!(proxy.rules()[0]["injected"], 3);
    assert!(
        run.stderr
            .contains("AWS is throttling requests (EC2 DescribeInstances)"),
        "the wait is told:\n{}",
        run.all()
    );
    assert_eq!(
        proxy.calls("RunInstances").len(),
        1,
        "RunInstances is made once"
    );
    let ids = ec2_objects(&moto, "aws_instance.web");
    assert_eq!(ids, vec![state_id(work.path(), "one", "aws_instance.web")]);
    proxy.clear();
    clean_plan(&proxy, work.path(), &stack);
}

const LOST: &str = r#"
resource "aws_vpc" "net" {
  cidr_block = "10.7.0.0/16"
  enable_dns_hostnames = true
}

resource "aws_kms_key" "k" {
  description = "lost answer"
}

resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 8
}

resource "aws_iam_role" "r" {
  name = "lost-answer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
"#;

#[test]
fn creates_whose_answers_are_lost_are_adopted_not_made_twice() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(work.path(), "lost", LOST);
    proxy.set_rules(json!([
        {"operation": "CreateVpc", "fault": "drop_response", "times": 1},
        {"operation": "CreateKey", "fault": "drop_response", "times": 1},
        {"operation": "CreateVolume", "fault": "drop_response", "times": 1},
        {"operation": "CreateRole", "fault": "drop_response", "times": 1}
    ]));
    let run = ok(proxy.run(work.path(), &stack, &APPLY));
    for rule in proxy.rules() {
        assert_eq!(rule["injected"], 1, "{rule}\n{}", run.all());
    }
    for op in ["CreateVpc", "CreateKey", "CreateVolume", "CreateRole"] {
        assert_eq!(
            proxy.calls(op).len(),
            1,
            "{op} is sent once: the object is looked for, not made again\n{}",
            run.all()
        );
    }
    assert_eq!(
        ec2_objects(&moto, "aws_vpc.net"),
        vec![state_id(work.path(), "lost", "aws_vpc.net")]
    );
    assert_eq!(
        ec2_objects(&moto, "aws_ebs_volume.v"),
        vec![state_id(work.path(), "lost", "aws_ebs_volume.v")]
    );
    let kms = aws_sdk_kms::Client::new(&moto.sdk_config());
    let keys = runtime().block_on(kms.list_keys().send()).unwrap();
    assert_eq!(keys.keys().len(), 1, "one KMS key");
    assert_eq!(
        keys.keys()[0].key_id().unwrap(),
        state_id(work.path(), "lost", "aws_kms_key.k")
    );
    // The VPC's setting made after its create call was still made.
    let state = local_state(work.path(), "lost");
    assert_eq!(
        common::state_resource(&state, "aws_vpc.net")["attributes"]["enable_dns_hostnames"],
        true
    );
    assert!(
        state.get("pending").is_none(),
        "no pending create left: {state}"
    );
    proxy.clear();
    clean_plan(&proxy, work.path(), &stack);
}

#[test]
fn example_stack_applies_exactly_once_under_throttling_and_server_errors() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = copy_example_stack(work.path());
    proxy.set_rules(json!({"seed": 7, "rules": [
        {"operation": "*", "fault": "throttle", "probability": 0.2},
        {"operation": "*", "fault": "error500", "probability": 0.05}
    ]}));
    ok(proxy.run(work.path(), &stack, &["apply", "--auto-approve"]));
    let injected: u64 = proxy
        .rules()
        .iter()
        .map(|r| r["injected"].as_u64().unwrap())
        .sum();
    assert!(injected >= 10, "the proxy injected only {injected} faults");
    proxy.clear();
    clean_plan(&proxy, work.path(), &stack);
    ok(proxy.run(
        work.path(),
        &stack,
        &[
            "destroy",
            "--auto-approve",
            "--allow-data-loss",
            "aws_ebs_volume.data",
            "--allow-data-loss",
            "aws_instance.sync",
        ],
    ));
    let left = leftovers(&moto.sdk_config());
    assert!(left.is_empty(), "a duplicate or leaked object: {left:?}");
}

#[test]
fn a_create_whose_answer_never_comes_times_out_and_is_adopted_once() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(
        work.path(),
        "slow",
        "resource \"aws_vpc\" \"net\" {\n  cidr_block = \"10.9.0.0/16\"\n}\n",
    );
    // recon looks for the VPC again 5 s after its call began (CREATE_SETTLE): the
    // late call must have landed by then even when other tests load the machine,
    // so moto's EC2 backend is loaded first (its first call takes a second or
    // more) and the call is held 3 s, past the 2 s timeout.
    assert!(ec2_objects(&moto, "aws_vpc.net").is_empty());
    // The request reaches AWS late, after recon stopped waiting for it.
    proxy.set_rules(json!([
        {"operation": "CreateVpc", "fault": "delay", "delay_seconds": 3, "times": 1}
    ]));
    let started = std::time::Instant::now();
    let run = ok(proxy.run(
        work.path(),
        &stack,
        &[
            "--call-timeout",
            "2s",
            "apply",
            "--auto-approve",
            "--policy-fail-on",
            "critical",
        ],
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{}",
        run.all()
    );
    assert_eq!(
        proxy.calls("CreateVpc").len(),
        1,
        "looked for, not sent again\n{}",
        run.all()
    );
    assert_eq!(
        ec2_objects(&moto, "aws_vpc.net"),
        vec![state_id(work.path(), "slow", "aws_vpc.net")]
    );
    proxy.clear();
    clean_plan(&proxy, work.path(), &stack);
}
