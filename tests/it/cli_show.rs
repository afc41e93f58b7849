//! `recon show` through the real binary against moto: a saved plan shown for
//! people and as JSON (made again from its inputs, refused once stale), and the
//! state with its outputs (sensitive ones hidden for people, marked in JSON).

use crate::common;
use crate::common::{ok, write_stack, Moto};

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
  tags       = { Name = "show" }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.1.0/24"
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_id" {
  value     = aws_subnet.a.id
  sensitive = true
}
"#;

#[test]
fn show_a_saved_plan_then_the_state() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "show", STACK);

    let empty = ok(moto.run(cwd, &stack, &["show"]));
    assert!(
        empty.stdout.contains("The state is empty"),
        "{}",
        empty.all()
    );

    let plan_file = cwd.join("tfplan");
    let plan_arg = plan_file.to_str().unwrap();
    ok(moto.run(cwd, &stack, &["plan", "--out", plan_arg]));
    let shown = ok(moto.run(cwd, &stack, &["show", plan_arg]));
    assert!(
        shown.stdout.contains("# aws_vpc.main will be created"),
        "{}",
        shown.all()
    );
    assert!(
        shown
            .stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        shown.all()
    );
    let json = ok(moto.run(cwd, &stack, &["show", "--json", plan_arg])).json();
    let changes: Vec<(&str, &str)> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["change"]["actions"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [("aws_subnet.a", "create"), ("aws_vpc.main", "create")]
    );
    assert_eq!(
        json["policy_checks"]["results"][0]["policy_id"],
        "subnet_no_public_ip_on_launch"
    );
    assert!(!stack.join("state/show.json").exists(), "show wrote state");

    ok(moto.run(cwd, &stack, &["apply", plan_arg]));
    let vpc_id = ok(moto.run(cwd, &stack, &["output", "--raw", "vpc_id"]))
        .stdout
        .trim()
        .to_string();
    let subnet_id = ok(moto.run(cwd, &stack, &["output", "--raw", "subnet_id"]))
        .stdout
        .trim()
        .to_string();

    // The plan is spent: shown no more than applied again.
    let stale = moto.run(cwd, &stack, &["show", plan_arg]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale.stderr.contains("the saved plan is stale"),
        "{}",
        stale.all()
    );

    let state = ok(moto.run(cwd, &stack, &["show"]));
    assert!(
        state
            .stdout
            .contains("# aws_vpc.main:\nresource \"aws_vpc\" \"main\" {"),
        "{}",
        state.all()
    );
    assert!(
        state.stdout.contains(&format!("\"{vpc_id}\"")),
        "{}",
        state.all()
    );
    assert!(state.stdout.contains("Outputs:"), "{}", state.all());
    assert!(
        state.stdout.contains("subnet_id = (sensitive value)"),
        "{}",
        state.all()
    );
    assert!(
        state.stdout.contains(&format!("vpc_id    = \"{vpc_id}\"")),
        "{}",
        state.all()
    );

    let json = ok(moto.run(cwd, &stack, &["show", "--json"])).json();
    let values = &json["values"];
    let addresses: Vec<&str> = values["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["aws_subnet.a", "aws_vpc.main"]);
    assert_eq!(
        values["root_module"]["resources"][1]["values"]["id"],
        vpc_id.as_str()
    );
    assert_eq!(values["outputs"]["subnet_id"]["sensitive"], true);
    assert_eq!(values["outputs"]["subnet_id"]["value"], subnet_id.as_str());
    moto.destroy(cwd, &stack);
}

/// Every managed instance a plan keeps or creates, from `resource_changes`.
fn planned_addresses(plan: &serde_json::Value) -> std::collections::BTreeSet<String> {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["mode"] == "managed" && !c["change"]["after"].is_null())
        .map(|c| c["address"].as_str().unwrap().to_string())
        .collect()
}

/// The seed workflow: `plan -out`, `show -json`, `checkov -f`. The document has
/// Terraform's sections (planned values, configuration with references, prior
/// state once something exists), and Checkov reads every planned resource in it.
#[test]
fn a_saved_plan_as_json_is_read_by_checkov() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = common::inventory::copy_example_stack(cwd);
    let plan_file = cwd.join("tf.plan");
    let plan_arg = plan_file.to_str().unwrap();
    ok(moto.run(cwd, &stack, &["plan", "--out", plan_arg]));
    let shown = ok(moto.run(cwd, &stack, &["show", "--json", plan_arg]));
    let doc = shown.json();

    assert_eq!(doc["terraform_version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["variables"].is_object(), "{:#}", doc["variables"]);
    let planned = planned_addresses(&doc);
    let values: std::collections::BTreeSet<String> = doc["planned_values"]["root_module"]
        ["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["provider_name"], "registry.terraform.io/hashicorp/aws");
            r["address"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(values, planned);
    assert!(doc.get("prior_state").is_none(), "nothing exists yet");
    let subnet = doc["configuration"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_subnet.public")
        .expect("the subnet's configuration");
    assert_eq!(
        subnet["expressions"]["vpc_id"]["references"],
        serde_json::json!(["aws_vpc.main.id", "aws_vpc.main"])
    );

    let tf_json = cwd.join("tf.json");
    std::fs::write(&tf_json, &shown.stdout).unwrap();
    let checkov = std::process::Command::new(common::checkov())
        .args([
            "--framework",
            "terraform_plan",
            "--skip-download",
            "-o",
            "json",
            "-f",
        ])
        .arg(&tf_json)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&checkov.stdout).unwrap_or_else(|e| {
        panic!(
            "Checkov's report is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&checkov.stderr)
        )
    });
    assert_eq!(
        report["summary"]["resource_count"].as_u64(),
        Some(planned.len() as u64),
        "{:#}",
        report["summary"]
    );
    let results = &report["results"];
    let checked: std::collections::BTreeSet<String> = ["passed_checks", "failed_checks"]
        .iter()
        .flat_map(|k| results[*k].as_array().cloned().unwrap_or_default())
        .map(|r| r["resource"].as_str().unwrap().to_string())
        .collect();
    for address in [
        "aws_instance.sync",
        "aws_security_group.sync",
        "aws_kms_key.ebs",
    ] {
        assert!(
            checked.contains(address),
            "Checkov did not check {address}: {checked:?}"
        );
    }

    // Once applied, the next plan carries what exists as `prior_state`.
    ok(moto.run(cwd, &stack, &["apply", plan_arg]));
    let again = ok(moto.run(cwd, &stack, &["plan", "--json"])).json();
    let prior: std::collections::BTreeSet<String> = again["prior_state"]["values"]["root_module"]
        ["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(prior, planned);
}
