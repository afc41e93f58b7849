//! The data-loss guard against moto, through the real binary: each kind of loss
//! is listed by `plan --json`, refused by apply with nothing changed, and let
//! through when allowed (after snapshots, where they apply).

use crate::common::{local_state, ok, runtime, state_resource, write_stack, Moto, Run};
use aws_sdk_ec2::types::{
    EbsInstanceBlockDeviceSpecification, Filter, InstanceAttributeName,
    InstanceBlockDeviceMappingSpecification, VolumeType,
};
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use aws_sdk_sqs::types::QueueAttributeName;
use base64::Engine;
use serde_json::{json, Value as Json};
use std::path::Path;

const AMI: &str = "ami-03c3da4cfa8e8943a";
const OTHER_AMI: &str = "ami-04681a1dbd79675a5";
/// Policies are not under test: only a critical failure refuses these applies.
const APPLY: [&str; 4] = ["apply", "--auto-approve", "--policy-fail-on", "critical"];

fn run(moto: &Moto, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
    moto.run(cwd, stack, args)
}

fn apply(moto: &Moto, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
    run(moto, cwd, stack, &[&APPLY[..], args].concat())
}

/// `plan --json` with `args`: its `data_loss` entries.
fn data_loss(moto: &Moto, cwd: &Path, stack: &Path, args: &[&str]) -> Vec<Json> {
    let plan = ok(run(
        moto,
        cwd,
        stack,
        &[&["plan", "--json"][..], args].concat(),
    ));
    plan.json()["data_loss"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Runs `command` (apply or destroy with its arguments) and asserts the guard
/// refused it before anything changed: exit 3, the refusal, the same state.
fn assert_refused(moto: &Moto, cwd: &Path, stack: &Path, command: &[&str], addresses: &str) {
    let name = stack.file_name().unwrap().to_str().unwrap();
    let serial = local_state(cwd, name)["serial"].clone();
    let refused = run(moto, cwd, stack, command);
    assert_eq!(refused.code, 3, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains(&format!("would destroy data ({addresses})")),
        "{}",
        refused.all()
    );
    assert_eq!(
        local_state(cwd, name)["serial"],
        serial,
        "a refused apply writes no state"
    );
}

fn ec2(moto: &Moto) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&moto.sdk_config())
}

fn image_of(moto: &Moto, instance_id: &str) -> String {
    runtime().block_on(async {
        let out = ec2(moto)
            .describe_instances()
            .instance_ids(instance_id)
            .send()
            .await
            .unwrap();
        let i = &out.reservations()[0].instances()[0];
        i.image_id().unwrap().to_string()
    })
}

