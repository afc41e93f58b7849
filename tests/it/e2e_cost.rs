//! The example stack's monthly cost in its plan, against moto, checked against
//! figures worked out by hand from the price table (us-east-1):
//!
//! - t3.micro $0.0104/h; gp3 $0.08/GB-month; public IPv4 $0.005/h; KMS key $1/month.
//! - On Saturdays 04:00-08:00 UTC: 4 h × 1461 Saturdays in 28 years / 336 months
//!   = 17.392857 h a month. Always on: 730 h.
//! - Volumes (16 GB root, 50 GB data) and keys are billed all month.

use crate::common;
use crate::common::{ok, Moto, Run};
use serde_json::Value as Json;
use std::path::Path;

const SATURDAY_HOURS: f64 = 4.0 * 1461.0 / 336.0;
const ROOT: f64 = 16.0 * 0.08;
const DATA: f64 = 50.0 * 0.08;
const KEYS: f64 = 2.0;

fn plan_json(moto: &Moto, cwd: &Path, stack: &Path, extra: &[&str]) -> Json {
    let run: Run = moto.run(cwd, stack, &[&["plan", "--json"][..], extra].concat());
    ok(run).json()
}

fn cost_of<'j>(plan: &'j Json, address: &str) -> &'j Json {
    plan["cost"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} has no cost in {:#}", plan["cost"]))
}

fn money(v: &Json) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Cents, as the plan rounds them.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The planned value of `pointer` in the change of `address`.
fn planned(plan: &Json, address: &str, pointer: &str) -> Json {
    plan["resource_changes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["address"] == address))
        .and_then(|c| c["change"]["after"].pointer(pointer).cloned())
        .unwrap_or_default()
}

/// The instance's hourly items: its type, and a public IPv4 address when it gets
/// one (asked for, or left to a subnet that assigns one at launch).
fn hourly_rate(plan: &Json, instance_rate: f64) -> f64 {
    let public = match planned(plan, "aws_instance.sync", "/associate_public_ip_address") {
        Json::Bool(asked) => asked,
        _ => plan["resource_changes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| {
                c["type"] == "aws_subnet" && c["change"]["after"]["map_public_ip_on_launch"] == true
            }),
    };
    instance_rate + if public { 0.005 } else { 0.0 }
}

#[test]
fn example_stack_plan_shows_its_monthly_cost() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = common::inventory::copy_example_stack(cwd);

    // As shipped: on a few hours a week (its start/stop schedules).
    let plan = plan_json(&moto, cwd, &stack, &[]);
    let cost = &plan["cost"];
    assert_eq!(cost["currency"], "USD");
    assert_eq!(cost["monthly_before"], 0.0);
    let instance = SATURDAY_HOURS * hourly_rate(&plan, 0.0104) + ROOT;
    let sync = cost_of(&plan, "aws_instance.sync");
    assert_eq!(money(&sync["monthly_after"]), cents(instance), "{sync:#}");
    let basis = sync["basis"].as_str().unwrap();
    assert!(basis.starts_with("t3.micro 17.39 h (schedules aws_cloudwatch_event_rule.power[\"start\"], aws_cloudwatch_event_rule.power[\"stop\"]) × $0.0104/h"), "{basis}");
    assert!(basis.contains("root 16 GB gp3 × $0.08/GB-month"), "{basis}");
    assert_eq!(
        money(&cost_of(&plan, "aws_ebs_volume.data")["monthly_after"]),
        DATA
    );
    assert_eq!(
        money(&cost_of(&plan, "aws_kms_key.ebs")["monthly_after"]),
        1.0
    );
    let bucket = cost_of(&plan, "aws_s3_bucket.backup");
    assert_eq!(bucket["monthly_after"], 0.0);
    assert!(bucket["basis"]
        .as_str()
        .unwrap()
        .starts_with("usage-based:"));
    let scheduled_total = cents(instance + DATA + KEYS);
    assert_eq!(money(&cost["monthly_after"]), scheduled_total, "{cost:#}");

    // The human plan ends with the same figure.
    let human = ok(moto.run(cwd, &stack, &["plan"])).stdout;
    let total_line =
        format!("Monthly cost: $0.00 → ${scheduled_total:.2} (+${scheduled_total:.2}) USD");
    assert!(human.trim_end().ends_with(&total_line), "{human}");
    assert!(human.contains("aws_ebs_volume.data"), "{human}");

    // Always on: the stack declares it, and the schedules no longer count.
    std::fs::write(
        stack.join("usage.hcl"),
        "recon {\n  usage \"aws_instance.sync\" {\n    hours_per_month = 730\n  }\n}\n",
    )
    .unwrap();
    let always = plan_json(&moto, cwd, &stack, &[]);
    let instance_always = 730.0 * hourly_rate(&always, 0.0104) + ROOT;
    assert_eq!(
        money(&cost_of(&always, "aws_instance.sync")["monthly_after"]),
        cents(instance_always)
    );
    assert_eq!(
        money(&always["cost"]["monthly_after"]),
        cents(instance_always + DATA + KEYS)
    );
    std::fs::remove_file(stack.join("usage.hcl")).unwrap();

    // Applied, the state is the "before": a bigger instance type costs the
    // difference over the same scheduled hours (the schedule is linked by the
    // ids and arns in state now).
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let resize = plan_json(&moto, cwd, &stack, &["--var", "instance_type=t3.small"]);
    let sync = cost_of(&resize, "aws_instance.sync");
    assert_eq!(money(&sync["monthly_before"]), cents(instance), "{sync:#}");
    let small = SATURDAY_HOURS * hourly_rate(&resize, 0.0208) + ROOT;
    assert_eq!(money(&sync["monthly_after"]), cents(small), "{sync:#}");
    assert!(
        sync["basis_before"]
            .as_str()
            .unwrap()
            .starts_with("t3.micro 17.39 h"),
        "{sync:#}"
    );
    assert_eq!(money(&resize["cost"]["monthly_before"]), scheduled_total);
    assert_eq!(
        money(&resize["cost"]["monthly_after"]),
        cents(small + DATA + KEYS)
    );
}
