//! `recon state import-terraform` through the real binary against moto: objects
//! made in moto with the SDK (as Terraform would have made them), a v4 state file
//! written for them the way Terraform writes it, imported, then planned with the
//! matching configuration: no changes. Also what is not taken and why, the
//! refusal to overwrite a state, an S3 source, and `state push` of a tfstate.

use crate::common::{local_state, ok, runtime, state_resource, write_stack, Moto};
use serde_json::{json, Value as Json};
use std::path::Path;

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block           = "10.50.0.0/16"
  enable_dns_hostnames = true
  tags = {
    Name = "tf-main"
  }
}

resource "aws_subnet" "app" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.${count.index}.0/24"
  tags = {
    Tier = "app"
  }
}

resource "aws_security_group" "web" {
  name        = "tf-web"
  description = "web servers"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.50.0.0/16"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_role" "app" {
  name = "tf-app"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
  tags = {
    Team = "platform"
  }
}

resource "aws_iam_policy" "read" {
  name = "tf-read"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "app_read" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_kms_key" "data" {
  description             = "tf data key"
  deletion_window_in_days = 7
}

resource "aws_s3_bucket" "logs" {
  bucket        = "tf-import-logs"
  force_destroy = true
  tags = {
    Purpose = "logs"
  }
}

data "aws_caller_identity" "current" {}

output "vpc_id" {
  value = aws_vpc.main.id
}
"#;

const ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"}}]}"#;
const READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

/// The ids of what Terraform would have made for STACK.
struct Made {
    vpc: String,
    subnets: [String; 2],
    sg: String,
    policy_arn: String,
    key: String,
}

fn tag(k: &str, v: &str) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()
}

fn tagged(
    kind: aws_sdk_ec2::types::ResourceType,
    k: &str,
    v: &str,
) -> aws_sdk_ec2::types::TagSpecification {
    aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(kind)
        .tags(tag(k, v))
        .build()
}

