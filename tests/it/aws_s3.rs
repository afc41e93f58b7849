//! The S3 types against moto: aws_s3_bucket, aws_s3_bucket_versioning,
//! aws_s3_bucket_server_side_encryption_configuration, aws_s3_bucket_public_access_block
//! aws_s3_bucket_policy, aws_s3_bucket_lifecycle_configuration and aws_s3_object; and a stack of buckets through the real binary.

use crate::common;
use crate::common::{
    block, local_state, meta, ok, plan_new, replan, string_map as tags, write_stack, Moto,
};
use recon::aws::s3::bucket::{self, S3Bucket};
use recon::aws::s3::bucket_acl::{self, S3BucketAcl};
use recon::aws::s3::bucket_lifecycle_configuration::{self, S3BucketLifecycleConfiguration};
use recon::aws::s3::bucket_policy::{self, S3BucketPolicy};
use recon::aws::s3::bucket_public_access_block::{self, S3BucketPublicAccessBlock};
use recon::aws::s3::bucket_server_side_encryption_configuration::{
    self as sse, S3BucketServerSideEncryptionConfiguration,
};
use recon::aws::s3::bucket_versioning::{self, S3BucketVersioning};
use recon::aws::s3::object::S3Object;
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};

async fn aws_tags(clients: &Clients, name: &str) -> Vec<(String, String)> {
    let out = clients
        .s3
        .get_bucket_tagging()
        .bucket(name)
        .send()
        .await
        .unwrap();
    common::sorted_pairs(out.tag_set().iter().map(|t| (t.key(), t.value())))
}

async fn bucket_exists(clients: &Clients, name: &str) -> bool {
    clients.s3.head_bucket().bucket(name).send().await.is_ok()
}

/// A bucket made straight through the SDK, for the configuration types.
async fn make_bucket(clients: &Clients, name: &str) {
    clients
        .s3
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .unwrap();
}

async fn put_object(clients: &Clients, bucket: &str, key: &str, body: &str) {
    clients
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
}

/// The versioning status S3 reports. moto 5.2.5 misnames the root element of this
/// answer, which the SDK refuses to parse: then read the status from the body.
async fn versioning_status(clients: &Clients, bucket: &str) -> Option<String> {
    match clients
        .s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out.status().map(|s| s.as_str().to_string()),
        Err(err) => {
            let body = err
                .raw_response()
                .and_then(|r| r.body().bytes())
                .expect("a response body");
            let text = std::str::from_utf8(body).unwrap();
            assert!(text.contains("<GetBucketVersioningResponse"), "{text}");
            let start = text.find("<Status>")? + "<Status>".len();
            Some(text[start..start + text[start..].find("</Status>")?].to_string())
        }
    }
}

async fn version_count(clients: &Clients, bucket: &str) -> usize {
    let out = clients
        .s3
        .list_object_versions()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.versions().len() + out.delete_markers().len()
}

#[test]
fn bucket_create_read_update_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let buckets = S3Bucket::new(&clients);
    rt.block_on(async {
        let config = object! {"bucket" => "recon-logs", "tags" => tags(&[("Env", "dev")])};
        let plan = plan_new(&bucket::SCHEMA, &config);
        assert_eq!(plan["force_destroy"], Value::Bool(false));
        assert_eq!(plan["arn"], Value::Unknown);
        let state = buckets.create(&plan, &meta("aws_s3_bucket.logs")).await.unwrap();
        assert_eq!(
            state,
            object! {
                "id" => "recon-logs",
                "arn" => "arn:aws:s3:::recon-logs",
                "bucket" => "recon-logs",
                "bucket_prefix" => Value::Null,
                "force_destroy" => false,
                "bucket_domain_name" => "recon-logs.s3.amazonaws.com",
                "bucket_regional_domain_name" => "recon-logs.s3.us-east-1.amazonaws.com",
                "hosted_zone_id" => "Z3AQBSTGFYJSTF",
                "region" => "us-east-1",
                "tags" => tags(&[("Env", "dev")]),
                "acl" => Value::Null,
                "versioning" => Value::List(vec![]),
                "server_side_encryption_configuration" => Value::List(vec![]),
            }
        );
        assert_eq!(
            aws_tags(&clients, "recon-logs").await,
            vec![
                ("Env".to_string(), "dev".to_string()),
                ("recon:address".to_string(), "aws_s3_bucket.logs".to_string()),
                ("recon:stack".to_string(), "test".to_string()),
            ]
        );
        // Re-planning the same configuration changes nothing.
        let again = replan(&bucket::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", again.changed);

        // A prefix gets a unique suffix; the prefix stays in state.
        let prefixed = buckets
            .create(
                &plan_new(&bucket::SCHEMA, &object! {"bucket_prefix" => "backup-"}),
                &meta("aws_s3_bucket.backup"),
            )
            .await
            .unwrap();
        let prefixed_name = prefixed.str("bucket").unwrap().to_string();
        assert!(prefixed_name.starts_with("backup-") && prefixed_name.len() == 33, "{prefixed_name}");
        assert_eq!(prefixed["id"], Value::from(prefixed_name.as_str()));
        assert_eq!(prefixed["bucket_prefix"], Value::from("backup-"));
        assert_eq!(prefixed["tags"], Value::Null);
        let again = replan(&bucket::SCHEMA, &object! {"bucket_prefix" => "backup-"}, &prefixed);
        assert!(again.changed.is_empty(), "{:?}", again.changed);

        // A bucket that already exists is not adopted silently.
        let err = buckets.create(&plan, &meta("aws_s3_bucket.other")).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("BucketAlreadyOwnedByYou"), "{err}");
        assert!(err.message.contains("recon import"), "{err}");
        // Names S3 would refuse are refused before any call.
        let err = buckets
            .create(&plan_new(&bucket::SCHEMA, &object! {"bucket" => "Bad_Name"}), &meta("aws_s3_bucket.bad"))
            .await
            .unwrap_err();
        assert!(err.message.contains("not a valid bucket name"), "{err}");
        assert!(!bucket_exists(&clients, "Bad_Name").await);

        // One batch: both buckets, and one that does not exist.
        let missing = object! {"id" => "recon-missing", "bucket" => "recon-missing"};
        let read = buckets.read(&[state.clone(), missing, prefixed.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(prefixed.clone())]);

        // Tags change in place; recon's own tags stay.
        let config = object! {"bucket" => "recon-logs", "tags" => tags(&[("Env", "prod"), ("Team", "ops")])};
        let change = replan(&bucket::SCHEMA, &config, &state);
        assert!(change.replace_paths.is_empty());
        let updated = buckets.update(&state, &change.after, &meta("aws_s3_bucket.logs")).await.unwrap();
        assert_eq!(updated["tags"], tags(&[("Env", "prod"), ("Team", "ops")]));
        assert_eq!(aws_tags(&clients, "recon-logs").await.len(), 4);
        // force_destroy alone is a state-only change.
        let config = object! {"bucket" => "recon-logs", "force_destroy" => true, "tags" => tags(&[("Env", "prod"), ("Team", "ops")])};
        let change = replan(&bucket::SCHEMA, &config, &updated);
        let updated = buckets.update(&updated, &change.after, &meta("aws_s3_bucket.logs")).await.unwrap();
        assert_eq!(updated["force_destroy"], Value::Bool(true));

        // A new name, or a prefix, replaces the bucket.
        let renamed = replan(&bucket::SCHEMA, &object! {"bucket" => "recon-logs-2"}, &updated);
        assert_eq!(renamed.replace_paths.len(), 1);
        assert_eq!(renamed.after["id"], Value::Unknown);

        // Import: from the name alone, everything but what only state knows.
        let imported = buckets.read(&[buckets.import_stub("recon-logs")]).await.unwrap();
        let mut expected = updated.clone();
        expected.insert("force_destroy".into(), Value::Bool(false));
        assert_eq!(imported, vec![Some(expected)]);

        // Delete; deleting again is fine; reads say gone.
        buckets.delete(&updated).await.unwrap();
        buckets.delete(&prefixed).await.unwrap();
        assert!(!bucket_exists(&clients, "recon-logs").await);
        buckets.delete(&updated).await.unwrap();
        assert_eq!(buckets.read(&[updated, prefixed]).await.unwrap(), vec![None, None]);
    });
}

