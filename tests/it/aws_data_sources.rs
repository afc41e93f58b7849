//! data aws_ami, aws_availability_zones, aws_caller_identity, aws_region, aws_partition
//! aws_iam_policy_document, aws_iam_role and aws_kms_key against moto.

use crate::common;
use crate::common::{ok, write_stack, Moto};
use recon::aws::ec2::ami::Ami;
use recon::aws::ec2::availability_zones::AvailabilityZones;
use recon::aws::ec2::subnet_data::{SubnetData, Subnets};
use recon::aws::ec2::vpc_data::VpcData;
use recon::aws::iam::role_data::IamRoleData;
use recon::aws::kms::key_data::KmsKeyData;
use recon::aws::sts::caller_identity::CallerIdentity;
use recon::aws::sts::partition::Partition;
use recon::aws::sts::region::Region;
use recon::aws::Clients;
use recon::object;
use recon::provider::DataSource;
use recon::value::{Object, ObjectExt, Value};

fn filter(name: &str, values: &[&str]) -> Value {
    Value::Object(
        object! {"name" => name, "values" => values.iter().map(|v| Value::from(*v)).collect::<Vec<_>>()},
    )
}

fn ami_config(extra: Object) -> Object {
    let mut config = object! {
        "most_recent" => false,
        "include_deprecated" => false,
        "owners" => vec!["amazon"],
    };
    config.extend(extra);
    config
}

#[test]
fn ami_lookup() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ami = Ami::new(&clients);

        // Exactly one image matches the kernel-6.1 name.
        let config = ami_config(object! {
            "filter" => vec![
                filter("name", &["al2023-ami-2023*-kernel-6.1-x86_64"]),
                filter("architecture", &["x86_64"]),
            ],
        });
        let found = ami.read(&config).await.unwrap();
        assert_eq!(found.str("id"), Some("ami-03c3da4cfa8e8943a"));
        assert_eq!(found.str("image_id"), Some("ami-03c3da4cfa8e8943a"));
        assert_eq!(
            found.str("arn"),
            Some("arn:aws:ec2:us-east-1::image/ami-03c3da4cfa8e8943a")
        );
        assert!(found.str("name").unwrap().starts_with("al2023-ami-2023."));
        assert_eq!(found.str("architecture"), Some("x86_64"));
        assert_eq!(found.str("root_device_name"), Some("/dev/xvda"));
        assert_eq!(found.str("root_device_type"), Some("ebs"));
        assert_eq!(found.str("virtualization_type"), Some("hvm"));
        assert_eq!(found.str("owner_id"), Some("137112412989"));
        assert_eq!(found.str("image_owner_alias"), Some("amazon"));
        assert_eq!(found.str("state"), Some("available"));
        assert_eq!(found.bool("public"), Some(true));
        assert!(found.str("creation_date").is_some());
        assert!(found
            .str("description")
            .unwrap()
            .contains("Amazon Linux 2023"));
        let root = found.str("root_snapshot_id").unwrap();
        assert!(root.starts_with("snap-"), "{root}");
        let mappings = found.list("block_device_mappings");
        assert_eq!(mappings.len(), 1);
        let mapping = mappings[0].as_object().unwrap();
        assert_eq!(mapping.str("device_name"), Some("/dev/xvda"));
        let ebs = mapping.get("ebs").and_then(Value::as_object).unwrap();
        assert_eq!(ebs.get("snapshot_id"), Some(&Value::from(root)));
        assert_eq!(ebs.get("volume_size"), Some(&Value::from("15")));
        assert_eq!(
            found.get("state_reason"),
            Some(&Value::Object(
                object! {"code" => "UNSET", "message" => "UNSET"}
            ))
        );
        for attr in ami.schema().attributes {
            assert!(found.contains_key(attr.name), "missing {}", attr.name);
        }

        // Several matches: an error unless most_recent picks one.
        let broad = ami_config(object! {
            "filter" => vec![filter("name", &["al2023-ami-2023*-x86_64"])],
        });
        let err = ami.read(&broad).await.unwrap_err();
        assert!(err.message.contains("more than one result"), "{err}");
        let mut newest = broad.clone();
        newest.insert("most_recent".into(), true.into());
        let picked = ami.read(&newest).await.unwrap();
        assert!(picked.str("name").unwrap().starts_with("al2023-ami-2023"));
        assert_eq!(picked.str("architecture"), Some("x86_64"));

        // Nothing matches.
        let none = ami_config(object! {
            "filter" => vec![filter("name", &["no-such-image-*"])],
        });
        let err = ami.read(&none).await.unwrap_err();
        assert_eq!(
            err.message,
            "Your query returned no results. Please change your search criteria and try again."
        );

        // most_recent without an owner is refused, as Terraform does.
        let unpinned = object! {
            "most_recent" => true,
            "filter" => vec![filter("name", &["al2023-ami-2023*-x86_64"])],
        };
        let err = ami.read(&unpinned).await.unwrap_err();
        assert!(err.message.contains("not filtered by owner"), "{err}");

        // name_regex narrows what the filters found; a bad pattern says so.
        let mut kernel = newest.clone();
        kernel.insert("name_regex".into(), Value::from("kernel-6\\.1-x86_64$"));
        let picked = ami.read(&kernel).await.unwrap();
        assert!(
            picked.str("name").unwrap().ends_with("kernel-6.1-x86_64"),
            "{picked:?}"
        );
        assert_eq!(picked.str("name_regex"), Some("kernel-6\\.1-x86_64$"));
        kernel.insert("name_regex".into(), Value::from("^nothing-like-it"));
        let err = ami.read(&kernel).await.unwrap_err();
        assert!(err.message.contains("no results"), "{err}");
        kernel.insert("name_regex".into(), Value::from("(unclosed"));
        let err = ami.read(&kernel).await.unwrap_err();
        assert!(
            err.message
                .contains("name_regex is not a valid regular expression"),
            "{err}"
        );
    });
}

