//! aws_instance, aws_ebs_volume, aws_volume_attachment and aws_launch_template against moto.

use crate::common;
use crate::common::{found, meta, not_ours, ok, planned, write_stack, Moto};
use aws_sdk_ec2::types::{Filter, InstanceType};
use recon::aws::ec2::ebs_volume::{self, EbsVolume};
use recon::aws::ec2::instance::{self, Instance};
use recon::aws::ec2::launch_template::LaunchTemplateType;
use recon::aws::ec2::volume_attachment::{self, VolumeAttachment};
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Nesting, ResourceType, VolumeLoss};
use recon::value::{Object, ObjectExt, Value};
use std::collections::BTreeMap;

const AMI: &str = "ami-03c3da4cfa8e8943a";

fn block(state: &Object, name: &str) -> Object {
    state
        .block(name)
        .cloned()
        .unwrap_or_else(|| panic!("no {name} block in {state:?}"))
}

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::from(*s)).collect())
}

fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect()
}

async fn default_subnet(ec2: &aws_sdk_ec2::Client, az: &str) -> (String, String) {
    let out = ec2
        .describe_subnets()
        .filters(
            Filter::builder()
                .name("default-for-az")
                .values("true")
                .build(),
        )
        .filters(
            Filter::builder()
                .name("availability-zone")
                .values(az)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let subnet = &out.subnets()[0];
    (
        subnet.subnet_id().unwrap().to_string(),
        subnet.vpc_id().unwrap().to_string(),
    )
}

async fn security_group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str) -> String {
    ec2.create_security_group()
        .group_name(name)
        .description(name)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string()
}

async fn instance_profile(iam: &aws_sdk_iam::Client, role: &str, name: &str) {
    iam.create_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name(name)
        .role_name(role)
        .send()
        .await
        .unwrap();
}

async fn volume(ec2: &aws_sdk_ec2::Client, id: &str) -> Option<aws_sdk_ec2::types::Volume> {
    ec2.describe_volumes()
        .filters(Filter::builder().name("volume-id").values(id).build())
        .send()
        .await
        .unwrap()
        .volumes()
        .first()
        .cloned()
}

async fn read_one(rt: &dyn ResourceType, state: &Object) -> Option<Object> {
    rt.read(std::slice::from_ref(state))
        .await
        .unwrap()
        .pop()
        .unwrap()
}