/// The non-owner grants of a bucket's ACL, as (grantee URI, permission).
async fn public_grants(clients: &Clients, bucket: &str) -> Vec<(String, String)> {
    let out = clients
        .s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let mut grants: Vec<_> = out
        .grants()
        .iter()
        .filter_map(|g| {
            let uri = g.grantee()?.uri()?;
            Some((uri.to_string(), g.permission()?.as_str().to_string()))
        })
        .collect();
    grants.sort();
    grants
}

/// AWS provider v3's inline `acl`, `versioning` and `server_side_encryption_configuration`.
#[test]
fn inline_acl_versioning_and_encryption_apply_read_back_and_change() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let buckets = S3Bucket::new(&clients);
    rt.block_on(async {
        let all_users = "http://acs.amazonaws.com/groups/global/AllUsers".to_string();
        let config = object! {
            "bucket" => "recon-inline",
            "acl" => "public-read",
            "versioning" => vec![Value::Object(object! {"enabled" => true})],
            "server_side_encryption_configuration" => vec![Value::Object(object! {
                "rule" => vec![Value::Object(object! {
                    "apply_server_side_encryption_by_default" => vec![Value::Object(object! {"sse_algorithm" => "AES256"})],
                })],
            })],
        };
        let plan = plan_new(&bucket::SCHEMA, &config);
        let state = buckets.create(&plan, &meta("aws_s3_bucket.b")).await.unwrap();
        assert_eq!(public_grants(&clients, "recon-inline").await, vec![(all_users.clone(), "READ".to_string())]);
        assert_eq!(versioning_status(&clients, "recon-inline").await.as_deref(), Some("Enabled"));
        let got = clients.s3.get_bucket_encryption().bucket("recon-inline").send().await.unwrap();
        let rule = &got.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");
        assert_eq!(state["acl"], Value::from("public-read"));
        assert_eq!(state.block("versioning").unwrap()["enabled"], Value::Bool(true));
        let again = replan(&bucket::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", again.changed);

        // An ACL changed behind recon's back is read as the canned ACL it is now.
        clients.s3.put_bucket_acl().bucket("recon-inline")
            .acl(aws_sdk_s3::types::BucketCannedAcl::Private).send().await.unwrap();
        let read = buckets.read(std::slice::from_ref(&state)).await.unwrap();
        let drifted = read[0].clone().unwrap();
        assert_eq!(drifted["acl"], Value::from("private"));
        let change = replan(&bucket::SCHEMA, &config, &drifted);
        assert_eq!(common::changed(&change), vec!["acl".to_string()]);

        // Back to public-read, versioning suspended, in place.
        let config = object! {
            "bucket" => "recon-inline",
            "acl" => "public-read",
            "versioning" => vec![Value::Object(object! {"enabled" => false})],
            "server_side_encryption_configuration" => config["server_side_encryption_configuration"].clone(),
        };
        let change = replan(&bucket::SCHEMA, &config, &drifted);
        assert!(change.replace_paths.is_empty());
        let updated = buckets.update(&drifted, &change.after, &meta("aws_s3_bucket.b")).await.unwrap();
        assert_eq!(public_grants(&clients, "recon-inline").await, vec![(all_users, "READ".to_string())]);
        assert_eq!(versioning_status(&clients, "recon-inline").await.as_deref(), Some("Suspended"));
        assert!(replan(&bucket::SCHEMA, &config, &updated).changed.is_empty());

        // Refused before anything is made.
        let bad = plan_new(&bucket::SCHEMA, &object! {"bucket" => "recon-bad-acl", "acl" => "public"});
        let err = buckets.create(&bad, &meta("aws_s3_bucket.bad")).await.unwrap_err();
        assert!(err.message.contains("canned ACL"), "{err}");
        assert!(!bucket_exists(&clients, "recon-bad-acl").await);
        buckets.delete(&updated).await.unwrap();
    });
}