#[test]
fn vpc_lookup_by_default_id_tags_and_filters() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let data = VpcData::new(&clients);

        // moto, like a fresh AWS region, has a default VPC.
        let default = data.read(&object! {"default" => true}).await.unwrap();
        let default_id = default.str("id").unwrap().to_string();
        assert!(default_id.starts_with("vpc-"), "{default_id}");
        assert_eq!(default.bool("default"), Some(true));
        assert_eq!(default.str("cidr_block"), Some("172.31.0.0/16"));
        assert_eq!(default.str("state"), Some("available"));
        assert!(default
            .str("main_route_table_id")
            .unwrap()
            .starts_with("rtb-"));
        assert_eq!(default.bool("enable_dns_support"), Some(true));
        for attr in data.schema().attributes {
            assert!(default.contains_key(attr.name), "missing {}", attr.name);
        }

        let made = clients
            .ec2
            .create_vpc()
            .cidr_block("10.9.0.0/16")
            .send()
            .await
            .unwrap();
        let id = made.vpc().unwrap().vpc_id().unwrap().to_string();
        clients
            .ec2
            .create_tags()
            .resources(&id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("Name")
                    .value("lookup")
                    .build(),
            )
            .send()
            .await
            .unwrap();

        // By id, by tags, by a filter: the same VPC.
        let by_id = data.read(&object! {"id" => id.as_str()}).await.unwrap();
        assert_eq!(by_id.str("cidr_block"), Some("10.9.0.0/16"));
        assert_eq!(by_id.bool("default"), Some(false));
        assert_eq!(
            by_id.str("arn"),
            Some(format!("arn:aws:ec2:us-east-1:123456789012:vpc/{id}").as_str())
        );
        let associations = by_id.list("cidr_block_associations");
        assert_eq!(associations.len(), 1);
        assert_eq!(
            associations[0].get("cidr_block"),
            &Value::from("10.9.0.0/16")
        );
        let tags = Value::Object(object! {"Name" => "lookup"});
        let by_tags = data.read(&object! {"tags" => tags.clone()}).await.unwrap();
        assert_eq!(by_tags.str("id"), Some(id.as_str()));
        assert_eq!(by_tags.get("tags"), Some(&tags));
        let by_filter = data
            .read(&object! {"filter" => vec![filter("cidr", &["10.9.0.0/16"])]})
            .await
            .unwrap();
        assert_eq!(by_filter.str("id"), Some(id.as_str()));

        // Nothing, or more than one: an error, as Terraform gives.
        let err = data
            .read(&object! {"id" => "vpc-12345678"})
            .await
            .unwrap_err();
        assert_eq!(err.message, "no matching EC2 VPC found");
        let err = data
            .read(&object! {"cidr_block" => "10.10.0.0/16"})
            .await
            .unwrap_err();
        assert_eq!(err.message, "no matching EC2 VPC found");
        let err = data
            .read(&object! {"state" => "available"})
            .await
            .unwrap_err();
        assert!(err.message.contains("multiple EC2 VPCs matched"), "{err}");
    });
}