/// Makes STACK's objects in moto with the SDK clients, as Terraform's provider would.
fn make_objects(moto: &Moto) -> Made {
    use aws_sdk_ec2::types::{AttributeBooleanValue, IpPermission, IpRange, ResourceType};
    let config = moto.sdk_config();
    runtime().block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&config);
        let vpc = ec2
            .create_vpc()
            .cidr_block("10.50.0.0/16")
            .tag_specifications(tagged(ResourceType::Vpc, "Name", "tf-main"))
            .send()
            .await
            .unwrap()
            .vpc
            .unwrap()
            .vpc_id
            .unwrap();
        ec2.modify_vpc_attribute()
            .vpc_id(&vpc)
            .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
            .send()
            .await
            .unwrap();
        let mut subnets = Vec::new();
        for i in 0..2 {
            let subnet = ec2
                .create_subnet()
                .vpc_id(&vpc)
                .cidr_block(format!("10.50.{i}.0/24"))
                .tag_specifications(tagged(ResourceType::Subnet, "Tier", "app"))
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap();
            subnets.push(subnet);
        }
        let sg = ec2
            .create_security_group()
            .group_name("tf-web")
            .description("web servers")
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        ec2.authorize_security_group_ingress()
            .group_id(&sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .ip_ranges(
                        IpRange::builder()
                            .cidr_ip("10.50.0.0/16")
                            .description("HTTPS from the VPC")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();

        let iam = aws_sdk_iam::Client::new(&config);
        iam.create_role()
            .role_name("tf-app")
            .assume_role_policy_document(ASSUME)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("Team")
                    .value("platform")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let policy_arn = iam
            .create_policy()
            .policy_name("tf-read")
            .policy_document(READ)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
            .arn
            .unwrap();
        iam.attach_role_policy()
            .role_name("tf-app")
            .policy_arn(&policy_arn)
            .send()
            .await
            .unwrap();

        let kms = aws_sdk_kms::Client::new(&config);
        // Terraform's provider always sends the usage and spec (moto omits them
        // from DescribeKey when CreateKey did not).
        let key = kms
            .create_key()
            .description("tf data key")
            .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
            .key_spec(aws_sdk_kms::types::KeySpec::SymmetricDefault)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;

        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket("tf-import-logs")
            .send()
            .await
            .unwrap();
        s3.put_bucket_tagging()
            .bucket("tf-import-logs")
            .tagging(
                aws_sdk_s3::types::Tagging::builder()
                    .tag_set(
                        aws_sdk_s3::types::Tag::builder()
                            .key("Purpose")
                            .value("logs")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        Made {
            vpc,
            subnets: [subnets[0].clone(), subnets[1].clone()],
            sg,
            policy_arn,
            key,
        }
    })
}

/// One resource of a v4 state, its instances as Terraform writes them.
fn resource(type_name: &str, name: &str, instances: Vec<Json>) -> Json {
    json!({
        "mode": "managed",
        "type": type_name,
        "name": name,
        "provider": AWS,
        "instances": instances,
    })
}

fn instance(schema_version: u64, attributes: Json, dependencies: &[&str]) -> Json {
    let mut i = json!({
        "schema_version": schema_version,
        "attributes": attributes,
        "sensitive_attributes": [],
        "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==",
    });
    if !dependencies.is_empty() {
        i["dependencies"] = json!(dependencies);
    }
    i
}

/// The terraform.tfstate Terraform 1.7 with the AWS provider 5.x writes for STACK.
fn terraform_state(m: &Made) -> Json {
    let account = "123456789012";
    let vpc = instance(
        1,
        json!({
            "arn": format!("arn:aws:ec2:us-east-1:{account}:vpc/{}", m.vpc),
            "assign_generated_ipv6_cidr_block": false,
            "cidr_block": "10.50.0.0/16",
            "default_network_acl_id": "acl-0a1b2c3d",
            "default_route_table_id": "rtb-0a1b2c3d",
            "default_security_group_id": "sg-0a1b2c3d",
            "dhcp_options_id": "dopt-0a1b2c3d",
            "enable_dns_hostnames": true,
            "enable_dns_support": true,
            "enable_network_address_usage_metrics": false,
            "id": m.vpc,
            "instance_tenancy": "default",
            "ipv4_ipam_pool_id": null,
            "ipv4_netmask_length": null,
            "ipv6_association_id": "",
            "ipv6_cidr_block": "",
            "ipv6_cidr_block_network_border_group": "",
            "ipv6_ipam_pool_id": "",
            "ipv6_netmask_length": 0,
            "main_route_table_id": "rtb-0a1b2c3d",
            "owner_id": account,
            "tags": {"Name": "tf-main"},
            "tags_all": {"Name": "tf-main"}
        }),
        &[],
    );
    let subnet = |i: usize| {
        let mut s = instance(
            1,
            json!({
                "arn": format!("arn:aws:ec2:us-east-1:{account}:subnet/{}", m.subnets[i]),
                "assign_ipv6_address_on_creation": false,
                "availability_zone": "us-east-1a",
                "availability_zone_id": "use1-az6",
                "cidr_block": format!("10.50.{i}.0/24"),
                "customer_owned_ipv4_pool": "",
                "enable_dns64": false,
                "enable_lni_at_device_index": 0,
                "enable_resource_name_dns_a_record_on_launch": false,
                "enable_resource_name_dns_aaaa_record_on_launch": false,
                "id": m.subnets[i],
                "ipv6_cidr_block": "",
                "ipv6_cidr_block_association_id": "",
                "ipv6_native": false,
                "map_customer_owned_ip_on_launch": false,
                "map_public_ip_on_launch": false,
                "outpost_arn": "",
                "owner_id": account,
                "private_dns_hostname_type_on_launch": "ip-name",
                "tags": {"Tier": "app"},
                "tags_all": {"Tier": "app"},
                "timeouts": null,
                "vpc_id": m.vpc
            }),
            &["aws_vpc.main"],
        );
        s["index_key"] = json!(i);
        s
    };
    let rule = |cidr: &str, description: &str, from: i64, to: i64, protocol: &str| {
        json!({
            "cidr_blocks": [cidr],
            "description": description,
            "from_port": from,
            "ipv6_cidr_blocks": [],
            "prefix_list_ids": [],
            "protocol": protocol,
            "security_groups": [],
            "self": false,
            "to_port": to
        })
    };
    let sg = instance(
        1,
        json!({
            "arn": format!("arn:aws:ec2:us-east-1:{account}:security-group/{}", m.sg),
            "description": "web servers",
            "egress": [rule("0.0.0.0/0", "", 0, 0, "-1")],
            "id": m.sg,
            "ingress": [rule("10.50.0.0/16", "HTTPS from the VPC", 443, 443, "tcp")],
            "name": "tf-web",
            "name_prefix": "",
            "owner_id": account,
            "revoke_rules_on_delete": false,
            "tags": null,
            "tags_all": {},
            "timeouts": null,
            "vpc_id": m.vpc
        }),
        &["aws_vpc.main"],
    );
    let role = instance(
        0,
        json!({
            "arn": format!("arn:aws:iam::{account}:role/tf-app"),
            "assume_role_policy": ASSUME,
            "create_date": "2024-03-01T10:00:00Z",
            "description": "",
            "force_detach_policies": false,
            "id": "tf-app",
            "inline_policy": [],
            "managed_policy_arns": [m.policy_arn],
            "max_session_duration": 3600,
            "name": "tf-app",
            "name_prefix": "",
            "path": "/",
            "permissions_boundary": "",
            "tags": {"Team": "platform"},
            "tags_all": {"Team": "platform"},
            "unique_id": "AROAEXAMPLE"
        }),
        &[],
    );
    let policy = instance(
        0,
        json!({
            "arn": m.policy_arn,
            "attachment_count": 1,
            "description": "",
            "id": m.policy_arn,
            "name": "tf-read",
            "name_prefix": "",
            "path": "/",
            "policy": READ,
            "policy_id": "ANPAEXAMPLE",
            "tags": null,
            "tags_all": {}
        }),
        &[],
    );
    // Terraform's id for an attachment is the role name and a timestamp, not recon's.
    let attachment = instance(
        0,
        json!({
            "id": "tf-app-20240301100000123400000001",
            "policy_arn": m.policy_arn,
            "role": "tf-app"
        }),
        &["aws_iam_policy.read", "aws_iam_role.app"],
    );
    let key = instance(
        0,
        json!({
            "arn": format!("arn:aws:kms:us-east-1:{account}:key/{}", m.key),
            "bypass_policy_lockout_safety_check": false,
            "custom_key_store_id": "",
            "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "deletion_window_in_days": 7,
            "description": "tf data key",
            "enable_key_rotation": false,
            "id": m.key,
            "is_enabled": true,
            "key_id": m.key,
            "key_usage": "ENCRYPT_DECRYPT",
            "multi_region": false,
            "policy": "",
            "rotation_period_in_days": 0,
            "tags": null,
            "tags_all": {},
            "timeouts": null,
            "xks_key_id": ""
        }),
        &[],
    );
    let bucket = instance(
        0,
        json!({
            "acceleration_status": "",
            "acl": null,
            "arn": "arn:aws:s3:::tf-import-logs",
            "bucket": "tf-import-logs",
            "bucket_domain_name": "tf-import-logs.s3.amazonaws.com",
            "bucket_prefix": "",
            "bucket_regional_domain_name": "tf-import-logs.s3.us-east-1.amazonaws.com",
            "cors_rule": [],
            "force_destroy": true,
            "grant": [],
            "hosted_zone_id": "Z3AQBSTGFYJSTF",
            "id": "tf-import-logs",
            "lifecycle_rule": [],
            "logging": [],
            "object_lock_configuration": [],
            "object_lock_enabled": false,
            "policy": "",
            "region": "us-east-1",
            "replication_configuration": [],
            "request_payer": "BucketOwner",
            "server_side_encryption_configuration": [],
            "tags": {"Purpose": "logs"},
            "tags_all": {"Purpose": "logs"},
            "timeouts": null,
            "versioning": [{"enabled": false, "mfa_delete": false}],
            "website": [],
            "website_domain": null,
            "website_endpoint": null
        }),
        &[],
    );
    json!({
        "version": 4,
        "terraform_version": "1.7.5",
        "serial": 9,
        "lineage": "5bc8aa5f-acfb-bd8a-4283-77c790a15326",
        "outputs": {"vpc_id": {"value": m.vpc, "type": "string"}},
        "resources": [
            {
                "mode": "data",
                "type": "aws_caller_identity",
                "name": "current",
                "provider": AWS,
                "instances": [{"schema_version": 0, "attributes": {
                    "account_id": account, "arn": format!("arn:aws:iam::{account}:user/moto"),
                    "id": account, "user_id": "AKIAIOSFODNN7EXAMPLE"}, "sensitive_attributes": []}]
            },
            resource("aws_iam_policy", "read", vec![policy]),
            resource("aws_iam_role", "app", vec![role]),
            resource("aws_iam_role_policy_attachment", "app_read", vec![attachment]),
            resource("aws_kms_key", "data", vec![key]),
            resource("aws_s3_bucket", "logs", vec![bucket]),
            resource("aws_security_group", "web", vec![sg]),
            resource("aws_subnet", "app", vec![subnet(0), subnet(1)]),
            resource("aws_vpc", "main", vec![vpc]),
        ],
        "check_results": null
    })
}

fn write_json(path: &Path, doc: &Json) {
    std::fs::write(path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
}

#[test]
fn a_terraform_state_is_imported_and_replans_with_no_changes() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "tfstack", STACK);
    let made = make_objects(&moto);
    let tfstate = cwd.join("terraform.tfstate");
    write_json(&tfstate, &terraform_state(&made));

    // `state push` of a Terraform state says what to use instead.
    let pushed = moto.run(cwd, &stack, &["state", "push", tfstate.to_str().unwrap()]);
    assert_eq!(pushed.code, 1, "{}", pushed.all());
    assert!(
        pushed.stderr.contains("is a Terraform state")
            && pushed.stderr.contains("recon state import-terraform"),
        "{}",
        pushed.all()
    );

    let imported = ok(moto.run(
        cwd,
        &stack,
        &["state", "import-terraform", tfstate.to_str().unwrap()],
    ));
    for line in [
        format!("aws_vpc.main: imported aws_vpc {}", made.vpc),
        format!("aws_subnet.app[1]: imported aws_subnet {}", made.subnets[1]),
        format!("aws_security_group.web: imported aws_security_group {}", made.sg),
        "aws_iam_role.app: imported aws_iam_role tf-app".to_string(),
        format!(
            "aws_iam_role_policy_attachment.app_read: imported aws_iam_role_policy_attachment tf-app/{}",
            made.policy_arn
        ),
        format!("aws_kms_key.data: imported aws_kms_key {}", made.key),
        "aws_s3_bucket.logs: imported aws_s3_bucket tf-import-logs".to_string(),
        "Imported 9 resource instance(s) and 1 output(s)".to_string(),
    ] {
        assert!(imported.stdout.contains(&line), "{line}\n{}", imported.all());
    }
    assert!(
        !imported.stdout.contains("Not imported")
            && !imported.stdout.contains("aws_caller_identity"),
        "data sources are skipped silently: {}",
        imported.all()
    );

    // The state is recon's: tags read from AWS, recon's ids, instance dependencies.
    let state = local_state(cwd, "tfstack");
    let vpc = state_resource(&state, "aws_vpc.main");
    assert_eq!(vpc["attributes"]["tags"], json!({"Name": "tf-main"}));
    assert_eq!(vpc["attributes"]["enable_dns_hostnames"], true);
    let subnet = state_resource(&state, "aws_subnet.app[0]");
    assert_eq!(subnet["index"], 0);
    assert_eq!(subnet["dependencies"], json!(["aws_vpc.main"]));
    let attachment = state_resource(&state, "aws_iam_role_policy_attachment.app_read");
    assert_eq!(
        attachment["attributes"]["id"],
        json!(format!("tf-app/{}", made.policy_arn))
    );
    assert_eq!(
        attachment["dependencies"],
        json!(["aws_iam_policy.read", "aws_iam_role.app"])
    );
    // Terraform's computed list of attached policies does not make recon manage
    // them exclusively: the attachment resource does.
    let role = state_resource(&state, "aws_iam_role.app");
    assert_eq!(role["attributes"]["managed_policy_arns"], Json::Null);
    assert_eq!(role["attributes"]["tags"], json!({"Team": "platform"}));
    // What AWS cannot report comes from Terraform's record.
    let key = state_resource(&state, "aws_kms_key.data");
    assert_eq!(key["attributes"]["deletion_window_in_days"], 7);
    let bucket = state_resource(&state, "aws_s3_bucket.logs");
    assert_eq!(bucket["attributes"]["force_destroy"], true);
    assert_eq!(bucket["attributes"]["tags"], json!({"Purpose": "logs"}));
    assert_eq!(state["outputs"]["vpc_id"]["value"], json!(made.vpc));
    assert_eq!(state["resources"].as_array().unwrap().len(), 9);

    moto.expect_no_changes(cwd, &stack);

    // A second import would overwrite what recon now manages: refused, nothing written.
    let serial = local_state(cwd, "tfstack")["serial"].clone();
    let again = moto.run(
        cwd,
        &stack,
        &["state", "import-terraform", tfstate.to_str().unwrap()],
    );
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again
            .stderr
            .contains("already holds 9 resource instance(s)")
            && again.stderr.contains("Pass --force"),
        "{}",
        again.all()
    );
    assert_eq!(local_state(cwd, "tfstack")["serial"], serial);
}