#[test]
fn instance_lifecycle() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let config = moto.sdk_config();
        let clients = Clients::from_config(&config);
        let ec2 = &clients.ec2;
        let iam = aws_sdk_iam::Client::new(&config);

        let key = clients.kms.create_key().send().await.unwrap();
        let key = key.key_metadata().unwrap();
        let (key_id, key_arn) = (key.key_id().to_string(), key.arn().unwrap().to_string());
        let (subnet, vpc) = default_subnet(ec2, "us-east-1b").await;
        let sg1 = security_group(ec2, &vpc, "web-1").await;
        let sg2 = security_group(ec2, &vpc, "web-2").await;
        iam.create_role()
            .role_name("web")
            .assume_role_policy_document("{}")
            .send()
            .await
            .unwrap();
        instance_profile(&iam, "web", "web-1").await;
        instance_profile(&iam, "web", "web-2").await;

        let instances = Instance::new(&clients);
        let m = meta("aws_instance.web");
        let plan = planned(
            &instance::SCHEMA,
            object! {
                "ami" => AMI,
                "instance_type" => "t3.micro",
                "subnet_id" => subnet.as_str(),
                "vpc_security_group_ids" => strings(&[&sg1]),
                "iam_instance_profile" => "web-1",
                "user_data" => "#!/bin/sh\necho hello\n",
                "monitoring" => true,
                "tags" => Value::Object(object! {"Name" => "web"}),
                "metadata_options" => Value::List(vec![Value::Object(object! {"http_tokens" => "required"})]),
                "root_block_device" => Value::List(vec![Value::Object(object! {
                    "volume_size" => 12,
                    "volume_type" => "gp3",
                    "encrypted" => true,
                    // A key id, not the ARN AWS reports: state keeps this spelling.
                    "kms_key_id" => key_id.as_str(),
                })]),
                "ebs_block_device" => Value::List(vec![Value::Object(object! {
                    "device_name" => "/dev/sdf",
                    "volume_size" => 5,
                    "delete_on_termination" => false,
                })]),
            },
        );
        let state = instances.create(&plan, &m).await.unwrap();
        let id = state.str("id").unwrap().to_string();
        assert!(id.starts_with("i-"), "{id}");
        assert_eq!(
            state.str("arn"),
            Some(format!("arn:aws:ec2:us-east-1:123456789012:instance/{id}").as_str())
        );
        assert_eq!(state.str("ami"), Some(AMI));
        assert_eq!(state.str("instance_type"), Some("t3.micro"));
        assert_eq!(state.str("availability_zone"), Some("us-east-1b"));
        assert_eq!(state.str("subnet_id"), Some(subnet.as_str()));
        assert_eq!(state.get("vpc_security_group_ids"), Some(&strings(&[&sg1])));
        assert_eq!(state.str("iam_instance_profile"), Some("web-1"));
        assert_eq!(state.get("key_name"), Some(&Value::Null));
        assert_eq!(state.str("user_data"), Some("#!/bin/sh\necho hello\n"));
        assert_eq!(state.bool("monitoring"), Some(true));
        assert_eq!(state.bool("ebs_optimized"), Some(false));
        assert_eq!(state.bool("disable_api_termination"), Some(false));
        assert_eq!(state.get("tags"), Some(&Value::Object(object! {"Name" => "web"})));
        assert_eq!(state.str("instance_state"), Some("running"));
        assert!(state.str("private_ip").is_some());
        assert!(state.str("private_dns").is_some());
        assert!(state.bool("associate_public_ip_address").is_some());
        assert!(state.str("primary_network_interface_id").unwrap().starts_with("eni-"));
        assert_eq!(
            state.get("metadata_options"),
            Some(&Value::List(vec![Value::Object(object! {
                "http_endpoint" => "enabled",
                "http_tokens" => "required",
                "http_put_response_hop_limit" => 1,
                "instance_metadata_tags" => "disabled",
            })]))
        );
        let root = block(&state, "root_block_device");
        let root_volume = root.str("volume_id").unwrap().to_string();
        assert!(root_volume.starts_with("vol-"));
        assert_eq!(root.str("device_name"), Some("/dev/xvda"));
        assert_eq!(root.i64("volume_size"), Some(12));
        assert_eq!(root.str("volume_type"), Some("gp3"));
        assert_eq!(root.i64("iops"), Some(3000));
        assert_eq!(root.bool("encrypted"), Some(true));
        assert_eq!(root.str("kms_key_id"), Some(key_id.as_str()));
        assert_eq!(root.bool("delete_on_termination"), Some(true));
        let ebs = state.list("ebs_block_device");
        assert_eq!(ebs.len(), 1);
        let data = ebs[0].as_object().unwrap();
        let data_volume = data.str("volume_id").unwrap().to_string();
        assert_eq!(data.str("device_name"), Some("/dev/sdf"));
        assert_eq!(data.i64("volume_size"), Some(5));
        assert_eq!(data.bool("encrypted"), Some(false));
        assert_eq!(data.bool("delete_on_termination"), Some(false));
        assert_eq!(data.get("snapshot_id"), Some(&Value::Null));
        for a in instance::SCHEMA.attributes {
            assert!(state.contains_key(a.name), "state lacks {}", a.name);
        }

        // recon's tags are on the instance and its volumes, and never in state.
        let described = ec2.describe_instances().instance_ids(&id).send().await.unwrap();
        let tags = tag_map(described.reservations()[0].instances()[0].tags());
        assert_eq!(tags.get("recon:address").map(String::as_str), Some("aws_instance.web"));
        assert_eq!(tags.get("Name").map(String::as_str), Some("web"));
        let root_tags = tag_map(volume(ec2, &root_volume).await.unwrap().tags());
        assert_eq!(root_tags.get("recon:stack").map(String::as_str), Some("test"));
        assert!(!root_tags.contains_key("Name"));

        // A refresh sees exactly what create returned.
        assert_eq!(read_one(&instances, &state).await.as_ref(), Some(&state));

        // Only the root volume goes with the instance.
        assert_eq!(
            instances.data_loss(&state),
            vec![VolumeLoss {
                volume_id: root_volume.clone(),
                size_gib: Some(12),
                role: "root_block_device".into(),
            }]
        );

        // Instance type and EBS optimisation change in place (stop, modify, start).
        let mut plan = state.clone();
        plan.insert("instance_type".into(), "t3.small".into());
        plan.insert("ebs_optimized".into(), true.into());
        let state = instances.update(&state, &plan, &m).await.unwrap();
        assert_eq!(state.str("id"), Some(id.as_str()));
        assert_eq!(state.str("instance_type"), Some("t3.small"));
        assert_eq!(state.bool("ebs_optimized"), Some(true));
        assert_eq!(state.str("instance_state"), Some("running"));
        assert_eq!(block(&state, "root_block_device").str("volume_id"), Some(root_volume.as_str()));

        // The root volume grows in place.
        let mut plan = state.clone();
        let mut root = block(&state, "root_block_device");
        root.insert("volume_size".into(), 20.into());
        plan.insert("root_block_device".into(), Value::List(vec![Value::Object(root)]));
        let state = instances.update(&state, &plan, &m).await.unwrap();
        let root = block(&state, "root_block_device");
        assert_eq!(root.str("volume_id"), Some(root_volume.as_str()));
        assert_eq!(root.i64("volume_size"), Some(20));
        assert_eq!(volume(ec2, &root_volume).await.unwrap().size(), Some(20));

        // Metadata options: fields left out of the plan keep their values.
        let mut plan = state.clone();
        plan.insert(
            "metadata_options".into(),
            Value::List(vec![Value::Object(object! {
                "http_endpoint" => "enabled",
                "http_tokens" => "optional",
                "http_put_response_hop_limit" => 2,
                "instance_metadata_tags" => Value::Unknown,
            })]),
        );
        let state = instances.update(&state, &plan, &m).await.unwrap();
        assert_eq!(
            state.get("metadata_options"),
            Some(&Value::List(vec![Value::Object(object! {
                "http_endpoint" => "enabled",
                "http_tokens" => "optional",
                "http_put_response_hop_limit" => 2,
                "instance_metadata_tags" => "disabled",
            })]))
        );

        // Security groups, instance profile, termination protection and tags.
        let mut plan = state.clone();
        plan.insert("vpc_security_group_ids".into(), strings(&[&sg2]));
        plan.insert("iam_instance_profile".into(), "web-2".into());
        plan.insert("disable_api_termination".into(), true.into());
        plan.insert(
            "tags".into(),
            Value::Object(object! {"Name" => "web-2", "env" => "prod"}),
        );
        let state = instances.update(&state, &plan, &m).await.unwrap();
        assert_eq!(state.get("vpc_security_group_ids"), Some(&strings(&[&sg2])));
        assert_eq!(state.str("iam_instance_profile"), Some("web-2"));
        assert_eq!(state.bool("disable_api_termination"), Some(true));
        assert_eq!(
            state.get("tags"),
            Some(&Value::Object(object! {"Name" => "web-2", "env" => "prod"}))
        );
        // An import knows nothing: it reads what only DescribeInstanceAttribute
        // reports, and the key as its ARN.
        let fresh = read_one(&instances, &instances.import_stub(&id)).await.unwrap();
        assert_eq!(fresh.str("iam_instance_profile"), Some("web-2"));
        assert_eq!(fresh.bool("disable_api_termination"), Some(true));
        assert_eq!(fresh.str("user_data"), Some("#!/bin/sh\necho hello\n"));
        assert_eq!(
            block(&fresh, "root_block_device").str("kms_key_id"),
            Some(key_arn.as_str())
        );
        assert_eq!(fresh.get("vpc_security_group_ids"), Some(&strings(&[&sg2])));
        // Termination protection holds.
        let err = instances.delete(&state).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("OperationNotPermitted"), "{err}");

        // Root volume kept on termination: no data loss.
        let mut plan = state.clone();
        plan.insert("disable_api_termination".into(), false.into());
        let mut root = block(&state, "root_block_device");
        root.insert("delete_on_termination".into(), false.into());
        plan.insert("root_block_device".into(), Value::List(vec![Value::Object(root)]));
        let state = instances.update(&state, &plan, &m).await.unwrap();
        assert_eq!(block(&state, "root_block_device").bool("delete_on_termination"), Some(false));
        assert_eq!(instances.data_loss(&state), vec![]);
        let mut plan = state.clone();
        let mut root = block(&state, "root_block_device");
        root.insert("delete_on_termination".into(), true.into());
        plan.insert("root_block_device".into(), Value::List(vec![Value::Object(root)]));
        let state = instances.update(&state, &plan, &m).await.unwrap();
        assert_eq!(instances.data_loss(&state).len(), 1);
        assert_eq!(read_one(&instances, &state).await.as_ref(), Some(&state));

        instances.delete(&state).await.unwrap();
        assert_eq!(read_one(&instances, &state).await, None);
        // Deleting again is fine.
        instances.delete(&state).await.unwrap();
        assert!(volume(ec2, &root_volume).await.is_none(), "root volume deleted");
        let kept = volume(ec2, &data_volume).await.expect("data volume kept");
        assert_eq!(kept.state().map(|s| s.as_str()), Some("available"));
    });
}

