//! The example stack end to end against moto, through the real binary: its way to
//! the internet and its first-boot script in the plan, apply, re-plan clean,
//! update in place, the data-loss guard on an AMI change, delete a removed
//! resource, destroy leaving nothing behind.

use crate::common;
use crate::common::{local_state, ok, runtime, state_resource, Moto, Run};
use aws_sdk_ec2::types::Filter;
use std::path::Path;

const OTHER_AMI: &str = "ami-04681a1dbd79675a5";

fn recon(moto: &Moto, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
    moto.run(cwd, stack, args)
}

fn output(moto: &Moto, cwd: &Path, stack: &Path, name: &str) -> String {
    ok(recon(moto, cwd, stack, &["output", "--raw", name]))
        .stdout
        .trim()
        .to_string()
}

fn state(cwd: &Path) -> serde_json::Value {
    local_state(cwd, "cron-btsync")
}

fn state_attr(cwd: &Path, address: &str, pointer: &str) -> serde_json::Value {
    state_resource(&state(cwd), address)["attributes"]
        .pointer(pointer)
        .cloned()
        .unwrap_or_default()
}

struct Ec2View {
    instance_type: String,
    image_id: String,
    state: String,
}

fn describe_instance(moto: &Moto, id: &str) -> Ec2View {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let out = ec2
            .describe_instances()
            .instance_ids(id)
            .send()
            .await
            .unwrap();
        let i = &out.reservations()[0].instances()[0];
        Ec2View {
            instance_type: i.instance_type().unwrap().as_str().to_string(),
            image_id: i.image_id().unwrap().to_string(),
            state: i.state().unwrap().name().unwrap().as_str().to_string(),
        }
    })
}

/// The change of `address` in a `plan --json` document.
fn change_of<'a>(plan: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .map(|c| &c["change"])
        .unwrap_or_else(|| panic!("{address} not in the plan"))
}

fn leftovers(moto: &Moto) -> Vec<String> {
    common::inventory::leftovers(&moto.sdk_config())
}

/// (snapshot id, volume id, state) of the snapshots recon took before destroying `address`'s volumes.
fn snapshots_of(moto: &Moto, address: &str) -> Vec<(String, String, String)> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let found = ec2
            .describe_snapshots()
            .owner_ids("self")
            .filters(
                Filter::builder()
                    .name("tag:recon:snapshot-of")
                    .values(address)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        found
            .snapshots()
            .iter()
            .map(|s| {
                let state = s
                    .state()
                    .map(|st| st.as_str().to_string())
                    .unwrap_or_default();
                (
                    s.snapshot_id().unwrap_or_default().to_string(),
                    s.volume_id().unwrap_or_default().to_string(),
                    state,
                )
            })
            .collect()
    })
}

