//! The estimate over whole plans: schedules linked by value and by reference,
//! declared usage, before against after.

use super::*;
use crate::addr::InstanceAddr;
use crate::config::vars::{self, VarInputs};
use crate::plan::{Action, Reason, ResourceChange};
use serde_json::json;

/// A scheduled sync server like stacks/cron-btsync's, reduced to what links.
const STACK: &str = r#"
variable "hours" {
  type    = number
  default = 12
}

resource "aws_instance" "sync" {
  instance_type = "t3.micro"
}

resource "aws_lambda_function" "power" {
  function_name = "power"
  environment {
    variables = { INSTANCE_ID = aws_instance.sync.id }
  }
}

resource "aws_cloudwatch_event_rule" "power" {
  for_each            = { start = "cron(0 4 ? * SAT *)", stop = "cron(0 8 ? * SAT *)" }
  name                = "power-${each.key}"
  schedule_expression = each.value
}

resource "aws_cloudwatch_event_target" "power" {
  for_each = toset(["start", "stop"])
  rule     = aws_cloudwatch_event_rule.power[each.key].name
  arn      = aws_lambda_function.power.arn
  input    = jsonencode({ action = each.key })
}

resource "aws_ebs_volume" "data" {
  size = 50
  type = "gp3"
}
"#;

const USAGE: &str = r#"
recon {
  usage "aws_instance.sync" {
    hours_per_month = var.hours
  }
}
"#;

fn stack(src: &str) -> Stack {
    let dir = std::env::temp_dir();
    Stack::from_sources(&dir, vec![(dir.join("main.hcl"), src.to_string())]).unwrap_or_else(|d| {
        panic!(
            "{:?}",
            d.0.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        )
    })
}

/// JSON to a value, "?" standing for unknown.
fn value(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::String(s) if s == "?" => Value::Unknown,
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(value).collect()),
        serde_json::Value::Object(m) => {
            Value::Object(m.into_iter().map(|(k, v)| (k, value(v))).collect())
        }
        other => Value::from_json(&other),
    }
}

fn object(j: serde_json::Value) -> Option<Object> {
    match value(j) {
        Value::Object(o) => Some(o),
        _ => None,
    }
}

fn change(address: &str, before: serde_json::Value, after: serde_json::Value) -> ResourceChange {
    let (before, after) = (object(before), object(after));
    let action = match (&before, &after) {
        (None, _) => Action::Create,
        (_, None) => Action::Delete,
        (Some(b), Some(a)) if a == b => Action::NoOp,
        _ => Action::Update,
    };
    ResourceChange {
        addr: address.parse::<InstanceAddr>().unwrap(),
        action,
        reason: Reason::None,
        before,
        after,
        replace_paths: Vec::new(),
        changed: Vec::new(),
        depends_on: Vec::new(),
        data_loss: Vec::new(),
        prevent_destroy: false,
        importing: None,
        deposed: None,
        sensitive: Vec::new(),
        sensitive_before: Vec::new(),
    }
}

fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        stack: "sync".into(),
        changes,
        drift: Vec::new(),
        outputs: Vec::new(),
        destroy: false,
        state_serial: 0,
        state_lineage: String::new(),
        prevented: Vec::new(),
        state_edits: Vec::new(),
    }
}

fn estimate_for(src: &str, plan: &Plan, region: &str) -> Cost {
    let stack = stack(src);
    let vars = vars::resolve(&stack, &VarInputs::default()).unwrap_or_default();
    estimate(&Inputs {
        plan,
        stack: &stack,
        vars: &vars,
        values: &BTreeMap::new(),
        region,
    })
}