#[test]
fn instance_batch_read_and_defaults() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let (subnet, _) = default_subnet(ec2, "us-east-1a").await;

        let mut states = Vec::new();
        for n in 0..3 {
            let mut config = object! {"ami" => AMI, "instance_type" => "t3.nano"};
            if n == 0 {
                // A public address can only be asked for on the network interface.
                config.insert("subnet_id".into(), subnet.as_str().into());
                config.insert("associate_public_ip_address".into(), true.into());
            }
            let plan = planned(&instance::SCHEMA, config);
            states.push(
                instances
                    .create(&plan, &meta(&format!("aws_instance.n[{n}]")))
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(states[0].bool("associate_public_ip_address"), Some(true));
        assert!(states[0].str("public_ip").is_some());
        assert_eq!(states[0].str("subnet_id"), Some(subnet.as_str()));

        // Without configured blocks the provider still reports them. moto puts the
        // default root volume on /dev/sda1 while RootDeviceName says /dev/xvda.
        let root = block(&states[1], "root_block_device");
        assert!(root.str("volume_id").unwrap().starts_with("vol-"));
        assert_eq!(root.str("device_name"), Some("/dev/sda1"));
        assert_eq!(root.i64("volume_size"), Some(8));
        assert_eq!(root.bool("delete_on_termination"), Some(true));
        assert_eq!(states[1].list("ebs_block_device"), &[] as &[Value]);
        assert_eq!(
            block(&states[1], "metadata_options").str("http_tokens"),
            Some("optional")
        );
        assert_eq!(states[1].bool("monitoring"), Some(false));
        assert_eq!(states[1].get("iam_instance_profile"), Some(&Value::Null));
        assert_eq!(states[1].get("user_data"), Some(&Value::Null));
        assert_eq!(instances.data_loss(&states[1]).len(), 1);

        // A fourth, terminated behind recon's back.
        let plan = planned(
            &instance::SCHEMA,
            object! {"ami" => AMI, "instance_type" => "t3.nano"},
        );
        let gone = instances
            .create(&plan, &meta("aws_instance.gone"))
            .await
            .unwrap();
        ec2.terminate_instances()
            .instance_ids(gone.str("id").unwrap())
            .send()
            .await
            .unwrap();
        let never = instances.import_stub("i-0123456789abcdef0");

        let batch = vec![
            states[2].clone(),
            gone.clone(),
            states[0].clone(),
            never,
            states[1].clone(),
        ];
        let read = instances.read(&batch).await.unwrap();
        assert_eq!(read.len(), 5);
        assert_eq!(read[0].as_ref(), Some(&states[2]));
        assert_eq!(read[1], None);
        assert_eq!(read[2].as_ref(), Some(&states[0]));
        assert_eq!(read[3], None);
        assert_eq!(read[4].as_ref(), Some(&states[1]));

        // Deleting an instance that is already terminated succeeds.
        instances.delete(&gone).await.unwrap();
    });
}

#[test]
fn instance_read_follows_next_token() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let mut ids = Vec::new();
        // 110 instances in one reservation...
        let out = ec2
            .run_instances()
            .image_id(AMI)
            .instance_type(InstanceType::T3Nano)
            .min_count(110)
            .max_count(110)
            .send()
            .await
            .unwrap();
        ids.extend(
            out.instances()
                .iter()
                .map(|i| i.instance_id().unwrap().to_string()),
        );
        assert_eq!(ids.len(), 110);
        // ...and 200 reservations of one. moto pages by reservation (100 a page),
        // so only more than 100 reservations in one request bring a NextToken. The
        // provider asks for 200 ids at a time; however the ids fall into its two
        // requests, one of them spans more than 100 reservations.
        let singles = futures::future::join_all((0..200).map(|_| {
            ec2.run_instances()
                .image_id(AMI)
                .instance_type(InstanceType::T3Nano)
                .min_count(1)
                .max_count(1)
                .send()
        }))
        .await;
        for out in singles {
            ids.push(
                out.unwrap().instances()[0]
                    .instance_id()
                    .unwrap()
                    .to_string(),
            );
        }
        let first_page = ec2
            .describe_instances()
            .filters(
                Filter::builder()
                    .name("instance-id")
                    .set_values(Some(ids[110..].to_vec()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(first_page.reservations().len(), 100);
        assert!(
            first_page.next_token().is_some(),
            "moto should page this request"
        );

        let instances = Instance::new(&clients);
        let priors: Vec<Object> = ids.iter().map(|id| instances.import_stub(id)).collect();
        let read = instances.read(&priors).await.unwrap();
        assert_eq!(read.len(), ids.len());
        for (id, state) in ids.iter().zip(&read) {
            let state = state.as_ref().unwrap_or_else(|| panic!("{id} not read"));
            assert_eq!(state.str("id"), Some(id.as_str()));
            assert_eq!(state.str("instance_state"), Some("running"));
            assert!(block(state, "root_block_device").str("volume_id").is_some());
        }
    });
}

fn planned_volume(extra: Object) -> Object {
    let mut config = object! {"availability_zone" => "us-east-1a"};
    config.extend(extra);
    planned(&ebs_volume::SCHEMA, config)
}

#[test]
fn ebs_volume_lifecycle() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let volumes = EbsVolume::new(&clients);
        let key = clients.kms.create_key().send().await.unwrap();
        let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
        clients
            .kms
            .create_alias()
            .alias_name("alias/data")
            .target_key_id(key.key_metadata().unwrap().key_id())
            .send()
            .await
            .unwrap();

        let m = meta("aws_ebs_volume.data");
        let plan = planned_volume(object! {
            "size" => 4,
            "type" => "gp2",
            "encrypted" => true,
            "kms_key_id" => "alias/data",
            "tags" => Value::Object(object! {"Name" => "data"}),
        });
        let state = volumes.create(&plan, &m).await.unwrap();
        let id = state.str("id").unwrap().to_string();
        assert!(id.starts_with("vol-"), "{id}");
        assert_eq!(
            state,
            object! {
                "id" => id.as_str(),
                "arn" => format!("arn:aws:ec2:us-east-1:123456789012:volume/{id}"),
                "availability_zone" => "us-east-1a",
                "size" => 4,
                "type" => "gp2",
                "iops" => Value::Null,
                "throughput" => Value::Null,
                "encrypted" => true,
                // Configured as an alias of the key: kept as written.
                "kms_key_id" => "alias/data",
                "snapshot_id" => Value::Null,
                "tags" => Value::Object(object! {"Name" => "data"}),
            }
        );
        let tags = tag_map(volume(ec2, &id).await.unwrap().tags());
        assert_eq!(
            tags.get("recon:address").map(String::as_str),
            Some("aws_ebs_volume.data")
        );

        // Encrypted with the account's default key, reported as an ARN.
        let plain = volumes
            .create(
                &planned_volume(object! {"size" => 1, "encrypted" => true}),
                &meta("aws_ebs_volume.other"),
            )
            .await
            .unwrap();
        assert!(plain
            .str("kms_key_id")
            .unwrap()
            .starts_with("arn:aws:kms:us-east-1:123456789012:key/"));
        assert_eq!(plain.str("type"), Some("gp2"));

        // Imported, the key reads as its ARN.
        let imported = read_one(&volumes, &volumes.import_stub(&id)).await.unwrap();
        assert_eq!(imported.str("kms_key_id"), Some(key_arn.as_str()));
        // (Retargeting the alias cannot show as drift here: moto keeps the alias
        // itself as the volume's key, where AWS keeps the key's ARN.)

        let missing = volumes.import_stub("vol-0123456789abcdef0");
        let read = volumes
            .read(&[plain.clone(), missing, state.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(plain.clone()), None, Some(state.clone())]);

        assert_eq!(
            volumes.data_loss(&state),
            vec![VolumeLoss {
                volume_id: id.clone(),
                size_gib: Some(4),
                role: "volume".into(),
            }]
        );

        // Size and type change in place; tags move.
        let mut plan = state.clone();
        plan.insert("size".into(), 8.into());
        plan.insert("type".into(), "gp3".into());
        plan.insert("throughput".into(), 250.into());
        plan.insert("tags".into(), Value::Object(object! {"team" => "db"}));
        let updated = volumes.update(&state, &plan, &m).await.unwrap();
        assert_eq!(updated.str("id"), Some(id.as_str()));
        assert_eq!(updated.i64("size"), Some(8));
        assert_eq!(updated.str("type"), Some("gp3"));
        assert_eq!(updated.i64("throughput"), Some(250));
        assert_eq!(
            updated.get("tags"),
            Some(&Value::Object(object! {"team" => "db"}))
        );
        assert_eq!(read_one(&volumes, &updated).await.as_ref(), Some(&updated));

        // Snapshotted before a destroy: complete, tagged with where it came from.
        let loss = volumes.data_loss(&updated);
        let taken = volumes.snapshot(&loss, &m).await.unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].volume_id, id);
        let snapshot = clients
            .ec2
            .describe_snapshots()
            .snapshot_ids(&taken[0].snapshot_id)
            .send()
            .await
            .unwrap();
        let snapshot = &snapshot.snapshots()[0];
        assert_eq!(snapshot.volume_id(), Some(id.as_str()));
        assert_eq!(snapshot.state().map(|s| s.as_str()), Some("completed"));
        let tag = |key: &str| {
            snapshot
                .tags()
                .iter()
                .find(|t| t.key() == Some(key))
                .and_then(|t| t.value())
                .map(str::to_string)
        };
        assert_eq!(tag("recon:snapshot-of"), Some(m.address.clone()));
        assert_eq!(tag("recon:volume"), Some(id.clone()));
        assert_eq!(
            tag("recon:address"),
            None,
            "a snapshot is not a managed resource"
        );
        // A volume that is not there cannot be snapshotted: the error names it.
        let gone = vec![VolumeLoss {
            volume_id: "vol-0123456789abcdef0".into(),
            size_gib: None,
            role: "volume".into(),
        }];
        let err = volumes.snapshot(&gone, &m).await.unwrap_err();
        assert!(err.message.contains("vol-0123456789abcdef0"), "{err}");

        volumes.delete(&updated).await.unwrap();
        assert_eq!(read_one(&volumes, &updated).await, None);
        volumes.delete(&updated).await.unwrap();
    });
}