/// (snapshot id, volume id) of the snapshots recon took before destroying `address`.
fn snapshots_of(moto: &Moto, address: &str) -> Vec<(String, String)> {
    // Matched here: moto reads `[0]` in a tag filter value as a wildcard pattern.
    runtime().block_on(async {
        let out = ec2(moto)
            .describe_snapshots()
            .owner_ids("self")
            .filters(
                Filter::builder()
                    .name("tag-key")
                    .values("recon:snapshot-of")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        out.snapshots()
            .iter()
            .filter(|s| {
                s.tags()
                    .iter()
                    .any(|t| t.key() == Some("recon:snapshot-of") && t.value() == Some(address))
            })
            .map(|s| {
                (
                    s.snapshot_id().unwrap_or_default().to_string(),
                    s.volume_id().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
}

fn attr(cwd: &Path, stack: &str, address: &str, pointer: &str) -> Json {
    state_resource(&local_state(cwd, stack), address)["attributes"]
        .pointer(pointer)
        .cloned()
        .unwrap_or_default()
}

#[test]
fn allowing_a_counted_resource_allows_each_of_its_instances() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "workers",
        &format!(
            r#"
variable "ami" {{
  default = "{AMI}"
}}

resource "aws_instance" "worker" {{
  count         = 2
  ami           = var.ami
  instance_type = "t3.micro"
}}
"#
        ),
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let roots: Vec<Json> = (0..2)
        .map(|i| {
            attr(
                cwd,
                "workers",
                &format!("aws_instance.worker[{i}]"),
                "/root_block_device/0/volume_id",
            )
        })
        .collect();
    let other = format!("ami={OTHER_AMI}");
    let change = ["--var", other.as_str()];

    let losses = data_loss(&moto, cwd, &stack, &change);
    let listed: Vec<(Json, Json, Json)> = losses
        .iter()
        .map(|l| {
            (
                l["address"].clone(),
                l["kind"].clone(),
                l["volume_id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                json!("aws_instance.worker[0]"),
                json!("volume"),
                roots[0].clone()
            ),
            (
                json!("aws_instance.worker[1]"),
                json!("volume"),
                roots[1].clone()
            ),
        ]
    );

    let both = "aws_instance.worker[0], aws_instance.worker[1]";
    assert_refused(&moto, cwd, &stack, &[&APPLY[..], &change].concat(), both);
    let only_first = ["--allow-data-loss", "aws_instance.worker[0]"];
    assert_refused(
        &moto,
        cwd,
        &stack,
        &[&APPLY[..], &change, &only_first].concat(),
        "aws_instance.worker[1]",
    );
    let first_id = attr(cwd, "workers", "aws_instance.worker[0]", "/id");
    assert_eq!(image_of(&moto, first_id.as_str().unwrap()), AMI);

    // The resource's address allows every instance, and they are snapshotted first.
    let allowed = [
        "--allow-data-loss",
        "aws_instance.worker",
        "--snapshot-data-loss",
    ];
    let applied = ok(apply(&moto, cwd, &stack, &[&change[..], &allowed].concat()));
    assert!(!applied.stderr.contains("Warning"), "{}", applied.all());
    for (i, root) in roots.iter().enumerate() {
        let snapshots = snapshots_of(&moto, &format!("aws_instance.worker[{i}]"));
        assert_eq!(snapshots.len(), 1, "{snapshots:?}");
        assert_eq!(&Json::from(snapshots[0].1.clone()), root);
    }
    let new_id = attr(cwd, "workers", "aws_instance.worker[0]", "/id");
    assert_ne!(new_id, first_id);
    assert_eq!(image_of(&moto, new_id.as_str().unwrap()), OTHER_AMI);
}

#[test]
fn an_unrefreshed_plan_sees_delete_on_termination_set_outside_recon() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "db",
        &format!(
            r#"
variable "ami" {{
  default = "{AMI}"
}}

resource "aws_instance" "db" {{
  ami           = var.ami
  instance_type = "t3.micro"
  root_block_device {{
    volume_size           = 10
    delete_on_termination = false
  }}
}}
"#
        ),
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let id = attr(cwd, "db", "aws_instance.db", "/id");
    let id = id.as_str().unwrap();
    let root = attr(
        cwd,
        "db",
        "aws_instance.db",
        "/root_block_device/0/volume_id",
    );
    let device = attr(
        cwd,
        "db",
        "aws_instance.db",
        "/root_block_device/0/device_name",
    );
    // Someone switches DeleteOnTermination on in the console; state still says off.
    runtime().block_on(async {
        ec2(&moto)
            .modify_instance_attribute()
            .instance_id(id)
            .block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(device.as_str().unwrap())
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .delete_on_termination(true)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let other = format!("ami={OTHER_AMI}");
    let change = ["--refresh=false", "--var", other.as_str()];

    let losses = data_loss(&moto, cwd, &stack, &change);
    assert_eq!(losses.len(), 1, "{losses:?}");
    assert_eq!(
        (&losses[0]["address"], &losses[0]["volume_id"]),
        (&json!("aws_instance.db"), &root)
    );
    assert_refused(
        &moto,
        cwd,
        &stack,
        &[&APPLY[..], &change].concat(),
        "aws_instance.db",
    );
    assert_eq!(image_of(&moto, id), AMI);

    let allowed = [
        "--allow-data-loss",
        "aws_instance.db",
        "--snapshot-data-loss",
    ];
    ok(apply(&moto, cwd, &stack, &[&change[..], &allowed].concat()));
    let snapshots = snapshots_of(&moto, "aws_instance.db");
    assert_eq!(snapshots.len(), 1, "{snapshots:?}");
    assert_eq!(Json::from(snapshots[0].1.clone()), root);
}

#[test]
fn shrinking_a_volume_is_a_plan_error_where_the_size_is_written() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "shrink",
        &format!(
            r#"
variable "data_size" {{
  default = 20
}}

variable "root_size" {{
  default = 12
}}

resource "aws_ebs_volume" "data" {{
  availability_zone = "us-east-1a"
  size              = var.data_size
}}

resource "aws_instance" "app" {{
  ami           = "{AMI}"
  instance_type = "t3.micro"
  root_block_device {{
    volume_size = var.root_size
  }}
}}
"#
        ),
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let volume = attr(cwd, "shrink", "aws_ebs_volume.data", "/id");

    let plan = run(&moto, cwd, &stack, &["plan", "--var", "data_size=10"]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains(&format!(
            "aws_ebs_volume.data: AWS cannot shrink EBS volumes; size is 10 GiB but the volume {} is 20 GiB",
            volume.as_str().unwrap()
        )),
        "{}",
        plan.all()
    );
    assert!(plan.stderr.contains("main.hcl:12:23"), "{}", plan.all());
    assert!(
        plan.stderr.contains("set size to 20 or more"),
        "{}",
        plan.all()
    );

    let plan = run(&moto, cwd, &stack, &["plan", "--var", "root_size=8"]);
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains("aws_instance.app: AWS cannot shrink EBS volumes; root_block_device.volume_size is 8 GiB"),
        "{}",
        plan.all()
    );
    assert!(plan.stderr.contains("main.hcl:19:19"), "{}", plan.all());

    // Growing is an in-place update, as before.
    let grown = moto.run(
        cwd,
        &stack,
        &["plan", "--detailed-exitcode", "--var", "data_size=30"],
    );
    assert_eq!(grown.code, 2, "{}", grown.all());
    assert!(grown.stdout.contains("1 to change"), "{}", grown.all());
}

#[test]
fn deleting_a_kms_key_lists_what_it_encrypts() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "keys",
        r#"
resource "aws_kms_key" "data" {
  description             = "data"
  deletion_window_in_days = 7
}

resource "aws_sqs_queue" "jobs" {
  name              = "jobs"
  kms_master_key_id = aws_kms_key.data.arn
}

resource "aws_s3_bucket" "archive" {
  bucket = "archive-guard"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "archive" {
  bucket = aws_s3_bucket.archive.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}
"#,
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let key_id = attr(cwd, "keys", "aws_kms_key.data", "/id");
    let key_arn = attr(cwd, "keys", "aws_kms_key.data", "/arn");
    let queue = attr(cwd, "keys", "aws_sqs_queue.jobs", "/id");
    // A volume and its snapshot made outside recon under the same key.
    let (volume, snapshot) = runtime().block_on(async {
        let ec2 = ec2(&moto);
        let volume = ec2
            .create_volume()
            .availability_zone("us-east-1a")
            .size(4)
            .volume_type(VolumeType::Gp3)
            .encrypted(true)
            .kms_key_id(key_arn.as_str().unwrap())
            .send()
            .await
            .unwrap()
            .volume_id()
            .unwrap()
            .to_string();
        let snapshot = ec2
            .create_snapshot()
            .volume_id(&volume)
            .send()
            .await
            .unwrap()
            .snapshot_id()
            .unwrap()
            .to_string();
        (volume, snapshot)
    });
    // A bucket and a queue made outside recon under the key's ARN.
    let outside_queue = runtime().block_on(async {
        let config = moto.sdk_config();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket("outside-guard")
            .send()
            .await
            .unwrap();
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::AwsKms)
            .kms_master_key_id(key_arn.as_str().unwrap())
            .build()
            .unwrap();
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(by_default)
            .build();
        let sse = ServerSideEncryptionConfiguration::builder()
            .rules(rule)
            .build()
            .unwrap();
        s3.put_bucket_encryption()
            .bucket("outside-guard")
            .server_side_encryption_configuration(sse)
            .send()
            .await
            .unwrap();
        // A bucket under another key is not listed.
        s3.create_bucket()
            .bucket("plain-guard")
            .send()
            .await
            .unwrap();
        aws_sdk_sqs::Client::new(&config)
            .create_queue()
            .queue_name("outside-jobs")
            .attributes(
                QueueAttributeName::KmsMasterKeyId,
                key_arn.as_str().unwrap(),
            )
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string()
    });
    let replace = ["--replace", "aws_kms_key.data"];

    let losses = data_loss(&moto, cwd, &stack, &replace);
    let listed: Vec<(Json, Json, Json)> = losses
        .iter()
        .map(|l| {
            assert_eq!(
                (&l["address"], &l["kind"], &l["action"]),
                (
                    &json!("aws_kms_key.data"),
                    &json!("encrypted"),
                    &json!("replace")
                )
            );
            (
                l["encrypts"].clone(),
                l["id"].clone(),
                l["managed_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (json!("EBS snapshot"), json!(snapshot), Json::Null),
            (json!("EBS volume"), json!(volume), Json::Null),
            (
                json!("S3 bucket"),
                json!("archive-guard"),
                json!("aws_s3_bucket_server_side_encryption_configuration.archive")
            ),
            (json!("S3 bucket"), json!("outside-guard"), Json::Null),
            (json!("SQS queue"), queue, json!("aws_sqs_queue.jobs")),
            (json!("SQS queue"), json!(outside_queue), Json::Null),
        ]
    );
    let human = ok(run(&moto, cwd, &stack, &[&["plan"][..], &replace].concat()));
    assert!(
        human.stdout.contains(&format!(
            "aws_kms_key.data (must be replaced): encrypts EBS volume {volume}: unreadable once the key is deleted"
        )),
        "{}",
        human.stdout
    );

    assert_refused(
        &moto,
        cwd,
        &stack,
        &[&APPLY[..], &replace].concat(),
        "aws_kms_key.data",
    );
    let kms = aws_sdk_kms::Client::new(&moto.sdk_config());
    let key_state = |id: &str| {
        runtime().block_on(async {
            kms.describe_key()
                .key_id(id)
                .send()
                .await
                .unwrap()
                .key_metadata()
                .and_then(|m| m.key_state())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default()
        })
    };
    assert_eq!(key_state(key_id.as_str().unwrap()), "Enabled");

    let allowed = [
        "--allow-data-loss",
        "aws_kms_key.data",
        "--snapshot-data-loss",
    ];
    let applied = ok(apply(
        &moto,
        cwd,
        &stack,
        &[&replace[..], &allowed].concat(),
    ));
    assert!(
        applied
            .stderr
            .contains("--snapshot-data-loss has no meaning for aws_kms_key.data"),
        "{}",
        applied.all()
    );
    assert_eq!(key_state(key_id.as_str().unwrap()), "PendingDeletion");
    assert_ne!(attr(cwd, "keys", "aws_kms_key.data", "/id"), key_id);
}

#[test]
fn destroying_a_force_destroy_bucket_with_objects_is_data_loss() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "logs",
        r#"
resource "aws_s3_bucket" "logs" {
  bucket        = "logs-guard"
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
"#,
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let s3 = aws_sdk_s3::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        // a.log twice: the versioned bucket keeps the first copy as an older version.
        for (key, size) in [("a.log", 1000), ("b/c.log", 2000), ("a.log", 500)] {
            s3.put_object()
                .bucket("logs-guard")
                .key(key)
                .body(vec![b'x'; size].into())
                .send()
                .await
                .unwrap();
        }
    });

    let losses = data_loss(&moto, cwd, &stack, &["--destroy"]);
    assert_eq!(
        losses,
        [json!({
            "address": "aws_s3_bucket.logs", "action": "delete", "kind": "objects",
            "bucket": "logs-guard", "object_count": 2, "noncurrent_version_count": 1,
            "size_bytes": 3500,
        })]
    );
    let human = ok(run(&moto, cwd, &stack, &["plan", "--destroy"]));
    assert!(
        human.stdout.contains(
            "aws_s3_bucket.logs (will be destroyed): 2 object(s) and 1 older version(s), 3.4 KiB in bucket logs-guard"
        ),
        "{}",
        human.stdout
    );
    assert_refused(
        &moto,
        cwd,
        &stack,
        &["destroy", "--auto-approve"],
        "aws_s3_bucket.logs",
    );
    let count = || {
        runtime().block_on(async {
            s3.list_objects_v2()
                .bucket("logs-guard")
                .send()
                .await
                .ok()
                .map(|o| o.key_count().unwrap_or(0))
        })
    };
    assert_eq!(count(), Some(2));

    let allowed = run(
        &moto,
        cwd,
        &stack,
        &[
            "destroy",
            "--auto-approve",
            "--allow-data-loss",
            "aws_s3_bucket.logs",
            "--snapshot-data-loss",
        ],
    );
    let allowed = ok(allowed);
    assert!(
        allowed.stderr.contains(
            "Warning: --snapshot-data-loss has no meaning for aws_s3_bucket.logs: the 2 object(s) in bucket logs-guard cannot be snapshotted"
        ),
        "{}",
        allowed.all()
    );
    assert_eq!(count(), None, "the bucket is gone");
}

#[test]
fn user_data_changes_in_place_unless_replace_on_change_is_set() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let stack = write_stack(
        cwd,
        "boot",
        &format!(
            r#"
variable "script" {{
  default = "echo one"
}}

variable "replace_on_change" {{
  default = false
}}

resource "aws_instance" "app" {{
  ami                         = "{AMI}"
  instance_type               = "t3.micro"
  user_data                   = var.script
  user_data_replace_on_change = var.replace_on_change
}}
"#
        ),
    );
    ok(apply(&moto, cwd, &stack, &[]));
    let id = attr(cwd, "boot", "aws_instance.app", "/id");
    let id = id.as_str().unwrap();
    let user_data = || {
        runtime().block_on(async {
            let out = ec2(&moto)
                .describe_instance_attribute()
                .instance_id(id)
                .attribute(InstanceAttributeName::UserData)
                .send()
                .await
                .unwrap();
            let b64 = out.user_data().and_then(|v| v.value()).unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        })
    };
    assert_eq!(user_data(), "echo one");

    // Unset flag: an update in place (stop, modify, start), no data loss.
    let two = ["--var", "script=echo two"];
    let plan = ok(run(
        &moto,
        cwd,
        &stack,
        &[&["plan", "--json"][..], &two].concat(),
    ))
    .json();
    let change = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_instance.app")
        .unwrap()
        .clone();
    assert_eq!(change["change"]["actions"], json!(["update"]));
    assert_eq!(plan["data_loss"], json!([]));
    ok(apply(&moto, cwd, &stack, &two));
    assert_eq!(attr(cwd, "boot", "aws_instance.app", "/id"), json!(id));
    assert_eq!(user_data(), "echo two");
    assert_eq!(
        attr(cwd, "boot", "aws_instance.app", "/instance_state"),
        json!("running")
    );

    // With the flag the change replaces the instance: its root volume goes too.
    let three = [
        "--var",
        "script=echo three",
        "--var",
        "replace_on_change=true",
    ];
    let losses = data_loss(&moto, cwd, &stack, &three);
    assert_eq!(losses.len(), 1, "{losses:?}");
    assert_eq!(
        (&losses[0]["address"], &losses[0]["action"]),
        (&json!("aws_instance.app"), &json!("replace"))
    );
    let human = ok(run(&moto, cwd, &stack, &[&["plan"][..], &three].concat()));
    assert!(
        human.stdout.contains("# forces replacement"),
        "{}",
        human.stdout
    );
    assert_refused(
        &moto,
        cwd,
        &stack,
        &[&APPLY[..], &three].concat(),
        "aws_instance.app",
    );
    assert_eq!(user_data(), "echo two");

    let allowed = [
        "--allow-data-loss",
        "aws_instance.app",
        "--snapshot-data-loss",
    ];
    ok(apply(&moto, cwd, &stack, &[&three[..], &allowed].concat()));
    assert_ne!(attr(cwd, "boot", "aws_instance.app", "/id"), json!(id));
    assert_eq!(snapshots_of(&moto, "aws_instance.app").len(), 1);
}