#[test]
fn subnets_and_subnet_lookup() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let (subnets, subnet) = (Subnets::new(&clients), SubnetData::new(&clients));
        let default_vpc = VpcData::new(&clients)
            .read(&object! {"default" => true})
            .await
            .unwrap();
        let vpc = default_vpc.str("id").unwrap();

        // The default VPC's subnets: one per zone, ids sorted.
        let all = subnets
            .read(&object! {"filter" => vec![filter("vpc-id", &[vpc])]})
            .await
            .unwrap();
        let ids = all.strings("ids");
        let zones = clients
            .ec2
            .describe_availability_zones()
            .send()
            .await
            .unwrap();
        assert_eq!(ids.len(), zones.availability_zones().len(), "{ids:?}");
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
        // None match: an empty list, not an error.
        let none = subnets
            .read(&object! {"filter" => vec![filter("vpc-id", &["vpc-12345678"])]})
            .await
            .unwrap();
        assert_eq!(none.strings("ids"), Vec::<String>::new());

        // One subnet, by id and by its zone's default flag; tags as a constraint too.
        let one = subnet
            .read(&object! {"id" => ids[0].as_str()})
            .await
            .unwrap();
        assert_eq!(one.str("vpc_id"), Some(vpc));
        assert_eq!(one.bool("default_for_az"), Some(true));
        assert_eq!(one.str("state"), Some("available"));
        assert!(one.str("cidr_block").unwrap().starts_with("172.31."));
        for attr in subnet.schema().attributes {
            assert!(one.contains_key(attr.name), "missing {}", attr.name);
        }
        let zone = one.str("availability_zone").unwrap();
        let by_zone = subnet
            .read(&object! {"vpc_id" => vpc, "availability_zone" => zone, "default_for_az" => true})
            .await
            .unwrap();
        assert_eq!(by_zone.str("id"), Some(ids[0].as_str()));
        clients
            .ec2
            .create_tags()
            .resources(&ids[1])
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("tier")
                    .value("app")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let tagged = Value::Object(object! {"tier" => "app"});
        let by_tags = subnets
            .read(&object! {"tags" => tagged.clone()})
            .await
            .unwrap();
        assert_eq!(by_tags.strings("ids"), vec![ids[1].clone()]);
        let one_tagged = subnet.read(&object! {"tags" => tagged}).await.unwrap();
        assert_eq!(one_tagged.str("id"), Some(ids[1].as_str()));

        let err = subnet.read(&object! {"vpc_id" => vpc}).await.unwrap_err();
        assert!(
            err.message.contains("multiple EC2 Subnets matched"),
            "{err}"
        );
        let err = subnet
            .read(&object! {"id" => "subnet-12345678"})
            .await
            .unwrap_err();
        assert_eq!(err.message, "no matching EC2 Subnet found");
    });
}

