//! Golden-file tests of the human plan (insta snapshots in `snapshots/`) and shape
//! tests of the JSON plan, over plans built by hand with a small test schema.

use super::{plan_human, plan_json};
use crate::object;
use crate::plan::diff::{AttrPath, Step};
use crate::plan::{Action, Drift, OutputChange, Plan, Reason, ResourceChange};
use crate::provider::{
    Attribute, BlockType, DataLoss, Default as D, Encrypted, Nesting, Schema, Type, VolumeLoss, ID,
    TAGS,
};
use crate::value::{Object, Value};
use serde_json::json;

static INSTANCE: Schema = Schema {
    type_name: "aws_instance",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("ami", Type::String).force_new(),
        Attribute::required("instance_type", Type::String),
        Attribute::optional_computed("subnet_id", Type::String).force_new(),
        Attribute::computed("private_ip", Type::String),
        Attribute::optional("vpc_security_group_ids", Type::Set(&Type::String)),
        Attribute::optional("user_data", Type::String).force_new(),
        Attribute::optional("monitoring", Type::Bool).default(D::Bool(false)),
        TAGS,
    ],
    blocks: &[BlockType::new(
        "root_block_device",
        Nesting::Single,
        &[
            Attribute::optional_computed("volume_size", Type::Number),
            Attribute::optional_computed("volume_type", Type::String),
            Attribute::optional_computed("encrypted", Type::Bool).force_new(),
            Attribute::optional("delete_on_termination", Type::Bool).default(D::Bool(true)),
            Attribute::computed("volume_id", Type::String),
        ],
    )
    .computed_when_absent()],
};

static EBS_VOLUME: Schema = Schema {
    type_name: "aws_ebs_volume",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("availability_zone", Type::String).force_new(),
        Attribute::optional_computed("size", Type::Number),
        Attribute::optional_computed("type", Type::String),
        Attribute::optional_computed("encrypted", Type::Bool).force_new(),
        TAGS,
    ],
    blocks: &[],
};

static IAM_ROLE: Schema = Schema {
    type_name: "aws_iam_role",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("name", Type::String).force_new(),
        Attribute::required("assume_role_policy", Type::Json),
        TAGS,
    ],
    blocks: &[],
};

static DB_INSTANCE: Schema = Schema {
    type_name: "aws_db_instance",
    attributes: &[
        ID,
        Attribute::required("identifier", Type::String).force_new(),
        Attribute::required("username", Type::String),
        Attribute::optional("password", Type::String).sensitive(),
    ],
    blocks: &[],
};

static AMI: Schema = Schema {
    type_name: "aws_ami",
    attributes: &[
        ID,
        Attribute::optional("most_recent", Type::Bool),
        Attribute::optional("owners", Type::List(&Type::String)),
        Attribute::optional("name_regex", Type::String),
        Attribute::computed("image_id", Type::String),
    ],
    blocks: &[],
};

/// Blocks inside blocks: a set of rules, each with a single nested block.
static SSE_CONFIG: Schema = Schema {
    type_name: "aws_s3_bucket_server_side_encryption_configuration",
    attributes: &[ID, Attribute::required("bucket", Type::String).force_new()],
    blocks: &[BlockType::new(
        "rule",
        Nesting::Set,
        &[Attribute::optional("bucket_key_enabled", Type::Bool)],
    )
    .with_blocks(&[BlockType::new(
        "apply_server_side_encryption_by_default",
        Nesting::Single,
        &[
            Attribute::required("sse_algorithm", Type::String),
            Attribute::optional("kms_master_key_id", Type::String).sensitive(),
        ],
    )])],
};

fn schema_of(type_name: &str) -> Option<&'static Schema> {
    [
        &INSTANCE,
        &EBS_VOLUME,
        &IAM_ROLE,
        &DB_INSTANCE,
        &AMI,
        &SSE_CONFIG,
    ]
    .into_iter()
    .find(|s| s.type_name == type_name)
}