/// `iops = 0` on gp2 means "not set", as in Terraform: AWS reports 3 IOPS per
/// GiB and no ModifyVolume can make it 0, so the plan after apply is clean.
#[test]
fn gp2_volume_with_zero_iops_converges() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(
        cwd,
        "gp2-zero-iops",
        r#"
resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  encrypted         = true
  size              = 40
  type              = "gp2"
  iops              = 0
  throughput        = 0
}
"#,
    );
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    moto.expect_no_changes(cwd, &stack);
    ok(moto.run(
        cwd,
        &stack,
        &[
            "destroy",
            "--auto-approve",
            "--allow-data-loss",
            "aws_ebs_volume.data",
        ],
    ));
}

#[test]
fn volume_attachment_lifecycle() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let volumes = EbsVolume::new(&clients);
        let attachments = VolumeAttachment::new(&clients);

        let server = instances
            .create(
                &planned(
                    &instance::SCHEMA,
                    object! {"ami" => AMI, "instance_type" => "t3.micro", "availability_zone" => "us-east-1c"},
                ),
                &meta("aws_instance.db"),
            )
            .await
            .unwrap();
        let instance_id = server.str("id").unwrap().to_string();
        let disk = volumes
            .create(
                &planned_volume(object! {"availability_zone" => "us-east-1c", "size" => 10}),
                &meta("aws_ebs_volume.db"),
            )
            .await
            .unwrap();
        let volume_id = disk.str("id").unwrap().to_string();

        let m = meta("aws_volume_attachment.db");
        let plan = planned(
            &volume_attachment::SCHEMA,
            object! {
                "device_name" => "/dev/sdh",
                "instance_id" => instance_id.as_str(),
                "volume_id" => volume_id.as_str(),
            },
        );
        let state = attachments.create(&plan, &m).await.unwrap();
        let id = state.str("id").unwrap().to_string();
        assert!(id.starts_with("vai-"), "{id}");
        assert_eq!(
            state,
            object! {
                "id" => id.as_str(),
                "device_name" => "/dev/sdh",
                "instance_id" => instance_id.as_str(),
                "volume_id" => volume_id.as_str(),
                "force_detach" => false,
                "skip_destroy" => false,
                "stop_instance_before_detaching" => false,
            }
        );
        // The id is deterministic: import by DEVICE:VOLUME:INSTANCE finds the same.
        let stub = attachments.import_stub(&format!("/dev/sdh:{volume_id}:{instance_id}"));
        assert_eq!(stub.str("id"), Some(id.as_str()));
        assert_eq!(read_one(&attachments, &stub).await.as_ref(), Some(&state));
        let attached = volume(ec2, &volume_id).await.unwrap();
        assert_eq!(attached.state().map(|s| s.as_str()), Some("in-use"));

        // The instance now shows the device, not as something it would destroy.
        let server_now = read_one(&instances, &server).await.unwrap();
        let ebs = server_now.list("ebs_block_device");
        assert_eq!(ebs.len(), 1);
        assert_eq!(ebs[0].get("device_name").as_str(), Some("/dev/sdh"));
        assert_eq!(ebs[0].get("delete_on_termination").as_bool(), Some(false));
        assert_eq!(instances.data_loss(&server_now).len(), 1);

        // A missing attachment reads as None in the same batch.
        let other = object! {
            "id" => "vai-1",
            "device_name" => "/dev/sdz",
            "instance_id" => instance_id.as_str(),
            "volume_id" => volume_id.as_str(),
        };
        let read = attachments.read(&[other, state.clone()]).await.unwrap();
        assert_eq!(read, vec![None, Some(state.clone())]);

        // Flags change without touching AWS.
        let mut plan = state.clone();
        plan.insert("force_detach".into(), true.into());
        let state = attachments.update(&state, &plan, &m).await.unwrap();
        assert_eq!(state.bool("force_detach"), Some(true));

        attachments.delete(&state).await.unwrap();
        assert_eq!(read_one(&attachments, &state).await, None);
        let detached = volume(ec2, &volume_id).await.unwrap();
        assert_eq!(detached.state().map(|s| s.as_str()), Some("available"));
        // Detaching again is fine.
        attachments.delete(&state).await.unwrap();

        // skip_destroy: recon forgets the attachment but leaves it in place.
        let mut plan = plan.clone();
        plan.insert("skip_destroy".into(), true.into());
        plan.insert("force_detach".into(), false.into());
        let state = attachments.create(&plan, &m).await.unwrap();
        attachments.delete(&state).await.unwrap();
        assert!(read_one(&attachments, &state).await.is_some());

        // stop_instance_before_detaching stops the instance first.
        let mut plan = state.clone();
        plan.insert("skip_destroy".into(), false.into());
        plan.insert("stop_instance_before_detaching".into(), true.into());
        let state = attachments.update(&state, &plan, &m).await.unwrap();
        attachments.delete(&state).await.unwrap();
        assert_eq!(read_one(&attachments, &state).await, None);
        let stopped = read_one(&instances, &server).await.unwrap();
        assert_eq!(stopped.str("instance_state"), Some("stopped"));

        volumes.delete(&disk).await.unwrap();
        instances.delete(&server).await.unwrap();
    });
}