#[test]
fn availability_zones_caller_identity_region() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());

        let azs = AvailabilityZones::new(&clients);
        let found = azs.read(&object! {"state" => "available"}).await.unwrap();
        assert_eq!(found.str("id"), Some("us-east-1"));
        let names = found.strings("names");
        assert_eq!(
            names,
            vec![
                "us-east-1a",
                "us-east-1b",
                "us-east-1c",
                "us-east-1d",
                "us-east-1e",
                "us-east-1f"
            ]
        );
        let zone_ids = found.strings("zone_ids");
        assert_eq!(zone_ids.len(), names.len());
        assert!(
            zone_ids.iter().all(|z| z.starts_with("use1-az")),
            "{zone_ids:?}"
        );
        assert_eq!(zone_ids[0], "use1-az6");
        for attr in azs.schema().attributes {
            assert!(found.contains_key(attr.name), "missing {}", attr.name);
        }
        let fewer = azs
            .read(&object! {
                "exclude_names" => vec!["us-east-1a"],
                "exclude_zone_ids" => vec!["use1-az1"],
            })
            .await
            .unwrap();
        assert_eq!(
            fewer.strings("names"),
            vec!["us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
        );

        let me = CallerIdentity::new(&clients)
            .read(&Object::new())
            .await
            .unwrap();
        assert_eq!(me.str("account_id"), Some("123456789012"));
        assert_eq!(me.str("id"), Some("123456789012"));
        assert_eq!(me.str("arn"), Some("arn:aws:sts::123456789012:user/moto"));
        assert!(me.str("user_id").is_some_and(|u| !u.is_empty()));

        let region = Region::new(&clients);
        let here = region.read(&Object::new()).await.unwrap();
        assert_eq!(here.str("name"), Some("us-east-1"));
        assert_eq!(here.str("id"), Some("us-east-1"));
        assert_eq!(here.str("description"), Some("US East (N. Virginia)"));
        assert_eq!(here.str("endpoint"), Some("ec2.us-east-1.amazonaws.com"));
        let other = region.read(&object! {"name" => "eu-west-1"}).await.unwrap();
        assert_eq!(other.str("description"), Some("Europe (Ireland)"));
        let err = region
            .read(&object! {"name" => "us-east1"})
            .await
            .unwrap_err();
        assert!(err.message.contains("not an AWS region"), "{err}");

        let partition = Partition::new(&clients).read(&Object::new()).await.unwrap();
        assert_eq!(partition.str("partition"), Some("aws"));
        assert_eq!(partition.str("id"), Some("aws"));
        assert_eq!(partition.str("dns_suffix"), Some("amazonaws.com"));
        assert_eq!(partition.str("reverse_dns_prefix"), Some("com.amazonaws"));
    });
}

/// A role's trust policy and a managed policy from aws_iam_policy_document
/// (principals, two keys under one condition operator, a policy variable, an
/// ARN built from aws_partition): planned as known values, applied, and
/// planned again with no changes.
const POLICY_DOCUMENT_STACK: &str = r#"
data "aws_partition" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com", "ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::reports"]
  }
}

data "aws_iam_policy_document" "access" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Read"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::reports/&{aws:username}/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["123456789012"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpc"
      values   = ["vpc-1"]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = "pd-app"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_policy" "access" {
  name   = "pd-access"
  policy = data.aws_iam_policy_document.access.json
}
"#;