fn path(steps: &[&str]) -> AttrPath {
    steps
        .iter()
        .map(|s| match s.parse::<usize>() {
            Ok(i) => Step::Index(i),
            Err(_) => Step::Attr(s.to_string()),
        })
        .collect()
}

fn change(
    addr: &str,
    action: Action,
    reason: Reason,
    before: Option<Object>,
    after: Option<Object>,
) -> ResourceChange {
    ResourceChange {
        addr: addr.parse().unwrap(),
        action,
        reason,
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
        stack: "test".into(),
        changes,
        drift: Vec::new(),
        outputs: Vec::new(),
        destroy: false,
        state_serial: 3,
        state_lineage: "lineage".into(),
        prevented: Vec::new(),
        state_edits: Vec::new(),
    }
}

fn output(
    name: &str,
    before: Option<Value>,
    after: Option<Value>,
    sensitive: bool,
) -> OutputChange {
    OutputChange {
        name: name.into(),
        before,
        after,
        sensitive,
    }
}

fn block(obj: Object) -> Value {
    Value::List(vec![Value::Object(obj)])
}

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect(),
    )
}

/// An instance as state records it after apply.
fn instance_state(id: &str, name: &str) -> Object {
    object! {
        "id" => id,
        "arn" => format!("arn:aws:ec2:eu-west-1:123456789012:instance/{id}"),
        "ami" => "ami-0aaa1111",
        "instance_type" => "t3.micro",
        "subnet_id" => "subnet-0123",
        "private_ip" => "10.0.1.12",
        "vpc_security_group_ids" => vec!["sg-0a", "sg-0b"],
        "user_data" => Value::Null,
        "monitoring" => false,
        "tags" => tags(&[("Name", name), ("Env", "dev")]),
        "root_block_device" => block(object! {
            "volume_size" => 8, "volume_type" => "gp3", "encrypted" => true,
            "delete_on_termination" => true, "volume_id" => "vol-0abc",
        }),
    }
}

const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn role_state(id: &str) -> Object {
    object! {
        "id" => id, "arn" => format!("arn:aws:iam::123456789012:role/{id}"), "name" => id,
        "assume_role_policy" => TRUST_POLICY, "tags" => Value::Null,
    }
}

fn create_plan() -> Plan {
    let web = object! {
        "id" => Value::Unknown,
        "arn" => Value::Unknown,
        "ami" => "ami-0aaa1111",
        "instance_type" => "t3.micro",
        "subnet_id" => Value::Unknown,
        "private_ip" => Value::Unknown,
        "vpc_security_group_ids" => vec!["sg-0b", "sg-0a"],
        "user_data" => "#!/bin/bash\necho hello > /tmp/hello\n",
        "monitoring" => false,
        "tags" => tags(&[("Name", "web"), ("Environment", "dev")]),
        "root_block_device" => block(object! {
            "volume_size" => 20, "volume_type" => "gp3", "encrypted" => true,
            "delete_on_termination" => true, "volume_id" => Value::Unknown,
        }),
    };
    let cache = object! {
        "id" => Value::Unknown, "arn" => Value::Unknown, "ami" => "ami-0aaa1111",
        "instance_type" => "t3.nano", "subnet_id" => "subnet-0123", "private_ip" => Value::Unknown,
        "monitoring" => false, "root_block_device" => Value::Unknown,
    };
    let role = object! {
        "id" => Value::Unknown, "arn" => Value::Unknown, "name" => "app",
        "assume_role_policy" => TRUST_POLICY, "tags" => Value::Null,
    };
    let db = object! {
        "id" => Value::Unknown, "identifier" => "main", "username" => "admin", "password" => "hunter2",
    };
    let ami = object! {
        "id" => Value::Unknown, "most_recent" => true, "owners" => vec!["amazon"],
        "name_regex" => Value::Unknown, "image_id" => Value::Unknown,
    };
    let mut p = plan(vec![
        change(
            "aws_instance.web",
            Action::Create,
            Reason::None,
            None,
            Some(web),
        ),
        change(
            "aws_instance.cache",
            Action::Create,
            Reason::None,
            None,
            Some(cache),
        ),
        change(
            "aws_iam_role.app",
            Action::Create,
            Reason::None,
            None,
            Some(role),
        ),
        change(
            "aws_db_instance.main",
            Action::Create,
            Reason::None,
            None,
            Some(db),
        ),
        change(
            "data.aws_ami.al2023",
            Action::Read,
            Reason::ConfigUnknown,
            None,
            Some(ami),
        ),
    ]);
    p.outputs = vec![
        output("instance_ip", None, Some(Value::Unknown), false),
        output("db_password", None, Some("hunter2".into()), true),
        output(
            "security_groups",
            None,
            Some(vec!["sg-0a", "sg-0b"].into()),
            false,
        ),
    ];
    p
}