#[test]
fn schemas_follow_terraform() {
    let root = instance::SCHEMA.block("root_block_device").unwrap();
    assert_eq!(root.nesting, Nesting::Single);
    assert!(root.computed_when_absent);
    assert!(root.attribute("encrypted").unwrap().force_new);
    assert!(!root.attribute("volume_size").unwrap().force_new);
    let ebs = instance::SCHEMA.block("ebs_block_device").unwrap();
    assert_eq!(ebs.nesting, Nesting::Set);
    assert!(ebs
        .attributes
        .iter()
        .filter(|a| a.is_configurable())
        .all(|a| a.force_new));
    assert!(instance::SCHEMA.attribute("ami").unwrap().force_new);
    assert!(
        !instance::SCHEMA
            .attribute("instance_type")
            .unwrap()
            .force_new
    );
    assert!(
        ebs_volume::SCHEMA
            .attribute("availability_zone")
            .unwrap()
            .force_new
    );
    assert!(!ebs_volume::SCHEMA.attribute("size").unwrap().force_new);
    for name in ["device_name", "instance_id", "volume_id"] {
        assert!(volume_attachment::SCHEMA.attribute(name).unwrap().force_new);
    }
}

/// volume_tags: on the launch-time volumes, read back from the root volume, changed
/// in place on every volume; unset, a volume's tags are not read.
#[test]
fn instance_volume_tags() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let tags = |pairs: &[(&str, &str)]| {
            Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(*v)))
                    .collect(),
            )
        };
        let config = object! {
            "ami" => AMI, "instance_type" => "t3.nano",
            "tags" => tags(&[("Name", "web")]),
            "volume_tags" => tags(&[("Name", "web-disk"), ("backup", "daily")]),
        };
        let state = instances
            .create(
                &planned(&instance::SCHEMA, config.clone()),
                &meta("aws_instance.web"),
            )
            .await
            .unwrap();
        assert_eq!(
            state["volume_tags"],
            tags(&[("Name", "web-disk"), ("backup", "daily")])
        );
        assert_eq!(state["tags"], tags(&[("Name", "web")]));
        let root = block(&state, "root_block_device");
        let root_id = root.str("volume_id").unwrap();
        let on_aws = tag_map(volume(ec2, root_id).await.unwrap().tags());
        assert_eq!(on_aws.get("Name").map(String::as_str), Some("web-disk"));
        assert_eq!(on_aws.get("backup").map(String::as_str), Some("daily"));
        assert_eq!(
            on_aws.get("recon:address").map(String::as_str),
            Some("aws_instance.web")
        );
        assert!(common::replan(&instance::SCHEMA, &config, &state)
            .changed
            .is_empty());

        // Changed outside recon: drift; the update puts the configured tags back.
        ec2.create_tags()
            .resources(root_id)
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("backup")
                    .value("never")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let read = read_one(&instances, &state).await.unwrap();
        assert_eq!(
            read["volume_tags"],
            tags(&[("Name", "web-disk"), ("backup", "never")])
        );
        let mut next = config.clone();
        next.insert("volume_tags".into(), tags(&[("Name", "web-disk")]));
        let plan = common::replan(&instance::SCHEMA, &next, &read);
        assert_eq!(common::changed(&plan), ["volume_tags"]);
        assert!(plan.replace_paths.is_empty());
        let updated = instances
            .update(&read, &plan.after, &meta("aws_instance.web"))
            .await
            .unwrap();
        assert_eq!(updated["volume_tags"], tags(&[("Name", "web-disk")]));
        let on_aws = tag_map(volume(ec2, root_id).await.unwrap().tags());
        assert!(!on_aws.contains_key("backup"), "{on_aws:?}");
        assert_eq!(
            on_aws.get("recon:address").map(String::as_str),
            Some("aws_instance.web")
        );

        // Without volume_tags, the root volume's tags are none of the instance's business.
        let plain = object! {"ami" => AMI, "instance_type" => "t3.nano"};
        let other = instances
            .create(
                &planned(&instance::SCHEMA, plain.clone()),
                &meta("aws_instance.plain"),
            )
            .await
            .unwrap();
        let other_root = block(&other, "root_block_device");
        ec2.create_tags()
            .resources(other_root.str("volume_id").unwrap())
            .tags(
                aws_sdk_ec2::types::Tag::builder()
                    .key("team")
                    .value("ops")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(other["volume_tags"], Value::Null);
        assert_eq!(read_one(&instances, &other).await.as_ref(), Some(&other));
        instances.delete(&updated).await.unwrap();
        instances.delete(&other).await.unwrap();
    });
}

/// private_ip and tenancy are sent at launch and read back; changing either replaces.
#[test]
fn instance_private_ip_and_tenancy() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let (subnet, _) = default_subnet(ec2, "us-east-1a").await;
        let cidr = ec2
            .describe_subnets()
            .subnet_ids(&subnet)
            .send()
            .await
            .unwrap()
            .subnets()[0]
            .cidr_block()
            .unwrap()
            .to_string();
        // The subnet's 13th address (AWS keeps the first four).
        let base: std::net::Ipv4Addr = cidr.split('/').next().unwrap().parse().unwrap();
        let ip = std::net::Ipv4Addr::from(u32::from(base) + 12).to_string();
        let config = object! {
            "ami" => AMI, "instance_type" => "t3.nano", "subnet_id" => subnet.as_str(),
            "private_ip" => ip.as_str(), "tenancy" => "default",
        };
        let state = instances
            .create(
                &planned(&instance::SCHEMA, config.clone()),
                &meta("aws_instance.fixed"),
            )
            .await
            .unwrap();
        assert_eq!(state.str("private_ip"), Some(ip.as_str()));
        assert_eq!(state.str("tenancy"), Some("default"));
        let on_aws = ec2
            .describe_instances()
            .instance_ids(state.str("id").unwrap())
            .send()
            .await
            .unwrap();
        let instance = &on_aws.reservations()[0].instances()[0];
        assert_eq!(instance.private_ip_address(), Some(ip.as_str()));
        assert!(common::replan(&instance::SCHEMA, &config, &state)
            .changed
            .is_empty());
        let mut moved = config.clone();
        moved.insert(
            "private_ip".into(),
            std::net::Ipv4Addr::from(u32::from(base) + 13)
                .to_string()
                .into(),
        );
        assert_eq!(
            common::replaced(&common::replan(&instance::SCHEMA, &moved, &state)),
            ["private_ip"]
        );
        // Unset, the address AWS picked is kept (Optional+Computed).
        let plain =
            object! {"ami" => AMI, "instance_type" => "t3.nano", "subnet_id" => subnet.as_str()};
        assert!(common::replan(&instance::SCHEMA, &plain, &state)
            .changed
            .is_empty());
        instances.delete(&state).await.unwrap();
    });
}

/// One configured block, as configuration and plans hold it.
fn one(obj: Object) -> Value {
    Value::List(vec![Value::Object(obj)])
}