#[test]
fn non_empty_bucket_needs_force_destroy_which_removes_every_version() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let buckets = S3Bucket::new(&clients);
    let versioning = S3BucketVersioning::new(&clients);
    rt.block_on(async {
        let state = buckets
            .create(&plan_new(&bucket::SCHEMA, &object! {"bucket" => "recon-full"}), &meta("aws_s3_bucket.full"))
            .await
            .unwrap();
        versioning
            .create(
                &plan_new(&bucket_versioning::SCHEMA, &object! {"bucket" => "recon-full", "versioning_configuration" => block(object! {"status" => "Enabled"})}),
                &meta("aws_s3_bucket_versioning.full"),
            )
            .await
            .unwrap();
        for body in ["one", "two", "three"] {
            put_object(&clients, "recon-full", "data.txt", body).await;
        }
        put_object(&clients, "recon-full", "other.txt", "x").await;
        clients.s3.delete_object().bucket("recon-full").key("data.txt").send().await.unwrap();
        assert_eq!(version_count(&clients, "recon-full").await, 5);

        // Without force_destroy: a clear refusal, and nothing is lost.
        let err = buckets.delete(&state).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("BucketNotEmpty"));
        assert!(err.message.contains("\"recon-full\""), "{err}");
        assert!(err.message.contains("force_destroy = true"), "{err}");
        assert!(bucket_exists(&clients, "recon-full").await);
        assert_eq!(version_count(&clients, "recon-full").await, 5);

        // With it: every version and delete marker goes, then the bucket.
        let config = object! {"bucket" => "recon-full", "force_destroy" => true};
        let forced = buckets
            .update(&state, &replan(&bucket::SCHEMA, &config, &state).after, &meta("aws_s3_bucket.full"))
            .await
            .unwrap();
        buckets.delete(&forced).await.unwrap();
        assert!(!bucket_exists(&clients, "recon-full").await);

        // More objects than one listing page (1000) are all deleted too.
        let big = buckets
            .create(
                &plan_new(&bucket::SCHEMA, &object! {"bucket" => "recon-big", "force_destroy" => true}),
                &meta("aws_s3_bucket.big"),
            )
            .await
            .unwrap();
        let puts = (0..1010).map(|i| {
            let clients = &clients;
            async move { put_object(clients, "recon-big", &format!("k/{i:05}"), "x").await }
        });
        futures::stream::iter(puts)
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let listed = clients.s3.list_objects_v2().bucket("recon-big").send().await.unwrap();
        assert_eq!(listed.is_truncated(), Some(true));
        buckets.delete(&big).await.unwrap();
        assert!(!bucket_exists(&clients, "recon-big").await);
    });
}

use futures::StreamExt;

#[test]
fn versioning_enable_suspend_disable_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let versioning = S3BucketVersioning::new(&clients);
    let schema = &bucket_versioning::SCHEMA;
    rt.block_on(async {
        make_bucket(&clients, "recon-ver").await;
        make_bucket(&clients, "recon-plain").await;
        let config = object! {"bucket" => "recon-ver", "versioning_configuration" => block(object! {"status" => "Enabled"})};
        let state = versioning
            .create(&plan_new(schema, &config), &meta("aws_s3_bucket_versioning.v"))
            .await
            .unwrap();
        assert_eq!(
            state,
            object! {
                "id" => "recon-ver", "bucket" => "recon-ver", "mfa" => Value::Null,
                "versioning_configuration" => block(object! {"status" => "Enabled", "mfa_delete" => Value::Null}),
            }
        );
        assert_eq!(versioning_status(&clients, "recon-ver").await.as_deref(), Some("Enabled"));
        assert!(replan(schema, &config, &state).changed.is_empty());

        // "Disabled" adopts a never-versioned bucket as it is.
        let plain_config = object! {"bucket" => "recon-plain", "versioning_configuration" => block(object! {"status" => "Disabled", "mfa_delete" => "Disabled"})};
        let plain = versioning
            .create(&plan_new(schema, &plain_config), &meta("aws_s3_bucket_versioning.p"))
            .await
            .unwrap();
        assert_eq!(
            plain["versioning_configuration"],
            block(object! {"status" => "Disabled", "mfa_delete" => "Disabled"})
        );
        assert!(replan(schema, &plain_config, &plain).changed.is_empty());

        // Batch read with a bucket that is gone.
        let gone = object! {"id" => "recon-gone", "bucket" => "recon-gone"};
        let read = versioning.read(&[state.clone(), gone, plain.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(plain.clone())]);

        // Suspend in place; the bucket is the same.
        let config = object! {"bucket" => "recon-ver", "versioning_configuration" => block(object! {"status" => "Suspended"})};
        let change = replan(schema, &config, &state);
        assert!(change.replace_paths.is_empty());
        let suspended = versioning.update(&state, &change.after, &meta("aws_s3_bucket_versioning.v")).await.unwrap();
        assert_eq!(suspended["versioning_configuration"].as_list().unwrap()[0].get("status"), &Value::from("Suspended"));
        // A versioned bucket cannot go back to Disabled.
        let config = object! {"bucket" => "recon-ver", "versioning_configuration" => block(object! {"status" => "Disabled"})};
        let err = versioning
            .update(&suspended, &replan(schema, &config, &suspended).after, &meta("aws_s3_bucket_versioning.v"))
            .await
            .unwrap_err();
        assert!(err.message.contains("cannot be changed from \"Suspended\" to \"Disabled\""), "{err}");
        // Another bucket replaces the resource.
        let moved = object! {"bucket" => "recon-plain", "versioning_configuration" => block(object! {"status" => "Suspended"})};
        assert_eq!(replan(schema, &moved, &suspended).replace_paths.len(), 1);

        // Import by bucket name.
        let imported = versioning.read(&[versioning.import_stub("recon-ver")]).await.unwrap();
        assert_eq!(imported, vec![Some(suspended.clone())]);

        // Re-enable, then delete: versioning is suspended (it cannot be removed).
        let config = object! {"bucket" => "recon-ver", "versioning_configuration" => block(object! {"status" => "Enabled"})};
        let enabled = versioning
            .update(&suspended, &replan(schema, &config, &suspended).after, &meta("aws_s3_bucket_versioning.v"))
            .await
            .unwrap();
        versioning.delete(&enabled).await.unwrap();
        assert_eq!(versioning_status(&clients, "recon-ver").await.as_deref(), Some("Suspended"));
        // Deleting "Disabled" touches nothing; deleting on a gone bucket is fine.
        versioning.delete(&plain).await.unwrap();
        assert_eq!(versioning_status(&clients, "recon-plain").await, None);
        clients.s3.delete_bucket().bucket("recon-ver").send().await.unwrap();
        versioning.delete(&enabled).await.unwrap();
        assert_eq!(versioning.read(&[enabled]).await.unwrap(), vec![None]);
    });
}