fn update_plan() -> Plan {
    let before = instance_state("i-0abc123", "web");
    let mut after = before.clone();
    after.insert("instance_type".into(), "t3.small".into());
    after.insert("monitoring".into(), true.into());
    after.insert(
        "vpc_security_group_ids".into(),
        vec!["sg-0a", "sg-0c"].into(),
    );
    after.insert(
        "tags".into(),
        tags(&[("Name", "web"), ("Env", "prod"), ("Team", "core")]),
    );
    let mut p = plan(vec![change(
        "aws_instance.web",
        Action::Update,
        Reason::None,
        Some(before),
        Some(after),
    )]);
    p.outputs = vec![
        output(
            "instance_type",
            Some("t3.micro".into()),
            Some("t3.small".into()),
            false,
        ),
        output(
            "instance_id",
            Some("i-0abc123".into()),
            Some("i-0abc123".into()),
            false,
        ),
        output("old_output", Some("gone".into()), None, false),
    ];
    p
}

/// What the planner makes of a replacement: computed attributes unknown again.
fn replaced(before: &Object, changes: &[(&str, Value)]) -> Object {
    let mut after = before.clone();
    for key in ["id", "arn", "private_ip"] {
        after.insert(key.into(), Value::Unknown);
    }
    after.insert("root_block_device".into(), Value::Unknown);
    for (k, v) in changes {
        after.insert(k.to_string(), v.clone());
    }
    after
}

fn replace_plan() -> Plan {
    let web_before = instance_state("i-0abc123", "web");
    let web_after = replaced(&web_before, &[("ami", "ami-0bbb2222".into())]);
    let mut web = change(
        "aws_instance.web",
        Action::Replace {
            create_before_destroy: false,
        },
        Reason::CannotUpdate,
        Some(web_before),
        Some(web_after),
    );
    web.replace_paths = vec![path(&["ami"])];

    let mut db_before = instance_state("i-0def456", "db");
    db_before.insert(
        "root_block_device".into(),
        block(object! {
            "volume_size" => 50, "volume_type" => "gp3", "encrypted" => false,
            "delete_on_termination" => true, "volume_id" => "vol-0def",
        }),
    );
    let mut db_after = replaced(&db_before, &[]);
    db_after.insert(
        "root_block_device".into(),
        block(object! {
            "volume_size" => 50, "volume_type" => "gp3", "encrypted" => true,
            "delete_on_termination" => true, "volume_id" => Value::Unknown,
        }),
    );
    let mut db = change(
        "aws_instance.db",
        Action::Replace {
            create_before_destroy: true,
        },
        Reason::CannotUpdate,
        Some(db_before),
        Some(db_after),
    );
    db.replace_paths = vec![path(&["root_block_device", "0", "encrypted"])];
    plan(vec![web, db])
}