fn resource<'c>(cost: &'c Cost, address: &str) -> &'c ResourceCost {
    cost.resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("{address} not in {cost:#?}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Saturdays 04:00-08:00: 4 h × 1461 Saturdays / 336 months.
const SATURDAY_HOURS: f64 = 4.0 * 1461.0 / 336.0;
/// Daily 02:00-05:00: 3 h × 10227 days / 336 months.
const NIGHTLY_HOURS: f64 = 3.0 * 10227.0 / 336.0;

fn rule(name: &str, cron: &str) -> serde_json::Value {
    json!({ "name": name, "arn": format!("arn:aws:events:::rule/{name}"), "schedule_expression": cron, "state": "ENABLED" })
}

/// A first plan: ids and arns are known only after apply.
fn creating() -> Plan {
    plan(vec![
        change(
            "aws_instance.sync",
            json!(null),
            json!({ "id": "?", "instance_type": "t3.micro", "associate_public_ip_address": false,
                    "root_block_device": [{ "volume_size": 16, "volume_type": "gp3" }] }),
        ),
        change(
            "aws_lambda_function.power",
            json!(null),
            json!({ "arn": "?", "function_name": "power", "environment": [{ "variables": { "INSTANCE_ID": "?" } }] }),
        ),
        change(
            "aws_cloudwatch_event_rule.power[\"start\"]",
            json!(null),
            rule("power-start", "cron(0 4 ? * SAT *)"),
        ),
        change(
            "aws_cloudwatch_event_rule.power[\"stop\"]",
            json!(null),
            rule("power-stop", "cron(0 8 ? * SAT *)"),
        ),
        change(
            "aws_cloudwatch_event_target.power[\"start\"]",
            json!(null),
            json!({ "rule": "power-start", "arn": "?", "input": "{\"action\":\"start\"}" }),
        ),
        change(
            "aws_cloudwatch_event_target.power[\"stop\"]",
            json!(null),
            json!({ "rule": "power-stop", "arn": "?", "input": "{\"action\":\"stop\"}" }),
        ),
        change(
            "aws_ebs_volume.data",
            json!(null),
            json!({ "size": 50, "type": "gp3" }),
        ),
    ])
}

#[test]
fn a_first_plan_links_the_schedule_through_configuration() {
    let cost = estimate_for(STACK, &creating(), "us-east-1");
    let sync = resource(&cost, "aws_instance.sync");
    assert!(
        close(sync.monthly_after, SATURDAY_HOURS * 0.0104 + 16.0 * 0.08),
        "{sync:?}"
    );
    assert!(sync.basis.contains("t3.micro 17.39 h (schedules aws_cloudwatch_event_rule.power[\"start\"], aws_cloudwatch_event_rule.power[\"stop\"])"), "{}", sync.basis);
    assert_eq!(sync.monthly_before, 0.0);
    assert!(close(
        resource(&cost, "aws_ebs_volume.data").monthly_after,
        4.0
    ));
    // The function and the rules are usage-based; the targets cost nothing.
    assert!(resource(&cost, "aws_lambda_function.power")
        .basis
        .starts_with("usage-based"));
    assert!(cost
        .resources
        .iter()
        .all(|r| !r.address.starts_with("aws_cloudwatch_event_target")));
    assert!(close(
        cost.monthly_after,
        SATURDAY_HOURS * 0.0104 + 1.28 + 4.0
    ));
    assert!(cost.notes.is_empty(), "{:?}", cost.notes);
}

#[test]
fn state_links_by_value_and_the_change_shows_before_and_after() {
    let instance = json!({ "id": "i-1", "instance_type": "t3.micro", "public_ip": "",
                           "root_block_device": [{ "volume_size": 16, "volume_type": "gp3" }] });
    let lambda = json!({ "arn": "arn:aws:lambda:::function:power", "function_name": "power",
                         "environment": [{ "variables": { "INSTANCE_ID": "i-1" } }] });
    let target = |key: &str| {
        json!({ "rule": format!("power-{key}"), "arn": "arn:aws:lambda:::function:power",
                "input": format!("{{\"action\":\"{key}\"}}") })
    };
    // Nightly until now; Saturdays from this plan on.
    let plan = plan(vec![
        change("aws_instance.sync", instance.clone(), instance),
        change("aws_lambda_function.power", lambda.clone(), lambda),
        change(
            "aws_cloudwatch_event_rule.power[\"start\"]",
            rule("power-start", "cron(0 2 * * ? *)"),
            rule("power-start", "cron(0 4 ? * SAT *)"),
        ),
        change(
            "aws_cloudwatch_event_rule.power[\"stop\"]",
            rule("power-stop", "cron(0 5 * * ? *)"),
            rule("power-stop", "cron(0 8 ? * SAT *)"),
        ),
        change(
            "aws_cloudwatch_event_target.power[\"start\"]",
            target("start"),
            target("start"),
        ),
        change(
            "aws_cloudwatch_event_target.power[\"stop\"]",
            target("stop"),
            target("stop"),
        ),
    ]);
    let cost = estimate_for(STACK, &plan, "eu-west-1");
    let sync = resource(&cost, "aws_instance.sync");
    assert!(
        close(sync.monthly_before, NIGHTLY_HOURS * 0.0114 + 16.0 * 0.088),
        "{sync:?}"
    );
    assert!(
        close(sync.monthly_after, SATURDAY_HOURS * 0.0114 + 16.0 * 0.088),
        "{sync:?}"
    );
    assert!(cost.monthly_after < cost.monthly_before);
}

#[test]
fn declared_usage_wins_over_schedules_and_unknown_things_are_noted() {
    let cost = estimate_for(&format!("{STACK}{USAGE}"), &creating(), "us-east-1");
    let sync = resource(&cost, "aws_instance.sync");
    assert!(close(sync.monthly_after, 12.0 * 0.0104 + 1.28), "{sync:?}");
    assert!(
        sync.basis.contains("12 h (declared usage)"),
        "{}",
        sync.basis
    );

    let odd = format!("{STACK}\nrecon {{\n  usage \"aws_instance.nope\" {{ hours_per_month = 1 }}\n  usage \"aws_ebs_volume.data\" {{ hours_per_month = 1 }}\n}}\n");
    let cost = estimate_for(&odd, &creating(), "us-east-1");
    assert!(
        cost.notes
            .iter()
            .any(|n| n.contains("aws_instance.nope") && n.contains("no such resource")),
        "{:?}",
        cost.notes
    );
    assert!(
        cost.notes
            .iter()
            .any(|n| n.contains("aws_ebs_volume takes no usage")),
        "{:?}",
        cost.notes
    );
}

#[test]
fn no_schedule_means_always_on_and_an_unknown_region_is_said() {
    let mut p = creating();
    p.changes
        .retain(|c| c.addr.resource.type_name != "aws_cloudwatch_event_target");
    let cost = estimate_for(STACK, &p, "us-east-1");
    let sync = resource(&cost, "aws_instance.sync");
    assert!(close(sync.monthly_after, 730.0 * 0.0104 + 1.28), "{sync:?}");
    assert!(sync.basis.contains("730 h (always on)"), "{}", sync.basis);

    let elsewhere = estimate_for(STACK, &creating(), "ap-south-2");
    assert!(elsewhere.resources.is_empty() && !elsewhere.estimated);
    assert!(
        elsewhere.notes[0].contains("region ap-south-2 is not in the price table"),
        "{:?}",
        elsewhere.notes
    );
}

#[test]
fn a_delete_counts_before_only_and_unpriced_types_are_noted() {
    let p = plan(vec![
        change(
            "aws_ebs_volume.data",
            json!({ "size": 100, "type": "gp2" }),
            json!(null),
        ),
        change("aws_dynamodb_table.t", json!(null), json!({ "name": "t" })),
    ]);
    let cost = estimate_for(STACK, &p, "us-east-1");
    let data = resource(&cost, "aws_ebs_volume.data");
    assert!(
        close(data.monthly_before, 10.0) && data.monthly_after == 0.0,
        "{data:?}"
    );
    assert!(
        cost.notes
            .iter()
            .any(|n| n.starts_with("aws_dynamodb_table.t: no price")),
        "{:?}",
        cost.notes
    );
}

const NETWORK: &str = r#"
resource "aws_subnet" "public" {
  map_public_ip_on_launch = true
}

resource "aws_instance" "web" {
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.public.id
}

resource "aws_instance" "fixed" {
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.public.id
}

resource "aws_eip" "fixed" {
  instance = aws_instance.fixed.id
}
"#;

#[test]
fn public_addresses_come_from_the_subnet_and_an_eip_is_billed_once() {
    let instance = || json!({ "id": "?", "instance_type": "t3.micro", "subnet_id": "?", "associate_public_ip_address": "?" });
    let p = plan(vec![
        change(
            "aws_subnet.public",
            json!(null),
            json!({ "id": "?", "map_public_ip_on_launch": true }),
        ),
        change("aws_instance.web", json!(null), instance()),
        change("aws_instance.fixed", json!(null), instance()),
        change(
            "aws_eip.fixed",
            json!(null),
            json!({ "instance": "?", "public_ip": "?" }),
        ),
    ]);
    let cost = estimate_for(NETWORK, &p, "us-east-1");
    let web = resource(&cost, "aws_instance.web");
    assert!(
        close(web.monthly_after, 730.0 * (0.0104 + 0.005)),
        "{web:?}"
    );
    let fixed = resource(&cost, "aws_instance.fixed");
    assert!(close(fixed.monthly_after, 730.0 * 0.0104), "{fixed:?}");
    assert!(close(resource(&cost, "aws_eip.fixed").monthly_after, 3.65));
    assert!(cost
        .resources
        .iter()
        .all(|r| r.address != "aws_subnet.public"));
}