#[test]
fn policy_documents_from_data_sources_apply_and_replan_clean() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "policy-docs", POLICY_DOCUMENT_STACK);

    let plan = moto.expect_plan(cwd, &stack, "2 to add, 0 to change");
    // Known at plan time: the rendered document, not "(known after apply)".
    assert!(plan.stdout.contains("\"aws:SourceVpc\""), "{}", plan.stdout);
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));

    let iam = aws_sdk_iam::Client::new(&moto.sdk_config());
    let (trust, document) = common::runtime().block_on(async {
        let role = iam.get_role().role_name("pd-app").send().await.unwrap();
        let trust = role
            .role()
            .unwrap()
            .assume_role_policy_document()
            .unwrap()
            .to_string();
        let arn = "arn:aws:iam::123456789012:policy/pd-access";
        let policy = iam.get_policy().policy_arn(arn).send().await.unwrap();
        let version = policy
            .policy()
            .unwrap()
            .default_version_id()
            .unwrap()
            .to_string();
        let got = iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .unwrap();
        let document = got
            .policy_version()
            .unwrap()
            .document()
            .unwrap()
            .to_string();
        (trust, document)
    });
    let parse = |text: &str| -> serde_json::Value {
        serde_json::from_str(&recon::aws::iam::decode_policy(text)).unwrap()
    };
    let trust = parse(&trust);
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        serde_json::json!(["lambda.amazonaws.com", "ec2.amazonaws.com"])
    );
    let document = parse(&document);
    assert_eq!(document["Statement"][0]["Sid"], "List");
    assert_eq!(
        document["Statement"][1]["Condition"]["StringEquals"],
        serde_json::json!({"aws:SourceAccount": "123456789012", "aws:SourceVpc": "vpc-1"})
    );
    assert_eq!(
        document["Statement"][1]["Resource"],
        "arn:aws:s3:::reports/${aws:username}/*"
    );

    moto.expect_no_changes(cwd, &stack);
    moto.destroy(cwd, &stack);
}

#[test]
fn iam_role_lookup_by_name() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        clients
            .iam
            .create_role()
            .role_name("looked-up")
            .path("/svc/")
            .description("made elsewhere")
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap();
        let roles = IamRoleData::new(&clients);
        let found = roles.read(&object! {"name" => "looked-up"}).await.unwrap();
        assert_eq!(found.str("id"), Some("looked-up"));
        assert_eq!(
            found.str("arn"),
            Some("arn:aws:iam::123456789012:role/svc/looked-up")
        );
        assert_eq!(found.str("path"), Some("/svc/"));
        assert_eq!(found.str("description"), Some("made elsewhere"));
        assert_eq!(found.i64("max_session_duration"), Some(3600));
        let policy: serde_json::Value =
            serde_json::from_str(found.str("assume_role_policy").unwrap()).unwrap();
        assert_eq!(policy["Statement"][0]["Principal"]["Service"], "ec2.amazonaws.com");
        for attr in roles.schema().attributes {
            assert!(found.contains_key(attr.name), "missing {}", attr.name);
        }
        let err = roles.read(&object! {"name" => "nobody"}).await.unwrap_err();
        assert!(err.message.contains("no IAM role named \"nobody\""), "{err}");
    });
}

#[test]
fn kms_key_lookup_by_id_arn_and_alias() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let made = clients
            .kms
            .create_key()
            .description("looked up")
            .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
            .send()
            .await
            .unwrap();
        let made = made.key_metadata().unwrap();
        let (id, arn) = (made.key_id().to_string(), made.arn().unwrap().to_string());
        clients
            .kms
            .create_alias()
            .alias_name("alias/my-key")
            .target_key_id(&id)
            .send()
            .await
            .unwrap();
        let keys = KmsKeyData::new(&clients);
        for key_id in [id.as_str(), arn.as_str(), "alias/my-key"] {
            let found = keys.read(&object! {"key_id" => key_id}).await.unwrap();
            assert_eq!(found.str("id"), Some(id.as_str()), "{key_id}");
            assert_eq!(found.str("arn"), Some(arn.as_str()));
            assert_eq!(found.str("key_id"), Some(key_id));
            assert_eq!(found.str("description"), Some("looked up"));
            assert_eq!(found.bool("enabled"), Some(true));
            assert_eq!(found.str("key_usage"), Some("ENCRYPT_DECRYPT"), "{found:?}");
            assert_eq!(found.str("key_state"), Some("Enabled"));
            for attr in keys.schema().attributes {
                assert!(found.contains_key(attr.name), "missing {}", attr.name);
            }
        }
        let err = keys
            .read(&object! {"key_id" => "alias/no-such-key"})
            .await
            .unwrap_err();
        assert!(
            err.message.contains("KMS key \"alias/no-such-key\""),
            "{err}"
        );
    });
}