fn delete_plan() -> Plan {
    plan(vec![
        change(
            "aws_iam_role.old",
            Action::Delete,
            Reason::NoResourceConfig,
            Some(role_state("old")),
            None,
        ),
        change(
            "aws_iam_role.worker[1]",
            Action::Delete,
            Reason::CountIndex,
            Some(role_state("worker-1")),
            None,
        ),
        change(
            "aws_iam_role.svc[\"b\"]",
            Action::Delete,
            Reason::EachKey,
            Some(role_state("svc-b")),
            None,
        ),
    ])
}

fn data_loss_plan() -> Plan {
    let sync_before = instance_state("i-0abc123", "sync");
    let sync_after = replaced(&sync_before, &[("ami", "ami-0bbb2222".into())]);
    let mut sync = change(
        "aws_instance.sync",
        Action::Replace {
            create_before_destroy: false,
        },
        Reason::CannotUpdate,
        Some(sync_before),
        Some(sync_after),
    );
    sync.replace_paths = vec![path(&["ami"])];
    sync.data_loss = vec![DataLoss::Volume(VolumeLoss {
        volume_id: "vol-0abc".into(),
        size_gib: Some(8),
        role: "root_block_device".into(),
    })];
    let volume_before = object! {
        "id" => "vol-0def", "arn" => "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0def",
        "availability_zone" => "eu-west-1a", "size" => 100, "type" => "gp3", "encrypted" => true,
        "tags" => tags(&[("Name", "data")]),
    };
    let mut volume = change(
        "aws_ebs_volume.data",
        Action::Delete,
        Reason::NoResourceConfig,
        Some(volume_before),
        None,
    );
    volume.data_loss = vec![DataLoss::Volume(VolumeLoss {
        volume_id: "vol-0def".into(),
        size_gib: Some(100),
        role: "volume".into(),
    })];
    let mut bucket = change(
        "aws_s3_bucket.archive",
        Action::Delete,
        Reason::NoResourceConfig,
        Some(object! {"id" => "archive-1", "bucket" => "archive-1", "force_destroy" => true}),
        None,
    );
    bucket.data_loss = vec![DataLoss::Objects {
        bucket: "archive-1".into(),
        count: 3,
        older_versions: 0,
        bytes: 5 * 1024 * 1024 + 512 * 1024,
    }];
    let mut key = change(
        "aws_kms_key.data",
        Action::Delete,
        Reason::NoResourceConfig,
        Some(object! {"id" => "k-1", "key_id" => "k-1"}),
        None,
    );
    key.data_loss = vec![
        DataLoss::Encrypted(Encrypted {
            what: "EBS volume",
            id: "vol-0def".into(),
            address: Some("aws_ebs_volume.data".into()),
        }),
        DataLoss::Encrypted(Encrypted {
            what: "EBS snapshot",
            id: "snap-0aaa".into(),
            address: None,
        }),
    ];
    plan(vec![sync, volume, bucket, key])
}

fn drift_plan() -> Plan {
    let before = instance_state("i-0abc123", "web");
    let mut after = before.clone();
    after.insert("instance_type".into(), "t3.large".into());
    after.insert("private_ip".into(), "10.0.1.99".into());
    let mut p = plan(vec![change(
        "aws_instance.web",
        Action::NoOp,
        Reason::None,
        Some(after.clone()),
        Some(after.clone()),
    )]);
    p.drift = vec![
        Drift {
            addr: "aws_instance.web".parse().unwrap(),
            before,
            after: Some(after),
            changed: vec!["instance_type".into(), "private_ip".into()],
            sensitive: Vec::new(),
        },
        Drift {
            addr: "aws_ebs_volume.scratch".parse().unwrap(),
            before: object! {"id" => "vol-0123", "availability_zone" => "eu-west-1a", "size" => 10, "tags" => tags(&[("Name", "scratch")])},
            after: None,
            changed: Vec::new(),
            sensitive: Vec::new(),
        },
    ];
    p
}