fn sse_config(
    bucket: &str,
    algorithm: &str,
    key: Option<&str>,
    bucket_key: Option<bool>,
) -> Object {
    object! {
        "bucket" => bucket,
        "rule" => block(object! {
            "bucket_key_enabled" => bucket_key,
            "apply_server_side_encryption_by_default" => block(object! {
                "sse_algorithm" => algorithm,
                "kms_master_key_id" => key,
            }),
        }),
    }
}

#[test]
fn encryption_kms_keys_compare_by_key_and_update_in_place() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let encryption = S3BucketServerSideEncryptionConfiguration::new(&clients);
    let schema = &sse::SCHEMA;
    rt.block_on(async {
        make_bucket(&clients, "recon-enc").await;
        make_bucket(&clients, "recon-enc-2").await;
        let key = clients.kms.create_key().send().await.unwrap();
        let key = key.key_metadata().unwrap();
        let (key_id, key_arn) = (key.key_id().to_string(), key.arn().unwrap().to_string());

        // Configured with a key id: moto echoes it, AWS answers the ARN; either way
        // the state keeps the configured spelling and a re-plan is clean.
        let config = sse_config("recon-enc", "aws:kms", Some(&key_id), None);
        let state = encryption
            .create(
                &plan_new(schema, &config),
                &meta("aws_s3_bucket_server_side_encryption_configuration.e"),
            )
            .await
            .unwrap();
        assert_eq!(
            state,
            object! {
                "id" => "recon-enc", "bucket" => "recon-enc",
                "rule" => block(object! {
                    "bucket_key_enabled" => Value::Null,
                    "apply_server_side_encryption_by_default" => block(object! {
                        "sse_algorithm" => "aws:kms", "kms_master_key_id" => key_id.as_str(),
                    }),
                }),
            }
        );
        let again = replan(schema, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", again.changed);
        // The same key by ARN is no change either.
        let by_arn = sse_config("recon-enc", "aws:kms", Some(&key_arn), None);
        let mut arn_state = state.clone();
        arn_state.insert("rule".into(), by_arn["rule"].clone());
        let read = encryption.read(&[arn_state.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(arn_state)]);

        // Import: nothing to go by but the bucket, so the key is the ARN, as AWS reports it.
        let imported = encryption
            .read(&[encryption.import_stub("recon-enc")])
            .await
            .unwrap();
        let rule = imported[0].as_ref().unwrap().list("rule")[0]
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            rule.block("apply_server_side_encryption_by_default")
                .unwrap()
                .str("kms_master_key_id"),
            Some(key_arn.as_str())
        );

        // A bucket without a configuration and a missing bucket both read as gone.
        let no_config = object! {"id" => "recon-enc-2", "bucket" => "recon-enc-2"};
        let missing = object! {"id" => "recon-nope", "bucket" => "recon-nope"};
        let read = encryption
            .read(&[no_config, state.clone(), missing])
            .await
            .unwrap();
        assert_eq!(read, vec![None, Some(state.clone()), None]);

        // In place: SSE-S3 with a Bucket Key.
        let config = sse_config("recon-enc", "AES256", None, Some(true));
        let change = replan(schema, &config, &state);
        assert!(change.replace_paths.is_empty());
        assert_eq!(change.changed.len(), 1);
        let updated = encryption
            .update(
                &state,
                &change.after,
                &meta("aws_s3_bucket_server_side_encryption_configuration.e"),
            )
            .await
            .unwrap();
        assert_eq!(updated["rule"], config["rule"]);
        let out = clients
            .s3
            .get_bucket_encryption()
            .bucket("recon-enc")
            .send()
            .await
            .unwrap();
        let rule = &out.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.bucket_key_enabled(), Some(true));
        assert_eq!(
            rule.apply_server_side_encryption_by_default()
                .unwrap()
                .sse_algorithm()
                .as_str(),
            "AES256"
        );
        assert!(replan(schema, &config, &updated).changed.is_empty());
        // bucket_key_enabled = false, said explicitly, stays false.
        let config = sse_config("recon-enc", "AES256", None, Some(false));
        let updated = encryption
            .update(
                &updated,
                &replan(schema, &config, &updated).after,
                &meta("aws_s3_bucket_server_side_encryption_configuration.e"),
            )
            .await
            .unwrap();
        assert_eq!(updated["rule"], config["rule"]);
        assert!(replan(schema, &config, &updated).changed.is_empty());

        // Bad input is refused before any call.
        let bad = sse_config("recon-enc", "AES256", Some(&key_id), None);
        let err = encryption
            .update(&updated, &replan(schema, &bad, &updated).after, &meta("x"))
            .await
            .unwrap_err();
        assert!(
            err.message.contains("kms_master_key_id can only be set"),
            "{err}"
        );
        // Another bucket replaces the resource.
        let moved = sse_config("recon-enc-2", "AES256", None, Some(false));
        assert_eq!(replan(schema, &moved, &updated).replace_paths.len(), 1);

        encryption.delete(&updated).await.unwrap();
        assert_eq!(
            encryption
                .read(std::slice::from_ref(&updated))
                .await
                .unwrap(),
            vec![None]
        );
        encryption.delete(&updated).await.unwrap();
    });
}