async fn credits_on_aws(ec2: &aws_sdk_ec2::Client, id: &str) -> String {
    let out = ec2
        .describe_instance_credit_specifications()
        .instance_ids(id)
        .send()
        .await
        .unwrap();
    out.instance_credit_specifications()[0]
        .cpu_credits()
        .unwrap()
        .to_string()
}

#[test]
fn instance_launch_blocks_follow_terraform() {
    let schema = &instance::SCHEMA;
    let credits = schema.block("credit_specification").unwrap();
    assert!(credits.computed_when_absent && !credits.force_new);
    for name in [
        "cpu_options",
        "instance_market_options",
        "primary_network_interface",
        "network_interface",
    ] {
        let block = schema.block(name).unwrap();
        assert!(block.force_new && block.computed_when_absent, "{name}");
    }
    let market = schema.block("instance_market_options").unwrap();
    assert!(market.block("spot_options").unwrap().force_new);
    assert_eq!(
        schema.block("network_interface").unwrap().nesting,
        Nesting::Set
    );
    for name in ["instance_lifecycle", "spot_instance_request_id"] {
        assert!(!schema.attribute(name).unwrap().is_configurable(), "{name}");
    }
}

/// credit_specification in place; cpu_options and instance_market_options at launch
/// only (moto reports neither: the launched values are kept).
#[test]
fn instance_credits_cpu_options_and_spot() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let schema = &instance::SCHEMA;
        let (subnet, _) = default_subnet(ec2, "us-east-1a").await;

        // Credits: launched unlimited, then standard in place, then drift repaired.
        let config = object! {
            "ami" => AMI, "instance_type" => "t3.micro", "subnet_id" => subnet.as_str(),
            "credit_specification" => one(object! {"cpu_credits" => "unlimited"}),
        };
        let burst = instances
            .create(
                &common::plan_new(schema, &config),
                &meta("aws_instance.burst"),
            )
            .await
            .unwrap();
        let id = burst.str("id").unwrap().to_string();
        assert_eq!(
            block(&burst, "credit_specification").str("cpu_credits"),
            Some("unlimited")
        );
        assert_eq!(credits_on_aws(ec2, &id).await, "unlimited");
        assert!(common::replan(schema, &config, &burst).changed.is_empty());
        let mut standard = config.clone();
        standard.insert(
            "credit_specification".into(),
            one(object! {"cpu_credits" => "standard"}),
        );
        let plan = common::replan(schema, &standard, &burst);
        assert_eq!(common::changed(&plan), ["credit_specification"]);
        assert!(common::replaced(&plan).is_empty());
        let burst = instances
            .update(&burst, &plan.after, &meta("aws_instance.burst"))
            .await
            .unwrap();
        assert_eq!(burst.str("id"), Some(id.as_str()));
        assert_eq!(
            block(&burst, "credit_specification").str("cpu_credits"),
            Some("standard")
        );
        assert_eq!(credits_on_aws(ec2, &id).await, "standard");
        ec2.modify_instance_credit_specification()
            .instance_credit_specifications(
                aws_sdk_ec2::types::InstanceCreditSpecificationRequest::builder()
                    .instance_id(&id)
                    .cpu_credits("unlimited")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let drifted = read_one(&instances, &burst).await.unwrap();
        assert_eq!(
            block(&drifted, "credit_specification").str("cpu_credits"),
            Some("unlimited")
        );
        assert_eq!(
            common::changed(&common::replan(schema, &standard, &drifted)),
            ["credit_specification"]
        );
        // Unset, the credits AWS reports are kept; imported, they are read.
        let plain =
            object! {"ami" => AMI, "instance_type" => "t3.micro", "subnet_id" => subnet.as_str()};
        assert!(common::replan(schema, &plain, &drifted).changed.is_empty());
        let imported = read_one(&instances, &instances.import_stub(&id))
            .await
            .unwrap();
        assert_eq!(
            block(&imported, "credit_specification").str("cpu_credits"),
            Some("unlimited")
        );
        instances.delete(&drifted).await.unwrap();

        // CPU options: launched with them, any change replaces the instance.
        let config = object! {
            "ami" => AMI, "instance_type" => "c6a.2xlarge", "subnet_id" => subnet.as_str(),
            "cpu_options" => one(object! {"core_count" => 2, "threads_per_core" => 2}),
        };
        let cores = instances
            .create(
                &common::plan_new(schema, &config),
                &meta("aws_instance.cores"),
            )
            .await
            .unwrap();
        let cpu = block(&cores, "cpu_options");
        assert_eq!(
            (cpu.i64("core_count"), cpu.i64("threads_per_core")),
            (Some(2), Some(2))
        );
        // Not a T instance: no credit specification is read or reported.
        assert_eq!(
            cores.get("credit_specification"),
            Some(&Value::List(vec![]))
        );
        assert_eq!(read_one(&instances, &cores).await.as_ref(), Some(&cores));
        assert!(common::replan(schema, &config, &cores).changed.is_empty());
        let mut more = config.clone();
        more.insert(
            "cpu_options".into(),
            one(object! {"core_count" => 4, "threads_per_core" => 2}),
        );
        assert_eq!(
            common::replaced(&common::replan(schema, &more, &cores)),
            ["cpu_options[0].core_count", "cpu_options"]
        );
        instances.delete(&cores).await.unwrap();
        // Provider v4's top-level spelling.
        let legacy = object! {
            "ami" => AMI, "instance_type" => "c6a.2xlarge", "subnet_id" => subnet.as_str(),
            "cpu_core_count" => 2, "cpu_threads_per_core" => 1,
        };
        let old = instances
            .create(
                &common::plan_new(schema, &legacy),
                &meta("aws_instance.old"),
            )
            .await
            .unwrap();
        assert_eq!(
            (old.i64("cpu_core_count"), old.i64("cpu_threads_per_core")),
            (Some(2), Some(1))
        );
        assert!(common::replan(schema, &legacy, &old).changed.is_empty());
        instances.delete(&old).await.unwrap();

        // Spot: the lifecycle says so; the options are kept as launched.
        let config = object! {
            "ami" => AMI, "instance_type" => "t4g.nano", "subnet_id" => subnet.as_str(),
            "instance_market_options" => one(object! {
                "market_type" => "spot",
                "spot_options" => one(object! {"max_price" => "0.0031"}),
            }),
        };
        let spot = instances
            .create(
                &common::plan_new(schema, &config),
                &meta("aws_instance.spot"),
            )
            .await
            .unwrap();
        assert_eq!(spot.str("instance_lifecycle"), Some("spot"));
        let market = block(&spot, "instance_market_options");
        assert_eq!(market.str("market_type"), Some("spot"));
        assert_eq!(
            block(&market, "spot_options").str("max_price"),
            Some("0.0031")
        );
        assert!(common::replan(schema, &config, &spot).changed.is_empty());
        let mut dearer = config.clone();
        dearer.insert(
            "instance_market_options".into(),
            one(object! {
                "market_type" => "spot",
                "spot_options" => one(object! {"max_price" => "0.01"}),
            }),
        );
        assert_eq!(
            common::replaced(&common::replan(schema, &dearer, &spot)),
            [
                "instance_market_options[0].spot_options[0].max_price",
                "instance_market_options[0].spot_options",
                "instance_market_options"
            ]
        );
        // On demand: no market options, no lifecycle.
        let plain_state = instances
            .create(
                &common::plan_new(schema, &plain),
                &meta("aws_instance.plain"),
            )
            .await
            .unwrap();
        assert_eq!(plain_state.get("instance_lifecycle"), Some(&Value::Null));
        assert_eq!(
            plain_state.get("instance_market_options"),
            Some(&Value::List(vec![]))
        );
        assert_eq!(
            common::replaced(&common::replan(schema, &config, &plain_state)),
            ["instance_market_options"]
        );
        instances.delete(&spot).await.unwrap();
        instances.delete(&plain_state).await.unwrap();
    });
}