fn human(p: &Plan) -> String {
    let text = plan_human::render(p, &schema_of, false);
    assert!(
        !text.contains('\u{1b}'),
        "escape codes without colour:\n{text}"
    );
    text
}

fn json(p: &Plan) -> serde_json::Value {
    plan_json::render(p, &schema_of)
}

fn resource<'a>(doc: &'a serde_json::Value, address: &str) -> &'a serde_json::Value {
    doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

#[test]
fn human_create() {
    insta::assert_snapshot!("create", human(&create_plan()));
}

#[test]
fn human_update_in_place() {
    insta::assert_snapshot!("update", human(&update_plan()));
}

#[test]
fn human_replace() {
    insta::assert_snapshot!("replace", human(&replace_plan()));
}

#[test]
fn human_delete() {
    insta::assert_snapshot!("delete", human(&delete_plan()));
}

#[test]
fn human_data_loss() {
    insta::assert_snapshot!("data_loss", human(&data_loss_plan()));
}

#[test]
fn human_drift_only() {
    insta::assert_snapshot!("drift", human(&drift_plan()));
}

#[test]
fn drift_of_a_value_state_marks_sensitive_is_masked_in_both_views() {
    let mut p = drift_plan();
    p.drift[0].sensitive = vec!["instance_type".into()];
    let text = human(&p);
    assert!(!text.contains("t3.large"), "{text}");
    assert!(text.contains("(sensitive value)"), "{text}");
    let doc = json(&p);
    let drift = &doc["resource_drift"][1]["change"];
    assert_eq!(drift["before_sensitive"]["instance_type"], true);
    assert_eq!(drift["after_sensitive"]["instance_type"], true);
}

#[test]
fn a_change_masks_what_state_marks_even_when_the_configuration_does_not() {
    let before = instance_state("i-0abc123", "web");
    let mut after = before.clone();
    after.insert("instance_type".into(), "t3.large".into());
    let mut c = change(
        "aws_instance.web",
        Action::Update,
        Reason::None,
        Some(before),
        Some(after),
    );
    c.changed = vec![vec![crate::plan::diff::Step::Attr("instance_type".into())]];
    c.sensitive_before = vec!["instance_type".into()];
    let p = plan(vec![c]);
    let text = human(&p);
    assert!(!text.contains("t3.large"), "{text}");
    assert!(text.contains("(sensitive value)"), "{text}");
    let doc = json(&p);
    let web = resource(&doc, "aws_instance.web");
    assert_eq!(web["change"]["before_sensitive"]["instance_type"], true);
    assert_ne!(web["change"]["after_sensitive"]["instance_type"], true);
}

#[test]
fn human_no_changes() {
    assert_eq!(
        human(&plan(Vec::new())),
        "No changes. Your infrastructure matches the configuration.\n\n\
         recon has compared your real infrastructure against your configuration and\n\
         found no differences, so no changes are needed.\n"
    );
    let mut destroy = plan(Vec::new());
    destroy.destroy = true;
    assert!(human(&destroy).starts_with("No changes. No objects need to be destroyed."));
}

#[test]
fn human_prevented_is_named() {
    let mut p = plan(vec![change(
        "aws_ebs_volume.data",
        Action::Delete,
        Reason::NoResourceConfig,
        Some(object! {"id" => "vol-0def", "availability_zone" => "eu-west-1a"}),
        None,
    )]);
    p.prevented = vec!["aws_ebs_volume.data".parse().unwrap()];
    let text = human(&p);
    assert!(
        text.contains("lifecycle.prevent_destroy forbids destroying:\n  aws_ebs_volume.data (will be destroyed)\n"),
        "{text}"
    );
}

#[test]
fn human_colour_only_when_asked() {
    let coloured = plan_human::render(&data_loss_plan(), &schema_of, true);
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    // Same text once the escape codes are gone.
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped, human(&data_loss_plan()));
}