#[test]
fn public_access_block_create_update_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let pab = S3BucketPublicAccessBlock::new(&clients);
    let schema = &bucket_public_access_block::SCHEMA;
    rt.block_on(async {
        make_bucket(&clients, "recon-pab").await;
        make_bucket(&clients, "recon-pab-2").await;
        let config = object! {"bucket" => "recon-pab", "block_public_acls" => true, "block_public_policy" => true, "ignore_public_acls" => true, "restrict_public_buckets" => true};
        let state = pab.create(&plan_new(schema, &config), &meta("aws_s3_bucket_public_access_block.p")).await.unwrap();
        let mut expected = config.clone();
        expected.insert("id".into(), "recon-pab".into());
        assert_eq!(state, expected);
        assert!(replan(schema, &config, &state).changed.is_empty());

        // Defaults are false.
        let partial = pab
            .create(&plan_new(schema, &object! {"bucket" => "recon-pab-2", "block_public_acls" => true}), &meta("aws_s3_bucket_public_access_block.q"))
            .await
            .unwrap();
        assert_eq!(
            partial,
            object! {"id" => "recon-pab-2", "bucket" => "recon-pab-2", "block_public_acls" => true, "block_public_policy" => false, "ignore_public_acls" => false, "restrict_public_buckets" => false}
        );

        let missing = object! {"id" => "recon-nope", "bucket" => "recon-nope"};
        let read = pab.read(&[state.clone(), missing, partial.clone()]).await.unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(partial.clone())]);

        // In place.
        let config = object! {"bucket" => "recon-pab", "block_public_acls" => true, "block_public_policy" => false};
        let change = replan(schema, &config, &state);
        assert!(change.replace_paths.is_empty());
        let updated = pab.update(&state, &change.after, &meta("aws_s3_bucket_public_access_block.p")).await.unwrap();
        let out = clients.s3.get_public_access_block().bucket("recon-pab").send().await.unwrap();
        let c = out.public_access_block_configuration().unwrap();
        assert_eq!((c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()), (Some(true), Some(false), Some(false), Some(false)));
        assert!(replan(schema, &config, &updated).changed.is_empty());
        assert_eq!(replan(schema, &object! {"bucket" => "recon-pab-2"}, &updated).replace_paths.len(), 1);

        assert_eq!(pab.read(&[pab.import_stub("recon-pab")]).await.unwrap(), vec![Some(updated.clone())]);

        pab.delete(&updated).await.unwrap();
        assert_eq!(pab.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        pab.delete(&updated).await.unwrap();
    });
}

fn policy_json(bucket: &str, action: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountRead",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": [action],
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
        }]
    })
    .to_string()
}

#[test]
fn bucket_policy_create_update_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let policies = S3BucketPolicy::new(&clients);
    let schema = &bucket_policy::SCHEMA;
    rt.block_on(async {
        make_bucket(&clients, "recon-pol").await;
        make_bucket(&clients, "recon-pol-2").await;
        let config = object! {"bucket" => "recon-pol", "policy" => policy_json("recon-pol", "s3:GetObject")};
        let state = policies.create(&plan_new(schema, &config), &meta("aws_s3_bucket_policy.p")).await.unwrap();
        assert_eq!(state["id"], Value::from("recon-pol"));
        assert_eq!(state["bucket"], Value::from("recon-pol"));
        let stored: serde_json::Value = serde_json::from_str(state.str("policy").unwrap()).unwrap();
        assert_eq!(stored["Statement"][0]["Sid"], "AccountRead");
        assert!(replan(schema, &config, &state).changed.is_empty());
        // The same document written differently (single action, other key order) is no change.
        let respelled = r#"{"Statement":[{"Resource":"arn:aws:s3:::recon-pol/*","Action":"s3:GetObject","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Effect":"Allow","Sid":"AccountRead"}],"Version":"2012-10-17"}"#;
        assert!(replan(schema, &object! {"bucket" => "recon-pol", "policy" => respelled}, &state).changed.is_empty());
        // Objects stay readable with the policy in place.
        put_object(&clients, "recon-pol", "a.txt", "x").await;
        clients.s3.get_object().bucket("recon-pol").key("a.txt").send().await.unwrap();

        let missing = object! {"id" => "recon-nope", "bucket" => "recon-nope"};
        let no_policy = object! {"id" => "recon-pol-2", "bucket" => "recon-pol-2"};
        let read = policies.read(&[missing, state.clone(), no_policy]).await.unwrap();
        assert_eq!(read, vec![None, Some(state.clone()), None]);

        let config = object! {"bucket" => "recon-pol", "policy" => policy_json("recon-pol", "s3:ListBucket")};
        let change = replan(schema, &config, &state);
        assert!(change.replace_paths.is_empty());
        let updated = policies.update(&state, &change.after, &meta("aws_s3_bucket_policy.p")).await.unwrap();
        let out = clients.s3.get_bucket_policy().bucket("recon-pol").send().await.unwrap();
        assert!(out.policy().unwrap().contains("s3:ListBucket"));
        assert!(replan(schema, &config, &updated).changed.is_empty());
        let moved = object! {"bucket" => "recon-pol-2", "policy" => policy_json("recon-pol-2", "s3:GetObject")};
        assert_eq!(replan(schema, &moved, &updated).replace_paths.len(), 1);

        assert_eq!(policies.read(&[policies.import_stub("recon-pol")]).await.unwrap(), vec![Some(updated.clone())]);

        policies.delete(&updated).await.unwrap();
        assert_eq!(policies.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        policies.delete(&updated).await.unwrap();
    });
}

const STACK: &str = r#"
resource "aws_kms_key" "backup" {
  description             = "backup bucket encryption"
  deletion_window_in_days = 7
}

resource "aws_s3_bucket" "backup" {
  bucket_prefix = "backup-"
  force_destroy = true
  tags = {
    Purpose = "backup"
  }
}

resource "aws_s3_bucket_versioning" "backup" {
  bucket = aws_s3_bucket.backup.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backup" {
  bucket = aws_s3_bucket.backup.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.backup.key_id
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "backup" {
  bucket                  = aws_s3_bucket.backup.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_policy" "backup" {
  bucket = aws_s3_bucket.backup.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountOnly"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = ["s3:GetObject", "s3:PutObject"]
      Resource  = "${aws_s3_bucket.backup.arn}/*"
    }]
  })
}

output "bucket" {
  value = aws_s3_bucket.backup.bucket
}
"#;