#[test]
fn what_cannot_be_taken_is_listed_and_s3_sources_are_read() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(
        cwd,
        "partial",
        "resource \"aws_vpc\" \"kept\" {\n  cidr_block = \"10.60.0.0/16\"\n}\n",
    );
    let config = moto.sdk_config();
    let vpc = runtime().block_on(async {
        let ec2 = aws_sdk_ec2::Client::new(&config);
        ec2.create_vpc()
            .cidr_block("10.60.0.0/16")
            .send()
            .await
            .unwrap()
            .vpc
            .unwrap()
            .vpc_id
            .unwrap()
    });
    let vpc_attrs = |id: &str, cidr: &str| json!({"id": id, "cidr_block": cidr, "tags": null});
    let mut in_module = resource(
        "aws_subnet",
        "inner",
        vec![instance(1, json!({"id": "subnet-123"}), &[])],
    );
    in_module["module"] = json!("module.network");
    let mut west = resource(
        "aws_vpc",
        "west",
        vec![instance(1, vpc_attrs("vpc-0west", "10.62.0.0/16"), &[])],
    );
    west["provider"] = json!(format!("{AWS}.west"));
    let mut random = resource(
        "random_id",
        "suffix",
        vec![instance(0, json!({"id": "abc"}), &[])],
    );
    random["provider"] = json!("provider[\"registry.terraform.io/hashicorp/random\"]");
    let kept = resource(
        "aws_vpc",
        "kept",
        vec![
            instance(1, vpc_attrs(&vpc, "10.60.0.0/16"), &[]),
            json!({"deposed": "a1b2c3d4", "schema_version": 1,
                   "attributes": vpc_attrs("vpc-0ld0000000000000", "10.60.0.0/16")}),
        ],
    );
    let gone = resource(
        "aws_vpc",
        "gone",
        vec![instance(
            1,
            vpc_attrs("vpc-0000000000000dead", "10.61.0.0/16"),
            &[],
        )],
    );
    let logs = resource(
        "aws_dynamodb_table",
        "app",
        vec![instance(0, json!({"id": "app"}), &[])],
    );
    let tf = json!({
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 3,
        "lineage": "0b0e7d36-1111-2222-3333-444455556666",
        "outputs": {},
        "resources": [kept, gone, logs, in_module, west, random]
    });

    // From S3, as a team with a remote Terraform backend has it.
    runtime().block_on(async {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket("tf-states").send().await.unwrap();
        s3.put_object()
            .bucket("tf-states")
            .key("prod/terraform.tfstate")
            .body(serde_json::to_vec(&tf).unwrap().into())
            .send()
            .await
            .unwrap();
    });
    let missing = moto.run(
        cwd,
        &stack,
        &["state", "import-terraform", "s3://tf-states/nope.tfstate"],
    );
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(
        missing
            .stderr
            .contains("cannot read s3://tf-states/nope.tfstate")
            && missing.stderr.contains("NoSuchKey"),
        "{}",
        missing.all()
    );

    let run = ok(moto.run(
        cwd,
        &stack,
        &[
            "state",
            "import-terraform",
            "s3://tf-states/prod/terraform.tfstate",
        ],
    ));
    let out = &run.stdout;
    assert!(
        out.contains(&format!("aws_vpc.kept: imported aws_vpc {vpc}")),
        "{}",
        run.all()
    );
    assert!(out.contains("Not imported (6)"), "{}", run.all());
    for (address, reason) in [
        (
            "aws_vpc.kept",
            "deposed object a1b2c3d4 (vpc-0ld0000000000000)",
        ),
        (
            "aws_vpc.gone",
            "vpc-0000000000000dead no longer exists in AWS",
        ),
        (
            "aws_dynamodb_table.app",
            "recon does not support the resource type aws_dynamodb_table",
        ),
        (
            "module.network.aws_subnet.inner",
            "in module.network: import-terraform does not take module resources yet",
        ),
        (
            "aws_vpc.west",
            "its provider configuration aws.west is not in the stack",
        ),
        (
            "random_id.suffix",
            "managed by the provider registry.terraform.io/hashicorp/random, not AWS",
        ),
    ] {
        assert!(
            out.contains(&format!("  {address}: {reason}")),
            "{address}: {reason}\n{}",
            run.all()
        );
    }
    assert!(
        out.contains("Imported 1 resource instance(s) and 0 output(s)"),
        "{}",
        run.all()
    );
    let state = local_state(cwd, "partial");
    assert_eq!(state["resources"].as_array().unwrap().len(), 1);
    moto.expect_no_changes(cwd, &stack);

    // --force replaces a state that holds resources.
    let forced = ok(moto.run(
        cwd,
        &stack,
        &[
            "state",
            "import-terraform",
            "--force",
            "s3://tf-states/prod/terraform.tfstate",
        ],
    ));
    assert!(
        forced
            .stderr
            .contains("--force: the 1 resource instance(s)"),
        "{}",
        forced.all()
    );
    assert_eq!(
        local_state(cwd, "partial")["serial"].as_u64(),
        Some(state["serial"].as_u64().unwrap() + 1)
    );

    // A state where nothing can be taken writes nothing.
    let nothing = json!({"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x",
        "resources": [resource("aws_dynamodb_table", "app", vec![instance(0, json!({"id": "app"}), &[])])]});
    let file = cwd.join("other.tfstate");
    write_json(&file, &nothing);
    let other = write_stack(cwd, "empty", "");
    let run = moto.run(
        cwd,
        &other,
        &["state", "import-terraform", file.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("nothing in") && run.stderr.contains("can be imported"),
        "{}",
        run.all()
    );
    assert!(!other.join("state").join("empty.json").exists());
}