#[test]
fn human_quotes_bracketed_addresses_for_the_shell() {
    let mut p = plan(vec![change(
        "aws_ebs_volume.data[\"a\"]",
        Action::Delete,
        Reason::EachKey,
        Some(object! {"id" => "vol-1"}),
        None,
    )]);
    p.changes[0].data_loss = vec![DataLoss::Volume(VolumeLoss {
        volume_id: "vol-1".into(),
        size_gib: None,
        role: "volume".into(),
    })];
    let text = human(&p);
    assert!(
        text.contains("  aws_ebs_volume.data[\"a\"] (will be destroyed): vol-1 (volume)\n"),
        "{text}"
    );
    assert!(
        text.contains("--allow-data-loss 'aws_ebs_volume.data[\"a\"]'"),
        "{text}"
    );
}

#[test]
fn human_json_policy_update_shows_only_what_changed() {
    let before = role_state("app");
    let mut after = before.clone();
    after.insert(
        "assume_role_policy".into(),
        TRUST_POLICY
            .replace("ec2.amazonaws.com", "lambda.amazonaws.com")
            .into(),
    );
    let text = human(&plan(vec![change(
        "aws_iam_role.app",
        Action::Update,
        Reason::None,
        Some(before),
        Some(after),
    )]));
    assert!(
        text.contains("~ assume_role_policy = jsonencode("),
        "{text}"
    );
    assert!(
        text.contains(r#"~ Service = "ec2.amazonaws.com" -> "lambda.amazonaws.com""#),
        "{text}"
    );
    assert!(text.contains("# (2 unchanged attributes hidden)"), "{text}");
}

#[test]
fn human_update_details() {
    let role_before = role_state("app");
    let mut role_after = role_before.clone();
    role_after.insert(
        "assume_role_policy".into(),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#.into(),
    );
    let db_before = object! {"id" => "db-1", "identifier" => "main", "username" => "admin", "password" => "old"};
    let mut db_after = db_before.clone();
    db_after.insert("password".into(), "new".into());

    let mut web_before = instance_state("i-0abc123", "web");
    web_before.insert(
        "user_data".into(),
        "#!/bin/bash\napt-get update\napt-get install -y nginx\nsystemctl start nginx\n".into(),
    );
    let mut web_after = web_before.clone();
    web_after.insert(
        "user_data".into(),
        "#!/bin/bash\napt-get update\napt-get install -y caddy\nsystemctl start nginx\n".into(),
    );
    web_after.insert("tags".into(), tags(&[("Name", "web")]));
    web_after.insert(
        "root_block_device".into(),
        block(object! {
            "volume_size" => 16, "volume_type" => "gp3", "encrypted" => true,
            "delete_on_termination" => true, "volume_id" => "vol-0abc",
        }),
    );
    let p = plan(vec![
        change(
            "aws_iam_role.app",
            Action::Update,
            Reason::None,
            Some(role_before),
            Some(role_after),
        ),
        change(
            "aws_db_instance.main",
            Action::Update,
            Reason::None,
            Some(db_before),
            Some(db_after),
        ),
        change(
            "aws_instance.web",
            Action::Update,
            Reason::None,
            Some(web_before),
            Some(web_after),
        ),
    ]);
    insta::assert_snapshot!("update_details", human(&p));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn json_create_marks_unknowns_and_sensitive_values() {
    let doc = json(&create_plan());
    assert_eq!(doc["format_version"], "1.2");
    let web = resource(&doc, "aws_instance.web");
    assert_eq!(web["mode"], "managed");
    assert_eq!(web["type"], "aws_instance");
    assert_eq!(web["name"], "web");
    assert!(
        web.get("index").is_none(),
        "no index without count/for_each"
    );
    assert!(web.get("action_reason").is_none());
    assert_eq!(web["change"]["actions"], json!(["create"]));
    assert_eq!(web["change"]["before"], json!(null));
    assert_eq!(web["change"]["after"]["id"], json!(null));
    assert_eq!(web["change"]["after"]["ami"], "ami-0aaa1111");
    assert_eq!(
        web["change"]["after_unknown"],
        json!({"arn": true, "id": true, "private_ip": true, "root_block_device": [{"volume_id": true}], "subnet_id": true})
    );
    assert_eq!(web["change"]["before_sensitive"], json!(false));
    assert_eq!(
        web["change"]["after_sensitive"],
        json!({"root_block_device": [{}], "tags": {}, "vpc_security_group_ids": [false, false]})
    );
    assert!(web["change"].get("replace_paths").is_none());

    // Sensitive values are kept, as Terraform does, and marked.
    let db = resource(&doc, "aws_db_instance.main");
    assert_eq!(db["change"]["after"]["password"], "hunter2");
    assert_eq!(db["change"]["after_sensitive"], json!({"password": true}));

    let ami = resource(&doc, "data.aws_ami.al2023");
    assert_eq!(ami["mode"], "data");
    assert_eq!(ami["change"]["actions"], json!(["read"]));
    assert_eq!(ami["action_reason"], "read_because_config_unknown");

    assert_eq!(
        doc["output_changes"]["instance_ip"],
        json!({"actions": ["create"], "before": null, "after": null, "after_unknown": true,
               "before_sensitive": false, "after_sensitive": false})
    );
    assert_eq!(
        doc["output_changes"]["db_password"]["after_sensitive"],
        json!(true)
    );
    assert_eq!(doc["data_loss"], json!([]));
    assert_eq!(doc["prevented"], json!([]));
}

#[test]
fn json_replace_has_actions_and_replace_paths() {
    let doc = json(&replace_plan());
    let web = resource(&doc, "aws_instance.web");
    assert_eq!(web["change"]["actions"], json!(["delete", "create"]));
    assert_eq!(web["change"]["replace_paths"], json!([["ami"]]));
    assert_eq!(web["action_reason"], "replace_because_cannot_update");
    assert_eq!(
        web["change"]["after_unknown"]["root_block_device"],
        json!(true)
    );
    let db = resource(&doc, "aws_instance.db");
    assert_eq!(db["change"]["actions"], json!(["create", "delete"]));
    assert_eq!(
        db["change"]["replace_paths"],
        json!([["root_block_device", 0, "encrypted"]])
    );
}

#[test]
fn json_delete_has_index_and_reason() {
    let doc = json(&delete_plan());
    let worker = resource(&doc, "aws_iam_role.worker[1]");
    assert_eq!(worker["index"], json!(1));
    assert_eq!(worker["action_reason"], "delete_because_count_index");
    assert_eq!(worker["change"]["actions"], json!(["delete"]));
    assert_eq!(worker["change"]["after"], json!(null));
    assert_eq!(worker["change"]["after_unknown"], json!(false));
    let svc = resource(&doc, "aws_iam_role.svc[\"b\"]");
    assert_eq!(svc["index"], json!("b"));
    assert_eq!(svc["action_reason"], "delete_because_each_key");
    assert_eq!(
        resource(&doc, "aws_iam_role.old")["action_reason"],
        "delete_because_no_resource_config"
    );
}

#[test]
fn json_lists_data_loss() {
    let doc = json(&data_loss_plan());
    assert_eq!(
        doc["data_loss"],
        json!([
            {"address": "aws_ebs_volume.data", "kind": "volume", "volume_id": "vol-0def", "size_gib": 100, "role": "volume", "action": "delete"},
            {"address": "aws_instance.sync", "kind": "volume", "volume_id": "vol-0abc", "size_gib": 8, "role": "root_block_device", "action": "replace"},
            {"address": "aws_kms_key.data", "kind": "encrypted", "encrypts": "EBS volume", "id": "vol-0def", "managed_by": "aws_ebs_volume.data", "action": "delete"},
            {"address": "aws_kms_key.data", "kind": "encrypted", "encrypts": "EBS snapshot", "id": "snap-0aaa", "managed_by": null, "action": "delete"},
            {"address": "aws_s3_bucket.archive", "kind": "objects", "bucket": "archive-1", "object_count": 3, "noncurrent_version_count": 0, "size_bytes": 5767168, "action": "delete"},
        ])
    );
}

#[test]
fn json_drift_is_update_or_delete() {
    let doc = json(&drift_plan());
    let drift = doc["resource_drift"].as_array().unwrap();
    assert_eq!(drift.len(), 2);
    assert_eq!(drift[0]["address"], "aws_ebs_volume.scratch");
    assert_eq!(drift[0]["change"]["actions"], json!(["delete"]));
    assert_eq!(drift[1]["change"]["actions"], json!(["update"]));
    assert_eq!(drift[1]["change"]["after"]["instance_type"], "t3.large");
    let noop = resource(&doc, "aws_instance.web");
    assert_eq!(noop["change"]["actions"], json!(["no-op"]));
}

#[test]
fn human_ordered_list_shows_neighbours_of_a_change() {
    let before = object! {"id" => "ami-1", "owners" => vec!["a", "b", "c", "d", "e"]};
    let after = object! {"id" => "ami-1", "owners" => vec!["a", "b", "x", "d", "e"]};
    let text = human(&plan(vec![change(
        "aws_ami.x",
        Action::Update,
        Reason::None,
        Some(before),
        Some(after),
    )]));
    let expected = r#"      ~ owners = [
            # (1 unchanged element hidden)
            "b",
          - "c",
          + "x",
            "d",
            # (1 unchanged element hidden)
        ]
"#;
    assert!(text.contains(expected), "{text}");
}

fn sse_state(algorithm: &str, key: Value) -> Object {
    object! {
        "id" => "logs", "bucket" => "logs",
        "rule" => block(object! {
            "bucket_key_enabled" => true,
            "apply_server_side_encryption_by_default" => block(object! {
                "sse_algorithm" => algorithm, "kms_master_key_id" => key,
            }),
        }),
    }
}

#[test]
fn human_nested_blocks_render_inside_their_parent() {
    let before = sse_state("AES256", Value::Null);
    let after = sse_state("aws:kms", "arn:aws:kms:us-east-1:123456789012:key/k".into());
    let text = human(&plan(vec![change(
        "aws_s3_bucket_server_side_encryption_configuration.logs",
        Action::Update,
        Reason::None,
        Some(before),
        Some(after),
    )]));
    // A set element that changes is shown as one removed and one added, as Terraform does.
    let removed = text.find("      - rule {").expect(&text);
    let added = text.find("      + rule {").expect(&text);
    let nested_removed = text
        .find("          - apply_server_side_encryption_by_default {")
        .expect(&text);
    let nested_added = text
        .find("          + apply_server_side_encryption_by_default {")
        .expect(&text);
    assert!(
        removed < nested_removed && nested_removed < added && added < nested_added,
        "{text}"
    );
    assert!(
        text.contains(r#"- sse_algorithm = "AES256" -> null"#),
        "{text}"
    );
    assert!(
        text.contains(r#"+ sse_algorithm     = "aws:kms""#),
        "{text}"
    );
    assert!(
        text.contains("kms_master_key_id = (sensitive value)"),
        "{text}"
    );
}

#[test]
fn json_sensitive_mask_reaches_nested_blocks() {
    let after = sse_state("aws:kms", "k".into());
    let doc = json(&plan(vec![change(
        "aws_s3_bucket_server_side_encryption_configuration.logs",
        Action::Create,
        Reason::None,
        None,
        Some(after),
    )]));
    let c = resource(
        &doc,
        "aws_s3_bucket_server_side_encryption_configuration.logs",
    );
    assert_eq!(
        c["change"]["after_sensitive"],
        json!({"rule": [{"apply_server_side_encryption_by_default": [{"kms_master_key_id": true}]}]})
    );
}