#[test]
fn backup_bucket_stack_applies_replans_clean_and_destroys_to_nothing() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "s3-backup", STACK);

    let plan = moto.expect_plan(cwd, &stack, "Plan: 6 to add, 0 to change, 0 to destroy.");
    assert!(
        plan.stdout
            .contains("apply_server_side_encryption_by_default {"),
        "{}",
        plan.stdout
    );

    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let name = ok(moto.run(cwd, &stack, &["output", "--raw", "bucket"]))
        .stdout
        .trim()
        .to_string();
    assert!(name.starts_with("backup-"), "{name}");
    // The tag its state records: unique to this stack, readable.
    let stack_tag = local_state(cwd, "s3-backup")["stack"]["tag"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(stack_tag.starts_with("s3-backup-"), "{stack_tag}");

    rt.block_on(async {
        let s3 = &clients.s3;
        assert_eq!(
            versioning_status(&clients, &name).await.as_deref(),
            Some("Enabled")
        );
        let enc = s3
            .get_bucket_encryption()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        let by_default = rule.apply_server_side_encryption_by_default().unwrap();
        assert_eq!(by_default.sse_algorithm().as_str(), "aws:kms");
        assert!(by_default.kms_master_key_id().is_some());
        assert_eq!(rule.bucket_key_enabled(), Some(true));
        let pab = s3
            .get_public_access_block()
            .bucket(&name)
            .send()
            .await
            .unwrap();
        let c = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            (
                c.block_public_acls(),
                c.block_public_policy(),
                c.ignore_public_acls(),
                c.restrict_public_buckets()
            ),
            (Some(true), Some(true), Some(true), Some(true))
        );
        let policy = s3.get_bucket_policy().bucket(&name).send().await.unwrap();
        assert!(policy.policy().unwrap().contains("AccountOnly"));
        let tags = aws_tags(&clients, &name).await;
        assert!(
            tags.contains(&("recon:stack".to_string(), stack_tag.clone())),
            "{tags:?}"
        );
        assert!(
            tags.contains(&("Purpose".to_string(), "backup".to_string())),
            "{tags:?}"
        );
    });

    // Re-planning right after apply finds nothing to do.
    moto.expect_no_changes(cwd, &stack);

    // Backups land in the bucket (several versions); destroying them is data loss,
    // so destroy removes it all only when allowed.
    rt.block_on(async {
        for body in ["v1", "v2"] {
            put_object(&clients, &name, "backup.tar", body).await;
        }
        assert_eq!(version_count(&clients, &name).await, 2);
    });
    ok(moto.run(
        cwd,
        &stack,
        &[
            "destroy",
            "--auto-approve",
            "--allow-data-loss",
            "aws_s3_bucket.backup",
        ],
    ));
    rt.block_on(async {
        let buckets = clients.s3.list_buckets().send().await.unwrap();
        assert!(buckets.buckets().is_empty(), "{:?}", buckets.buckets());
        for k in clients.kms.list_keys().send().await.unwrap().keys() {
            let meta = clients
                .kms
                .describe_key()
                .key_id(k.key_id().unwrap())
                .send()
                .await
                .unwrap();
            let state = meta
                .key_metadata()
                .and_then(|m| m.key_state())
                .map(|s| s.as_str().to_string());
            assert_eq!(state.as_deref(), Some("PendingDeletion"));
        }
    });
    let state = local_state(cwd, "s3-backup");
    assert_eq!(state["resources"].as_array().unwrap().len(), 0);
}

#[test]
fn find_created_finds_buckets_by_name_and_tags() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let buckets = S3Bucket::new(&clients);
        let with_token = |address: &str, token: &str| Meta { token: Some(token.into()), ..meta(address) };
        let ours = with_token("aws_s3_bucket.b", "tok-bucket");

        // Found by name when its tags say ours; another address's or token's is not.
        let plan = plan_new(&bucket::SCHEMA, &object! {"bucket" => "found-bucket"});
        let created = buckets.create(&plan, &ours).await.unwrap();
        match buckets.find_created(&plan, &ours).await.unwrap() {
            Created::Found(found) => assert_eq!(found, created),
            other => panic!("expected Found, got {other:?}"),
        }
        for other in [with_token("aws_s3_bucket.other", "tok-bucket"), with_token("aws_s3_bucket.b", "tok-2")] {
            let answer = buckets.find_created(&plan, &other).await.unwrap();
            assert!(matches!(&answer, Created::NotOurs { id } if id == "found-bucket"), "{answer:?}");
        }
        let free = plan_new(&bucket::SCHEMA, &object! {"bucket" => "free-bucket"});
        assert!(matches!(buckets.find_created(&free, &ours).await.unwrap(), Created::Absent));
        assert_eq!(buckets.create(&plan, &ours).await.unwrap(), created, "a retried create adopts its own");

        // A configured name with no recon tags (a create killed before it tagged, or
        // a bucket made by hand) cannot be told apart: not ours, import it.
        make_bucket(&clients, "bare-bucket").await;
        let bare = plan_new(&bucket::SCHEMA, &object! {"bucket" => "bare-bucket"});
        let answer = buckets.find_created(&bare, &ours).await.unwrap();
        assert!(matches!(&answer, Created::NotOurs { id } if id == "bare-bucket"), "{answer:?}");
        let err = buckets.create(&bare, &ours).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("BucketAlreadyOwnedByYou"), "{err}");
        assert!(err.message.contains("recon did not create it for aws_s3_bucket.b"), "{err}");
        assert!(err.message.contains("recon import aws_s3_bucket.b bare-bucket"), "{err}");

        // A generated name comes from the token: such a bucket is ours even before it
        // was tagged, and finding it tags it.
        let prefixed = plan_new(&bucket::SCHEMA, &object! {"bucket_prefix" => "gen-", "tags" => tags(&[("team", "ops")])});
        let generated = buckets.create(&prefixed, &ours).await.unwrap();
        match buckets.find_created(&prefixed, &ours).await.unwrap() {
            Created::Found(found) => assert_eq!(found, generated),
            other => panic!("expected Found, got {other:?}"),
        }
        // Another token's generated name is another name: nothing there.
        let lost = with_token("aws_s3_bucket.lost", "tok-lost");
        assert!(matches!(buckets.find_created(&prefixed, &lost).await.unwrap(), Created::Absent));
        // What CreateBucket alone leaves (its answer lost, or killed before tagging):
        // an untagged bucket of the token's name, found and tagged.
        let made = buckets.create(&prefixed, &lost).await.unwrap();
        let lost_name = made.str("bucket").unwrap().to_string();
        clients.s3.delete_bucket_tagging().bucket(&lost_name).send().await.unwrap();
        match buckets.find_created(&prefixed, &lost).await.unwrap() {
            Created::Found(found) => {
                assert_eq!(found.str("bucket"), Some(lost_name.as_str()));
                assert_eq!(found["tags"], tags(&[("team", "ops")]));
            }
            other => panic!("expected Found, got {other:?}"),
        }
        let on_aws = aws_tags(&clients, &lost_name).await;
        assert!(on_aws.contains(&("recon:token".into(), "tok-lost".into())), "{on_aws:?}");
        assert!(matches!(buckets.find_created(&prefixed, &meta("aws_s3_bucket.b")).await.unwrap(), Created::Unknowable));

        // The configuration types are idempotent puts: nothing to look for.
        let versioning = S3BucketVersioning::new(&clients);
        let plan = plan_new(&bucket_versioning::SCHEMA, &object! {"bucket" => "found-bucket", "versioning_configuration" => block(object! {"status" => "Enabled"})});
        assert!(matches!(versioning.find_created(&plan, &ours).await.unwrap(), Created::Absent));
    });
}