async fn create_eni(ec2: &aws_sdk_ec2::Client, subnet: &str) -> String {
    ec2.create_network_interface()
        .subnet_id(subnet)
        .send()
        .await
        .unwrap()
        .network_interface()
        .unwrap()
        .network_interface_id()
        .unwrap()
        .to_string()
}

/// Launched on an existing interface: provider v6's primary_network_interface and
/// v5's network_interface blocks.
#[test]
fn instance_on_existing_network_interface() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let ec2 = &clients.ec2;
        let instances = Instance::new(&clients);
        let schema = &instance::SCHEMA;
        let (subnet, _) = default_subnet(ec2, "us-east-1a").await;

        let eni = create_eni(ec2, &subnet).await;
        let config = object! {
            "ami" => AMI, "instance_type" => "t3.micro",
            "primary_network_interface" => one(object! {"network_interface_id" => eni.as_str()}),
        };
        let state = instances
            .create(&common::plan_new(schema, &config), &meta("aws_instance.eth0"))
            .await
            .unwrap();
        assert_eq!(state.str("primary_network_interface_id"), Some(eni.as_str()));
        let primary = block(&state, "primary_network_interface");
        assert_eq!(primary.str("network_interface_id"), Some(eni.as_str()));
        assert_eq!(primary.bool("delete_on_termination"), Some(false));
        assert_eq!(state.str("subnet_id"), Some(subnet.as_str()));
        assert_eq!(state.get("network_interface"), Some(&Value::List(vec![])));
        assert!(common::replan(schema, &config, &state).changed.is_empty());
        let other = create_eni(ec2, &subnet).await;
        let mut moved = config.clone();
        moved.insert(
            "primary_network_interface".into(),
            one(object! {"network_interface_id" => other.as_str()}),
        );
        assert_eq!(
            common::replaced(&common::replan(schema, &moved, &state)),
            [
                "primary_network_interface[0].network_interface_id",
                "primary_network_interface"
            ]
        );
        instances.delete(&state).await.unwrap();
        // The interface was not made with the instance: it outlives it.
        let left = ec2
            .describe_network_interfaces()
            .network_interface_ids(&eni)
            .send()
            .await
            .unwrap();
        assert_eq!(left.network_interfaces().len(), 1);

        let legacy = object! {
            "ami" => AMI, "instance_type" => "t3.micro",
            "network_interface" => one(object! {"network_interface_id" => other.as_str(), "device_index" => 0}),
        };
        let state = instances
            .create(&common::plan_new(schema, &legacy), &meta("aws_instance.legacy"))
            .await
            .unwrap();
        assert_eq!(state.str("primary_network_interface_id"), Some(other.as_str()));
        assert_eq!(
            state.get("network_interface"),
            Some(&one(object! {
                "delete_on_termination" => false,
                "device_index" => 0,
                "network_card_index" => 0,
                "network_interface_id" => other.as_str(),
            }))
        );
        assert!(common::replan(schema, &legacy, &state).changed.is_empty());
        instances.delete(&state).await.unwrap();
    });
}

/// `recon plan` of a launch-data change: an update in place whose new version
/// numbers AWS gives (known after apply), not the numbers of the old one.
#[test]
fn launch_template_plan_shows_the_new_version_as_known_after_apply() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let src = r#"
resource "aws_launch_template" "web" {
  name                   = "plan-web"
  image_id               = "ami-03c3da4cfa8e8943a"
  instance_type          = "t3.micro"
  update_default_version = true

  metadata_options {
    http_tokens = "required"
  }
}
"#;
    let stack = write_stack(cwd, "lt", src);
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    write_stack(cwd, "lt", &src.replace("t3.micro", "t3.small"));
    let plan = ok(moto.run(cwd, &stack, &["plan"]));
    for (attr, change) in [
        ("instance_type", "\"t3.micro\" -> \"t3.small\""),
        ("latest_version", "1 -> (known after apply)"),
        ("default_version", "1 -> (known after apply)"),
    ] {
        let shown = plan
            .stdout
            .lines()
            .map(str::trim)
            .any(|l| l.starts_with(&format!("~ {attr} ")) && l.ends_with(change));
        assert!(shown, "{attr}: {change} in\n{}", plan.stdout);
    }
    // Applied, the new numbers are in state and the next plan is clean.
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let again = ok(moto.run(cwd, &stack, &["plan"]));
    assert!(again.stdout.contains("No changes."), "{}", again.all());
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    moto.destroy(cwd, &stack);
}

/// The launch template's configuration with the blocks a user writes first.
fn launch_template_config(sg: &str, instance_type: &str, tags: &[(&str, &str)]) -> Object {
    object! {
        "name" => "web",
        "description" => "web servers",
        "image_id" => AMI,
        "instance_type" => instance_type,
        // base64 of "#!/bin/sh\necho hi\n", as filebase64 would pass it.
        "user_data" => "IyEvYmluL3NoCmVjaG8gaGkK",
        "vpc_security_group_ids" => strings(&[sg]),
        "update_default_version" => true,
        "tags" => common::string_map(tags),
        "metadata_options" => one(object! {"http_endpoint" => "enabled", "http_tokens" => "required"}),
        "monitoring" => one(object! {"enabled" => true}),
        "iam_instance_profile" => one(object! {"name" => "web-profile"}),
        "block_device_mappings" => one(object! {
            "device_name" => "/dev/xvda",
            "ebs" => one(object! {
                "volume_size" => 20,
                "volume_type" => "gp3",
                "encrypted" => true,
                "delete_on_termination" => true,
            }),
        }),
        "tag_specifications" => one(object! {
            "resource_type" => "instance",
            "tags" => common::string_map(&[("Name", "web")]),
        }),
        "network_interfaces" => one(object! {
            "device_index" => 0,
            "associate_public_ip_address" => true,
            "delete_on_termination" => true,
            "security_groups" => strings(&[sg]),
        }),
        "placement" => one(object! {"availability_zone" => "us-east-1a"}),
        "credit_specification" => one(object! {"cpu_credits" => "unlimited"}),
    }
}

fn assert_clean(schema: &recon::provider::Schema, config: &Object, state: &Object) {
    let plan = common::replan(schema, config, state);
    assert_eq!(common::changed(&plan), Vec::<String>::new(), "{state:?}");
}

