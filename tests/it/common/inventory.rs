//! What exists in a test's moto: to tell leaked and duplicated objects.
#![allow(dead_code)]

use super::{repo_root, runtime};
use aws_sdk_ec2::types::Filter;
use std::path::{Path, PathBuf};

/// Everything recon made that is still in moto (EC2 objects by their
/// `recon:address` tag, the rest by listing: each test has a moto of its own).
pub fn leftovers(config: &aws_config::SdkConfig) -> Vec<String> {
    let config = config.clone();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let kms = aws_sdk_kms::Client::new(&config);
    runtime().block_on(async {
        let tag = Filter::builder()
            .name("tag-key")
            .values("recon:address")
            .build();
        let mut left = Vec::new();
        let instances = ec2
            .describe_instances()
            .filters(tag.clone())
            .send()
            .await
            .unwrap();
        for r in instances.reservations() {
            for i in r.instances() {
                let st = i
                    .state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                if st != "terminated" {
                    left.push(format!(
                        "instance {} ({st})",
                        i.instance_id().unwrap_or_default()
                    ));
                }
            }
        }
        for v in ec2
            .describe_volumes()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .volumes()
        {
            left.push(format!("volume {}", v.volume_id().unwrap_or_default()));
        }
        for v in ec2
            .describe_vpcs()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .vpcs()
        {
            left.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
        }
        for s in ec2
            .describe_subnets()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .subnets()
        {
            left.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
        }
        for g in ec2
            .describe_internet_gateways()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .internet_gateways()
        {
            left.push(format!(
                "internet gateway {}",
                g.internet_gateway_id().unwrap_or_default()
            ));
        }
        for t in ec2
            .describe_route_tables()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .route_tables()
        {
            left.push(format!(
                "route table {}",
                t.route_table_id().unwrap_or_default()
            ));
        }
        for g in ec2
            .describe_security_groups()
            .filters(tag.clone())
            .send()
            .await
            .unwrap()
            .security_groups()
        {
            left.push(format!(
                "security group {}",
                g.group_id().unwrap_or_default()
            ));
        }
        for k in kms.list_keys().send().await.unwrap().keys() {
            let id = k.key_id().unwrap_or_default();
            let meta = kms.describe_key().key_id(id).send().await.unwrap();
            let state = meta
                .key_metadata()
                .and_then(|m| m.key_state())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            if state != "PendingDeletion" {
                left.push(format!("kms key {id} ({state})"));
            }
        }
        for a in kms.list_aliases().send().await.unwrap().aliases() {
            if a.alias_name()
                .unwrap_or_default()
                .starts_with("alias/btsync")
            {
                left.push(format!("alias {}", a.alias_name().unwrap_or_default()));
            }
        }
        // By name, for what carries no tag filter.
        let iam = aws_sdk_iam::Client::new(&config);
        for r in iam.list_roles().send().await.unwrap().roles() {
            if r.role_name().starts_with("btsync") {
                left.push(format!("role {}", r.role_name()));
            }
        }
        for p in iam
            .list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles()
        {
            if p.instance_profile_name().starts_with("btsync") {
                left.push(format!("instance profile {}", p.instance_profile_name()));
            }
        }
        let lambda = aws_sdk_lambda::Client::new(&config);
        for f in lambda.list_functions().send().await.unwrap().functions() {
            left.push(format!(
                "function {}",
                f.function_name().unwrap_or_default()
            ));
        }
        let sqs = aws_sdk_sqs::Client::new(&config);
        for q in sqs.list_queues().send().await.unwrap().queue_urls() {
            left.push(format!("queue {q}"));
        }
        let events = aws_sdk_eventbridge::Client::new(&config);
        for r in events.list_rules().send().await.unwrap().rules() {
            left.push(format!("rule {}", r.name().unwrap_or_default()));
        }
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        for b in s3.list_buckets().send().await.unwrap().buckets() {
            left.push(format!("bucket {}", b.name().unwrap_or_default()));
        }
        left
    })
}

/// A copy of the example stack (with its lambda/ source) in a directory named like
/// it, so the stack name (and so the state file and tags) stay `cron-btsync`.
pub fn copy_example_stack(into: &Path) -> PathBuf {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap();
            if path.is_dir() && name != ".build" {
                copy_dir(&path, &to.join(name));
            } else if path.is_file() {
                std::fs::copy(&path, to.join(name)).unwrap();
            }
        }
    }
    let dest = into.join("cron-btsync");
    copy_dir(&repo_root().join("stacks/cron-btsync"), &dest);
    dest
}