/// aws_s3_bucket_acl: a canned ACL put, read back from the grants, changed in place.
#[test]
fn bucket_acl_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let acls = S3BucketAcl::new(&clients);
    rt.block_on(async {
        make_bucket(&clients, "recon-acl").await;
        let all_users = "http://acs.amazonaws.com/groups/global/AllUsers".to_string();
        let config = object! {"bucket" => "recon-acl", "acl" => "public-read"};
        let state = acls
            .create(
                &plan_new(&bucket_acl::SCHEMA, &config),
                &meta("aws_s3_bucket_acl.a"),
            )
            .await
            .unwrap();
        assert_eq!(
            state,
            object! {"id" => "recon-acl", "bucket" => "recon-acl", "acl" => "public-read"}
        );
        assert_eq!(
            public_grants(&clients, "recon-acl").await,
            vec![(all_users, "READ".to_string())]
        );
        assert!(replan(&bucket_acl::SCHEMA, &config, &state)
            .changed
            .is_empty());

        let private = object! {"bucket" => "recon-acl", "acl" => "private"};
        let change = replan(&bucket_acl::SCHEMA, &private, &state);
        assert!(change.replace_paths.is_empty());
        let updated = acls
            .update(&state, &change.after, &meta("aws_s3_bucket_acl.a"))
            .await
            .unwrap();
        assert_eq!(updated.str("acl"), Some("private"));
        assert!(public_grants(&clients, "recon-acl").await.is_empty());

        // Changed outside recon: read as drift.
        clients
            .s3
            .put_bucket_acl()
            .bucket("recon-acl")
            .acl(aws_sdk_s3::types::BucketCannedAcl::AuthenticatedRead)
            .send()
            .await
            .unwrap();
        let read = acls.read(std::slice::from_ref(&updated)).await.unwrap();
        assert_eq!(
            read[0].as_ref().and_then(|s| s.str("acl")),
            Some("authenticated-read")
        );

        let bad = plan_new(
            &bucket_acl::SCHEMA,
            &object! {"bucket" => "recon-acl", "acl" => "everyone"},
        );
        let err = acls
            .create(&bad, &meta("aws_s3_bucket_acl.bad"))
            .await
            .unwrap_err();
        assert!(err.message.contains("canned ACL"), "{err}");
        // Destroying it leaves the bucket's ACL (as Terraform does); a gone bucket reads as gone.
        acls.delete(&updated).await.unwrap();
        clients
            .s3
            .delete_bucket()
            .bucket("recon-acl")
            .send()
            .await
            .unwrap();
        assert_eq!(acls.read(&[updated]).await.unwrap(), vec![None]);
    });
}

/// `md5sum` of `{"debug":false}`.
const MD5_DEBUG_FALSE: &str = "3058520dbc0dc09a05976b2730d36a23";

async fn object_versions(clients: &Clients, bucket: &str, key: &str) -> usize {
    let out = clients
        .s3
        .list_object_versions()
        .bucket(bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    out.versions().len() + out.delete_markers().len()
}

/// aws_s3_object: uploaded from content or a file, read back (ETag, type, tags
/// without recon's), tags changed without a new upload, content changed by one,
/// imported as bucket/key, found again by token, and every version deleted.
#[test]
fn object_upload_read_update_import_lost_create_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        make_bucket(&clients, "objects").await;
        let versioning = aws_sdk_s3::types::VersioningConfiguration::builder()
            .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
            .build();
        clients
            .s3
            .put_bucket_versioning()
            .bucket("objects")
            .versioning_configuration(versioning)
            .send()
            .await
            .unwrap();
        let objects = S3Object::new(&clients);
        let schema = objects.schema();
        let config = object! {
            "bucket" => "objects",
            "key" => "conf/app.json",
            "content" => "{\"debug\":false}",
            "content_type" => "application/json",
            "tags" => tags(&[("team", "ops")]),
        };
        let meta = Meta {
            token: Some("tok-object".into()),
            ..meta("aws_s3_object.app")
        };
        let created = objects
            .create(&plan_new(schema, &config), &meta)
            .await
            .unwrap();
        assert_eq!(created.str("id"), Some("conf/app.json"));
        assert_eq!(
            created.str("arn"),
            Some("arn:aws:s3:::objects/conf/app.json")
        );
        // A plain upload's ETag is the MD5 of its bytes.
        assert_eq!(created.str("etag"), Some(MD5_DEBUG_FALSE));
        assert_eq!(created.str("content_type"), Some("application/json"));
        assert_eq!(created.get("tags"), Some(&tags(&[("team", "ops")])));
        let first_version = created.str("version_id").unwrap().to_string();
        assert!(replan(schema, &config, &created).changed.is_empty());

        // Import as bucket/key, and a lost create, find it.
        let stub = objects.import_stub("objects/conf/app.json");
        let imported = objects.read(&[stub]).await.unwrap()[0].clone().unwrap();
        assert_eq!(imported.str("etag"), created.str("etag"));
        assert_eq!(imported.str("version_id"), Some(first_version.as_str()));
        match objects
            .find_created(&plan_new(schema, &config), &meta)
            .await
            .unwrap()
        {
            Created::Found(found) => assert_eq!(found, created),
            other => panic!("expected Found, got {other:?}"),
        }

        // Tags change in place: no new version.
        let mut retagged = config.clone();
        retagged.insert("tags".into(), tags(&[("team", "data")]));
        let plan = replan(schema, &retagged, &created);
        let updated = objects.update(&created, &plan.after, &meta).await.unwrap();
        assert_eq!(updated.get("tags"), Some(&tags(&[("team", "data")])));
        assert_eq!(updated.str("version_id"), Some(first_version.as_str()));

        // New content is a new upload (a new version), not a replacement.
        let mut rewritten = retagged.clone();
        rewritten.insert("content".into(), Value::from("{\"debug\":true}"));
        let plan = replan(schema, &rewritten, &updated);
        assert!(plan.replace_paths.is_empty());
        let uploaded = objects.update(&updated, &plan.after, &meta).await.unwrap();
        assert_ne!(uploaded.str("version_id"), Some(first_version.as_str()));
        assert_ne!(uploaded.str("etag"), updated.str("etag"));
        assert!(replan(schema, &rewritten, &uploaded).changed.is_empty());
        assert_eq!(
            object_versions(&clients, "objects", "conf/app.json").await,
            2
        );

        // Two sources at once are refused before anything is sent.
        let mut both = config.clone();
        both.insert("source".into(), Value::from("app.json"));
        let err = objects
            .create(&plan_new(schema, &both), &meta)
            .await
            .unwrap_err();
        assert!(err.message.contains("only one of source, content"), "{err}");

        // Delete takes every version; deleting again is fine.
        objects.delete(&uploaded).await.unwrap();
        assert_eq!(
            object_versions(&clients, "objects", "conf/app.json").await,
            0
        );
        assert_eq!(
            objects.read(std::slice::from_ref(&uploaded)).await.unwrap(),
            vec![None]
        );
        objects.delete(&uploaded).await.unwrap();
    });
}