#[test]
fn launch_template_versions_tags_replace_import_lost_create_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let (_, vpc) = default_subnet(&clients.ec2, "us-east-1a").await;
        let sg = security_group(&clients.ec2, &vpc, "web").await;
        let templates = LaunchTemplateType::new(&clients);
        let schema = templates.schema();
        let meta = recon::provider::Meta {
            token: Some("tok-lt".into()),
            ..meta("aws_launch_template.web")
        };
        let config = launch_template_config(&sg, "t3.micro", &[("env", "test")]);
        let plan = common::plan_new(schema, &config);
        let before = templates.find_created(&plan, &meta).await.unwrap();
        assert!(matches!(before, Created::Absent), "{before:?}");
        let created = templates.create(&plan, &meta).await.unwrap();
        let id = created.str("id").unwrap().to_string();
        assert!(id.starts_with("lt-"), "{created:?}");
        assert_eq!(
            created.str("arn"),
            Some(format!("arn:aws:ec2:us-east-1:123456789012:launch-template/{id}").as_str())
        );
        assert_eq!(created.i64("default_version"), Some(1));
        assert_eq!(created.i64("latest_version"), Some(1));
        assert_eq!(created.str("user_data"), config.str("user_data"));
        let ebs = block(&block(&created, "block_device_mappings"), "ebs");
        assert_eq!(ebs.i64("volume_size"), Some(20));
        assert_eq!(ebs.bool("encrypted"), Some(true));
        assert_eq!(
            block(&created, "metadata_options").str("http_tokens"),
            Some("required")
        );
        let nic = block(&created, "network_interfaces");
        assert_eq!(nic.get("security_groups"), Some(&strings(&[&sg])));
        assert_eq!(nic.bool("associate_public_ip_address"), Some(true));
        assert_eq!(
            block(&created, "credit_specification").str("cpu_credits"),
            Some("unlimited")
        );
        assert_clean(schema, &config, &created);

        // A lost create is found by name and token; another address's is not ours,
        // and a create sent again adopts the template instead of failing.
        assert_eq!(
            found(templates.find_created(&plan, &meta).await.unwrap()),
            created
        );
        let other = recon::provider::Meta {
            token: Some("tok-other".into()),
            ..common::meta("aws_launch_template.other")
        };
        assert_eq!(
            not_ours(templates.find_created(&plan, &other).await.unwrap()),
            id
        );
        let again = templates.create(&plan, &meta).await.unwrap();
        assert_eq!(again.str("id"), Some(id.as_str()));
        assert_eq!(again.i64("latest_version"), Some(1));

        // A launch-data change is a new version, in place, and the new default.
        let bigger = launch_template_config(&sg, "t3.small", &[("env", "test")]);
        let plan = common::replan(schema, &bigger, &created);
        assert_eq!(common::replaced(&plan), Vec::<String>::new());
        assert_eq!(common::changed(&plan), ["instance_type"]);
        // The plan shows the new version numbers as known after apply.
        let review = templates.review_change(&created, &plan.after);
        assert_eq!(review.recomputed, ["latest_version", "default_version"]);
        let v2 = templates
            .update(&created, &plan.after, &meta)
            .await
            .unwrap();
        assert_eq!(v2.str("id"), Some(id.as_str()));
        assert_eq!(v2.str("instance_type"), Some("t3.small"));
        assert_eq!(v2.i64("latest_version"), Some(2));
        assert_eq!(v2.i64("default_version"), Some(2));
        assert_clean(schema, &bigger, &v2);

        // Without update_default_version the new version is only the latest;
        // default_version then moves the default by itself.
        let mut manual = launch_template_config(&sg, "t3.medium", &[("env", "test")]);
        manual.remove("update_default_version");
        let plan = common::replan(schema, &manual, &v2);
        let review = templates.review_change(&v2, &plan.after);
        assert_eq!(review.recomputed, ["latest_version"]);
        let v3 = templates.update(&v2, &plan.after, &meta).await.unwrap();
        assert_eq!(v3.str("instance_type"), Some("t3.medium"));
        assert_eq!(v3.i64("latest_version"), Some(3));
        assert_eq!(v3.i64("default_version"), Some(2));
        assert_clean(schema, &manual, &v3);
        manual.insert("default_version".into(), Value::from(3));
        let plan = common::replan(schema, &manual, &v3);
        assert_eq!(common::changed(&plan), ["default_version"]);
        let v3 = templates.update(&v3, &plan.after, &meta).await.unwrap();
        assert_eq!(v3.i64("default_version"), Some(3));
        assert_eq!(v3.i64("latest_version"), Some(3));
        assert_clean(schema, &manual, &v3);

        // Tags change in place, without a new version. moto's
        // DescribeLaunchTemplates keeps reporting the tags of the create (see
        // tests/moto/NOTES.md): the tags are checked where moto keeps them.
        let mut retagged = launch_template_config(&sg, "t3.medium", &[("env", "prod")]);
        retagged.remove("update_default_version");
        retagged.insert("default_version".into(), Value::from(3));
        let plan = common::replan(schema, &retagged, &v3);
        assert_eq!(common::changed(&plan), ["tags"]);
        assert!(templates
            .review_change(&v3, &plan.after)
            .recomputed
            .is_empty());
        let tagged = templates.update(&v3, &plan.after, &meta).await.unwrap();
        assert_eq!(tagged.i64("latest_version"), Some(3));
        let on_aws = clients
            .ec2
            .describe_tags()
            .filters(Filter::builder().name("resource-id").values(&id).build())
            .send()
            .await
            .unwrap();
        let env: Vec<_> = on_aws
            .tags()
            .iter()
            .filter(|t| t.key() == Some("env"))
            .map(|t| t.value().unwrap_or_default())
            .collect();
        assert_eq!(env, ["prod"]);

        // Another name replaces it.
        let mut renamed = retagged.clone();
        renamed.insert("name".into(), Value::from("web2"));
        assert_eq!(
            common::replaced(&common::replan(schema, &renamed, &tagged)),
            ["name"]
        );

        // Import by id reads what AWS holds; a missing template reads as gone.
        let mut imported = tagged.clone();
        imported.insert("update_default_version".into(), Value::Null);
        assert_eq!(
            templates
                .read(&[
                    templates.import_stub(&id),
                    templates.import_stub("lt-0123456789abcdef0")
                ])
                .await
                .unwrap(),
            vec![Some(imported), None]
        );

        // A generated name keeps its prefix and is found again by the token.
        let prefixed = object! {"name_prefix" => "ci-", "image_id" => AMI};
        let ci_meta = recon::provider::Meta {
            token: Some("tok-ci".into()),
            ..common::meta("aws_launch_template.ci")
        };
        let plan = common::plan_new(schema, &prefixed);
        let ci = templates.create(&plan, &ci_meta).await.unwrap();
        assert!(ci.str("name").unwrap().starts_with("ci-"), "{ci:?}");
        assert_eq!(ci.str("name_prefix"), Some("ci-"));
        assert_clean(schema, &prefixed, &ci);
        assert_eq!(
            found(templates.find_created(&plan, &ci_meta).await.unwrap()),
            ci
        );

        templates.delete(&tagged).await.unwrap();
        assert_eq!(
            templates.read(std::slice::from_ref(&tagged)).await.unwrap(),
            vec![None]
        );
        templates.delete(&tagged).await.unwrap();
    });
}