#[test]
fn example_stack_lifecycle() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = common::inventory::copy_example_stack(cwd);

    // A first plan shows everything to create and exits 2 under --detailed-exitcode.
    let plan = moto.expect_plan(cwd, &stack, "Plan: 29 to add, 0 to change, 0 to destroy.");
    assert!(
        plan.stdout.contains("(known after apply)"),
        "{}",
        plan.stdout
    );

    // The way out: the subnet's route table sends 0.0.0.0/0 to the internet gateway,
    // and the instance gets a public address at launch (no Elastic IP).
    let json = ok(recon(&moto, cwd, &stack, &["plan", "--json"])).json();
    let table = change_of(&json, "aws_route_table.public");
    assert_eq!(table["after"]["route"][0]["cidr_block"], "0.0.0.0/0");
    assert_eq!(table["after_unknown"]["route"][0]["gateway_id"], true);
    let association = change_of(&json, "aws_route_table_association.public");
    assert_eq!(association["actions"][0], "create");
    assert_eq!(
        change_of(&json, "aws_internet_gateway.main")["actions"][0],
        "create"
    );
    let instance = change_of(&json, "aws_instance.sync");
    assert_eq!(instance["after"]["associate_public_ip_address"], true);
    // user_data names the data volume, known once the volume exists.
    assert_eq!(instance["after_unknown"]["user_data"], true);
    let resources = json["resource_changes"].as_array().unwrap();
    assert!(
        !resources.iter().any(|c| c["type"] == "aws_eip"),
        "no Elastic IP"
    );

    ok(recon(&moto, cwd, &stack, &["apply", "--auto-approve"]));
    let instance_id = output(&moto, cwd, &stack, "instance_id");
    assert!(instance_id.starts_with("i-"), "{instance_id}");
    let root_volume = state_attr(cwd, "aws_instance.sync", "/root_block_device/0/volume_id");
    let data_volume = output(&moto, cwd, &stack, "data_volume_id");
    let view = describe_instance(&moto, &instance_id);
    assert_eq!(view.instance_type, "t3.micro");
    assert_eq!(
        state_attr(cwd, "aws_instance.sync", "/metadata_options/0/http_tokens"),
        "required"
    );
    assert_eq!(
        state_attr(cwd, "aws_instance.sync", "/root_block_device/0/encrypted"),
        true
    );
    // Failed scheduled invocations go to the stack's encrypted queue.
    let queue_arn = state_attr(cwd, "aws_sqs_queue.power_failures", "/arn");
    assert!(
        queue_arn
            .as_str()
            .unwrap()
            .ends_with(":btsync-dev-power-failures"),
        "{queue_arn}"
    );
    assert_eq!(
        state_attr(cwd, "aws_sqs_queue.power_failures", "/kms_master_key_id"),
        state_attr(cwd, "aws_kms_key.data", "/arn")
    );
    assert_eq!(
        state_attr(
            cwd,
            "aws_lambda_function.power",
            "/dead_letter_config/0/target_arn"
        ),
        queue_arn
    );

    // The route and the first-boot script as applied: the script from the stack
    // directory, run for this stack's data volume.
    let gateway = state_attr(cwd, "aws_internet_gateway.main", "/id");
    assert_eq!(
        state_attr(cwd, "aws_route_table.public", "/route/0/gateway_id"),
        gateway
    );
    assert_eq!(
        state_attr(cwd, "aws_route_table_association.public", "/subnet_id"),
        state_attr(cwd, "aws_subnet.public", "/id")
    );
    let script = std::fs::read_to_string(stack.join("user_data.sh")).unwrap();
    assert_eq!(
        state_attr(cwd, "aws_instance.sync", "/user_data"),
        format!("{script}\nmain {data_volume}\n").as_str()
    );
    assert!(
        script.contains("-p 127.0.0.1:8888:8888"),
        "UI on loopback only"
    );

    // Re-planning right after apply finds nothing to do.
    moto.expect_no_changes(cwd, &stack);

    // A later plan shows the script and the route in full.
    let json = ok(recon(
        &moto,
        cwd,
        &stack,
        &["plan", "--json", "--var", "instance_type=t3.small"],
    ))
    .json();
    let instance = change_of(&json, "aws_instance.sync");
    assert_eq!(instance["actions"][0], "update");
    let user_data = instance["after"]["user_data"].as_str().unwrap();
    assert!(user_data.starts_with("#!/bin/bash\n"), "{user_data}");
    assert!(
        user_data.ends_with(&format!("\nmain {data_volume}\n")),
        "{user_data}"
    );
    let table = change_of(&json, "aws_route_table.public");
    assert_eq!(table["actions"][0], "no-op");
    assert_eq!(table["after"]["route"][0]["cidr_block"], "0.0.0.0/0");
    assert_eq!(table["after"]["route"][0]["gateway_id"], gateway);

    // instance_type changes in place: same instance, same volumes.
    let update = ok(recon(
        &moto,
        cwd,
        &stack,
        &["apply", "--auto-approve", "--var", "instance_type=t3.small"],
    ));
    assert!(update.stdout.contains("1 changed"), "{}", update.stdout);
    assert_eq!(output(&moto, cwd, &stack, "instance_id"), instance_id);
    assert_eq!(
        describe_instance(&moto, &instance_id).instance_type,
        "t3.small"
    );
    assert_eq!(
        state_attr(cwd, "aws_instance.sync", "/root_block_device/0/volume_id"),
        root_volume
    );
    assert_eq!(output(&moto, cwd, &stack, "data_volume_id"), data_volume);

    // An AMI change replaces the instance and so destroys its root volume: the plan
    // says so, and apply refuses with exit 3 without touching anything.
    let ami_var = format!("ami_id={OTHER_AMI}");
    let args = ["--var", "instance_type=t3.small", "--var", ami_var.as_str()];
    let plan = recon(&moto, cwd, &stack, &[&["plan"][..], &args].concat());
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("# forces replacement"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(root_volume.as_str().unwrap()),
        "data-loss section names the root volume:\n{}",
        plan.stdout
    );
    let serial_before = state(cwd)["serial"].clone();
    let refused = recon(
        &moto,
        cwd,
        &stack,
        &[&["apply", "--auto-approve"][..], &args].concat(),
    );
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("--allow-data-loss"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        state(cwd)["serial"],
        serial_before,
        "a refused apply writes no state"
    );
    let view = describe_instance(&moto, &instance_id);
    assert_eq!(
        (view.state.as_str(), view.image_id.as_str()),
        ("running", "ami-03c3da4cfa8e8943a")
    );

    // Allowed explicitly, the replacement goes ahead, after a snapshot of the root
    // volume; the data volume survives and is attached to the new instance.
    let replaced = ok(recon(
        &moto,
        cwd,
        &stack,
        &[
            &[
                "apply",
                "--auto-approve",
                "--allow-data-loss",
                "aws_instance.sync",
                "--snapshot-data-loss",
            ][..],
            &args,
        ]
        .concat(),
    ));
    let root_volume = root_volume.as_str().unwrap();
    let snapshots = snapshots_of(&moto, "aws_instance.sync");
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    let (snapshot_id, volume_id, snapshot_state) = &snapshots[0];
    assert_eq!(
        (volume_id.as_str(), snapshot_state.as_str()),
        (root_volume, "completed")
    );
    assert!(
        replaced.stdout.contains(&format!(
            "aws_instance.sync: Snapshotting {root_volume} before destroying..."
        )),
        "{}",
        replaced.stdout
    );
    assert!(
        replaced.stdout.contains(&format!(
            "{snapshot_id}  of {root_volume}  (aws_instance.sync)"
        )),
        "{}",
        replaced.stdout
    );
    let snapshot_line = replaced.stdout.find("Snapshots complete").unwrap();
    let destroy_line = replaced
        .stdout
        .find("aws_instance.sync: Destroying...")
        .unwrap();
    assert!(
        snapshot_line < destroy_line,
        "snapshot before destroy:\n{}",
        replaced.stdout
    );
    let new_id = output(&moto, cwd, &stack, "instance_id");
    assert_ne!(new_id, instance_id);
    assert_eq!(describe_instance(&moto, &new_id).image_id, OTHER_AMI);
    assert_eq!(describe_instance(&moto, &instance_id).state, "terminated");
    assert_eq!(output(&moto, cwd, &stack, "data_volume_id"), data_volume);
    assert_eq!(
        state_attr(cwd, "aws_volume_attachment.data", "/instance_id"),
        new_id.as_str()
    );

    // A resource removed from the stack is deleted.
    let main = stack.join("main.hcl");
    let text = std::fs::read_to_string(&main).unwrap();
    let start = text.find("resource \"aws_kms_alias\" \"ebs\"").unwrap();
    let end = start + text[start..].find("}\n").unwrap() + 2;
    std::fs::write(&main, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let removed = ok(recon(
        &moto,
        cwd,
        &stack,
        &[&["apply", "--auto-approve"][..], &args].concat(),
    ));
    assert!(
        removed
            .stdout
            .contains("aws_kms_alias.ebs will be destroyed"),
        "{}",
        removed.stdout
    );
    assert!(removed.stdout.contains("1 destroyed"), "{}", removed.stdout);

    // Destroy leaves nothing of the stack in moto. The key that encrypted the root
    // volume also encrypts the snapshot taken before the AMI change: deleting it
    // is data loss too, and must be allowed.
    ok(recon(
        &moto,
        cwd,
        &stack,
        &[
            &[
                "destroy",
                "--auto-approve",
                "--allow-data-loss",
                "aws_instance.sync",
                "--allow-data-loss",
                "aws_ebs_volume.data",
                "--allow-data-loss",
                "aws_kms_key.ebs",
            ][..],
            &args,
        ]
        .concat(),
    ));
    assert_eq!(leftovers(&moto), Vec::<String>::new());
    assert_eq!(state(cwd)["resources"].as_array().unwrap().len(), 0);
}

#[test]
fn saved_plan_is_applied_exactly_or_refused_when_stale() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = common::inventory::copy_example_stack(cwd);
    let plan_file = cwd.join("tfplan");
    let plan_path = plan_file.to_str().unwrap();

    ok(recon(&moto, cwd, &stack, &["plan", "--out", plan_path]));
    ok(recon(&moto, cwd, &stack, &["apply", plan_path]));
    assert!(output(&moto, cwd, &stack, "instance_id").starts_with("i-"));

    // The state moved on since this plan was saved: applying it is refused.
    let stale = recon(&moto, cwd, &stack, &["apply", plan_path]);
    assert_eq!(stale.code, 1);
    assert!(
        stale.stderr.contains("the saved plan is stale"),
        "{}",
        stale.stderr
    );
}