fn blocks(items: Vec<Object>) -> Value {
    Value::List(items.into_iter().map(Value::Object).collect())
}

/// aws_s3_bucket_lifecycle_configuration: rules with tag, and-filters, an empty
/// `filter {}`, transitions, expirations by days and by date, noncurrent versions
/// and aborted uploads; read back equal, changed in place, imported, drift (taken
/// away outside), deleted.
#[test]
fn lifecycle_configuration_create_update_import_delete() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        make_bucket(&clients, "recon-lifecycle").await;
        let lifecycle = S3BucketLifecycleConfiguration::new(&clients);
        let schema = &bucket_lifecycle_configuration::SCHEMA;
        let archive = object! {
            "id" => "archive",
            "status" => "Enabled",
            "filter" => blocks(vec![object! {"tag" => blocks(vec![object! {"key" => "Name", "value" => "Staging"}])}]),
            "transition" => blocks(vec![
                object! {"days" => 30, "storage_class" => "STANDARD_IA"},
                object! {"days" => 90, "storage_class" => "GLACIER"},
            ]),
        };
        let logs = object! {
            "id" => "logs",
            "status" => "Enabled",
            "filter" => blocks(vec![object! {"and" => blocks(vec![object! {
                "prefix" => "logs/",
                "tags" => tags(&[("rotate", "true"), ("team", "ops")]),
            }])}]),
            "expiration" => blocks(vec![object! {"days" => 365}]),
            "noncurrent_version_expiration" => blocks(vec![object! {"noncurrent_days" => 30}]),
            "abort_incomplete_multipart_upload" => blocks(vec![object! {"days_after_initiation" => 7}]),
        };
        let all = object! {
            "id" => "all",
            "status" => "Disabled",
            "filter" => blocks(vec![Object::new()]),
            "expiration" => blocks(vec![object! {"date" => "2030-01-01T00:00:00Z"}]),
        };
        let config = object! {
            "bucket" => "recon-lifecycle",
            "rule" => blocks(vec![archive.clone(), logs.clone(), all.clone()]),
        };
        let meta = meta("aws_s3_bucket_lifecycle_configuration.l");
        let created = lifecycle.create(&plan_new(schema, &config), &meta).await.unwrap();
        assert_eq!(created.str("id"), Some("recon-lifecycle"));
        assert_eq!(created.list("rule").len(), 3);
        let plan = replan(schema, &config, &created);
        assert!(plan.changed.is_empty(), "{:?}", plan.changed);
        let out = clients
            .s3
            .get_bucket_lifecycle_configuration()
            .bucket("recon-lifecycle")
            .send()
            .await
            .unwrap();
        let rules = out.rules();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].transitions().len(), 2);
        assert_eq!(
            rules[1].filter().and_then(|f| f.and()).and_then(|a| a.prefix()),
            Some("logs/")
        );
        assert_eq!(rules[2].status().as_str(), "Disabled");

        // Imported by bucket, it reads back the same.
        let imported = lifecycle.read(&[lifecycle.import_stub("recon-lifecycle")]).await.unwrap();
        assert_eq!(imported[0].as_ref().map(|s| s.list("rule").len()), Some(3));

        // A changed rule is put again in place.
        let mut longer = logs.clone();
        longer.insert("expiration".into(), blocks(vec![object! {"days" => 730}]));
        let changed_config = object! {
            "bucket" => "recon-lifecycle",
            "rule" => blocks(vec![archive, longer]),
        };
        let plan = replan(schema, &changed_config, &created);
        assert!(plan.replace_paths.is_empty());
        let updated = lifecycle.update(&created, &plan.after, &meta).await.unwrap();
        assert!(replan(schema, &changed_config, &updated).changed.is_empty());
        let out = clients
            .s3
            .get_bucket_lifecycle_configuration()
            .bucket("recon-lifecycle")
            .send()
            .await
            .unwrap();
        assert_eq!(out.rules().len(), 2);
        assert_eq!(out.rules()[1].expiration().and_then(|e| e.days()), Some(730));

        // A bad date is refused before anything is sent.
        let mut bad = all.clone();
        bad.insert("expiration".into(), blocks(vec![object! {"date" => "2030-01-01"}]));
        let bad_config = object! {"bucket" => "recon-lifecycle", "rule" => blocks(vec![bad])};
        let err = lifecycle.update(&updated, &plan_new(schema, &bad_config), &meta).await.unwrap_err();
        assert!(err.message.contains("not an RFC 3339 date"), "{err}");

        // Taken away outside: gone from the next read.
        clients.s3.delete_bucket_lifecycle().bucket("recon-lifecycle").send().await.unwrap();
        assert_eq!(lifecycle.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        lifecycle.delete(&updated).await.unwrap();
    });
}
