//! aws_sqs_queue against moto: a KMS-encrypted standard queue (a Lambda's
//! dead-letter queue), FIFO queues, import, a stack through the real binary, and
//! the queue documents managed apart (aws_sqs_queue_policy, _redrive_policy,
//! _redrive_allow_policy).

use crate::common;
use crate::common::{
    changed, local_state, meta, ok, plan_new, refusal, replaced, replan, string_map as tags,
    write_stack, Moto,
};
use aws_sdk_sqs::types::QueueAttributeName;
use recon::aws::sqs::queue::{self, SqsQueue};
use recon::aws::sqs::queue_attribute::QueueAttribute;
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};

const ACCOUNT: &str = "123456789012";

fn url(moto: &Moto, name: &str) -> String {
    format!("{}/{ACCOUNT}/{name}", moto.endpoint)
}

fn arn(name: &str) -> String {
    format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}")
}

async fn kms_key(clients: &Clients) -> String {
    let out = clients.kms.create_key().send().await.unwrap();
    out.key_metadata().unwrap().arn().unwrap().to_string()
}

async fn aws_tags(clients: &Clients, url: &str) -> Vec<(String, String)> {
    let out = clients
        .sqs
        .list_queue_tags()
        .queue_url(url)
        .send()
        .await
        .unwrap();
    common::sorted_pairs(
        out.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

async fn queue_names(clients: &Clients) -> Vec<String> {
    let out = clients.sqs.list_queues().send().await.unwrap();
    let mut names: Vec<String> = out
        .queue_urls()
        .iter()
        .map(|u| u.rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn queue_policy(queue_arn: &str, sid: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn
        }]
    })
    .to_string()
}

fn json(v: &Value) -> serde_json::Value {
    serde_json::from_str(v.as_str().expect("a JSON string")).expect("valid JSON")
}

#[test]
fn encrypted_queue_create_read_update_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let queues = SqsQueue::new(&clients);
    rt.block_on(async {
        let key = kms_key(&clients).await;
        let config = object! {
            "name" => "recon-jobs-dlq",
            "kms_master_key_id" => key.as_str(),
            "kms_data_key_reuse_period_seconds" => 600,
            "delay_seconds" => 5,
            "max_message_size" => 2048,
            "message_retention_seconds" => 1_209_600,
            "receive_wait_time_seconds" => 10,
            "visibility_timeout_seconds" => 60,
            "tags" => tags(&[("Env", "dev")]),
        };
        let plan = plan_new(&queue::SCHEMA, &config);
        assert_eq!(plan["sqs_managed_sse_enabled"], Value::Unknown);
        assert_eq!(plan["fifo_queue"], Value::Bool(false));
        let dlq_url = url(&moto, "recon-jobs-dlq");
        let state = queues
            .create(&plan, &meta("aws_sqs_queue.dlq"))
            .await
            .unwrap();
        assert_eq!(
            state,
            object! {
                "id" => dlq_url.as_str(),
                "arn" => arn("recon-jobs-dlq"),
                "url" => dlq_url.as_str(),
                "name" => "recon-jobs-dlq",
                "name_prefix" => Value::Null,
                "fifo_queue" => false,
                "content_based_deduplication" => false,
                "deduplication_scope" => Value::Null,
                "fifo_throughput_limit" => Value::Null,
                "delay_seconds" => 5,
                "max_message_size" => 2048,
                "message_retention_seconds" => 1_209_600,
                "receive_wait_time_seconds" => 10,
                "visibility_timeout_seconds" => 60,
                "policy" => Value::Null,
                "redrive_policy" => Value::Null,
                "redrive_allow_policy" => Value::Null,
                "kms_master_key_id" => key.as_str(),
                "kms_data_key_reuse_period_seconds" => 600,
                // moto 5.2.5 keeps SSE-SQS on beside a KMS key (AWS reports false).
                "sqs_managed_sse_enabled" => true,
                "tags" => tags(&[("Env", "dev")]),
            }
        );
        assert_eq!(
            aws_tags(&clients, &dlq_url).await,
            vec![
                ("Env".to_string(), "dev".to_string()),
                ("recon:address".to_string(), "aws_sqs_queue.dlq".to_string()),
                ("recon:stack".to_string(), "test".to_string()),
            ]
        );
        let again = replan(&queue::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // All defaults, generated name: what Terraform stores for a bare queue.
        let bare = queues
            .create(
                &plan_new(&queue::SCHEMA, &object! {}),
                &meta("aws_sqs_queue.bare"),
            )
            .await
            .unwrap();
        let bare_name = bare.str("name").unwrap().to_string();
        assert!(
            bare_name.starts_with("recon-") && bare_name.len() == 32,
            "{bare_name}"
        );
        assert_eq!(bare["id"], Value::from(url(&moto, &bare_name)));
        for (k, v) in [
            ("delay_seconds", 0),
            ("max_message_size", 262_144),
            ("message_retention_seconds", 345_600),
            ("receive_wait_time_seconds", 0),
            ("visibility_timeout_seconds", 30),
            ("kms_data_key_reuse_period_seconds", 300),
        ] {
            assert_eq!(bare[k], Value::from(v), "{k}");
        }
        assert_eq!(bare["sqs_managed_sse_enabled"], Value::Bool(true));
        assert_eq!(bare["kms_master_key_id"], Value::Null);
        assert_eq!(bare["policy"], Value::Null);
        assert_eq!(bare["tags"], Value::Null);
        let again = replan(&queue::SCHEMA, &object! {}, &bare);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // A queue that exists already is not adopted by a create elsewhere.
        let err = queues
            .create(&plan, &meta("aws_sqs_queue.other"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("QueueAlreadyExists"), "{err}");
        assert!(
            err.message.contains("recon import aws_sqs_queue.other"),
            "{err}"
        );
        // The same create tried again (e.g. after a crash) finds its own queue.
        let retried = queues
            .create(&plan, &meta("aws_sqs_queue.dlq"))
            .await
            .unwrap();
        assert_eq!(retried, state);

        // One batch: both queues and one that does not exist.
        let missing = object! {"id" => url(&moto, "recon-missing")};
        let read = queues
            .read(&[state.clone(), missing, bare.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(bare.clone())]);

        // In place: visibility timeout, a policy, the bare queue as dead-letter
        // target, tags. moto 5.2.5 drops a queue's policy on any SetQueueAttributes
        // that does not carry one, so the policy changes in the same step.
        let policy = queue_policy(&arn("recon-jobs-dlq"), "FromEvents");
        let redrive = serde_json::json!({
            "deadLetterTargetArn": bare.str("arn").unwrap(),
            "maxReceiveCount": 4
        })
        .to_string();
        let mut config = config.clone();
        config.extend(object! {
            "visibility_timeout_seconds" => 120,
            "policy" => policy.as_str(),
            "redrive_policy" => redrive.as_str(),
            "tags" => tags(&[("Env", "prod"), ("Team", "ops")]),
        });
        let change = replan(&queue::SCHEMA, &config, &state);
        assert!(change.replace_paths.is_empty(), "{:?}", replaced(&change));
        assert_eq!(
            changed(&change),
            [
                "visibility_timeout_seconds",
                "policy",
                "redrive_policy",
                "tags"
            ]
        );
        let updated = queues
            .update(&state, &change.after, &meta("aws_sqs_queue.dlq"))
            .await
            .unwrap();
        assert_eq!(updated["visibility_timeout_seconds"], Value::from(120));
        assert_eq!(updated["delay_seconds"], Value::from(5));
        assert_eq!(
            json(&updated["policy"]),
            serde_json::from_str::<serde_json::Value>(&policy).unwrap()
        );
        assert_eq!(json(&updated["redrive_policy"])["maxReceiveCount"], 4);
        assert_eq!(updated["tags"], tags(&[("Env", "prod"), ("Team", "ops")]));
        assert_eq!(aws_tags(&clients, &dlq_url).await.len(), 4);
        let again = replan(&queue::SCHEMA, &config, &updated);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // A new policy alone; a tag removed.
        let policy = queue_policy(&arn("recon-jobs-dlq"), "FromRules");
        config.insert("policy".into(), Value::from(policy.as_str()));
        config.insert("tags".into(), tags(&[("Env", "prod")]));
        let change = replan(&queue::SCHEMA, &config, &updated);
        assert_eq!(changed(&change), ["policy", "tags"]);
        let updated = queues
            .update(&updated, &change.after, &meta("aws_sqs_queue.dlq"))
            .await
            .unwrap();
        assert_eq!(json(&updated["policy"])["Statement"][0]["Sid"], "FromRules");
        assert_eq!(json(&updated["redrive_policy"])["maxReceiveCount"], 4);
        assert_eq!(updated["tags"], tags(&[("Env", "prod")]));
        assert_eq!(aws_tags(&clients, &dlq_url).await.len(), 3);

        // A new name or a switch to FIFO replaces the queue.
        let mut renamed = config.clone();
        renamed.insert("name".into(), Value::from("recon-jobs-dlq-2"));
        assert_eq!(
            replaced(&replan(&queue::SCHEMA, &renamed, &updated)),
            ["name"]
        );
        let mut fifo = config.clone();
        fifo.insert("fifo_queue".into(), Value::Bool(true));
        assert_eq!(
            replaced(&replan(&queue::SCHEMA, &fifo, &updated)),
            ["fifo_queue"]
        );

        // Import by URL, and by bare name: everything AWS reports.
        let by_url = queues.read(&[queues.import_stub(&dlq_url)]).await.unwrap();
        assert_eq!(by_url, vec![Some(updated.clone())]);
        let by_name = queues
            .read(&[queues.import_stub("recon-jobs-dlq")])
            .await
            .unwrap();
        assert_eq!(by_name, vec![Some(updated.clone())]);
        let again = replan(&queue::SCHEMA, &config, by_url[0].as_ref().unwrap());
        assert!(again.changed.is_empty(), "{:?}", changed(&again));
        assert_eq!(
            queues
                .read(&[queues.import_stub("recon-nothing")])
                .await
                .unwrap(),
            vec![None]
        );

        // Delete; again is fine; reads say gone.
        queues.delete(&updated).await.unwrap();
        queues.delete(&bare).await.unwrap();
        queues.delete(&updated).await.unwrap();
        assert!(queue_names(&clients).await.is_empty());
        assert_eq!(
            queues.read(&[updated, bare]).await.unwrap(),
            vec![None, None]
        );
    });
}

#[test]
fn fifo_queues_and_refused_settings() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let queues = SqsQueue::new(&clients);
    rt.block_on(async {
        let config = object! {
            "name" => "recon-orders.fifo",
            "fifo_queue" => true,
            "content_based_deduplication" => true,
            "deduplication_scope" => "messageGroup",
            "fifo_throughput_limit" => "perMessageGroupId",
            "sqs_managed_sse_enabled" => true,
        };
        let orders = queues
            .create(&plan_new(&queue::SCHEMA, &config), &meta("aws_sqs_queue.orders"))
            .await
            .unwrap();
        assert_eq!(orders["id"], Value::from(url(&moto, "recon-orders.fifo")));
        assert_eq!(orders["arn"], Value::from(arn("recon-orders.fifo")));
        assert_eq!(orders["fifo_queue"], Value::Bool(true));
        assert_eq!(orders["content_based_deduplication"], Value::Bool(true));
        assert_eq!(orders["deduplication_scope"], Value::from("messageGroup"));
        assert_eq!(orders["fifo_throughput_limit"], Value::from("perMessageGroupId"));
        assert_eq!(orders["sqs_managed_sse_enabled"], Value::Bool(true));
        let again = replan(&queue::SCHEMA, &config, &orders);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Content-based deduplication off, in place.
        let mut off = config.clone();
        off.insert("content_based_deduplication".into(), Value::Bool(false));
        let change = replan(&queue::SCHEMA, &off, &orders);
        assert_eq!(changed(&change), ["content_based_deduplication"]);
        assert!(change.replace_paths.is_empty());
        let orders = queues
            .update(&orders, &change.after, &meta("aws_sqs_queue.orders"))
            .await
            .unwrap();
        assert_eq!(orders["content_based_deduplication"], Value::Bool(false));

        // A prefix gets a unique middle and the .fifo suffix; AWS's FIFO defaults.
        let prefixed_config = object! {"name_prefix" => "events-", "fifo_queue" => true};
        let prefixed = queues
            .create(
                &plan_new(&queue::SCHEMA, &prefixed_config),
                &meta("aws_sqs_queue.events"),
            )
            .await
            .unwrap();
        let name = prefixed.str("name").unwrap();
        assert!(name.starts_with("events-") && name.ends_with(".fifo"), "{name}");
        assert_eq!(prefixed["name_prefix"], Value::from("events-"));
        assert_eq!(prefixed["deduplication_scope"], Value::from("queue"));
        assert_eq!(prefixed["fifo_throughput_limit"], Value::from("perQueue"));
        assert_eq!(prefixed["content_based_deduplication"], Value::Bool(false));
        let again = replan(&queue::SCHEMA, &prefixed_config, &prefixed);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Refused before any call, with a message that says why.
        let refuse = |config: Object| {
            let queues = &queues;
            async move { refusal(queues, &config, "aws_sqs_queue.bad").await }
        };
        let msg = refuse(object! {"name" => "recon-orders", "fifo_queue" => true}).await;
        assert!(msg.contains("invalid queue name \"recon-orders\"") && msg.contains("must end in \".fifo\""), "{msg}");
        let msg = refuse(object! {"name" => "recon-orders.fifo"}).await;
        assert!(msg.contains("needs fifo_queue = true"), "{msg}");
        let msg = refuse(object! {"name" => "recon-std", "content_based_deduplication" => true}).await;
        assert!(msg.contains("only be set for a FIFO queue"), "{msg}");
        let msg = refuse(object! {"name" => "recon-std", "delay_seconds" => 901}).await;
        assert!(msg.contains("delay_seconds: must be a whole number from 0 to 900"), "{msg}");
        let msg = refuse(object! {"name" => "recon-std", "kms_master_key_id" => "alias/aws/sqs", "sqs_managed_sse_enabled" => true}).await;
        assert!(msg.contains("cannot both be set"), "{msg}");
        let msg = refuse(object! {"name" => "recon-std", "name_prefix" => "p-"}).await;
        assert!(msg.contains("cannot both be set"), "{msg}");
        let mut names = queue_names(&clients).await;
        names.retain(|n| !n.starts_with("events-"));
        assert_eq!(names, ["recon-orders.fifo"]);

        queues.delete(&orders).await.unwrap();
        queues.delete(&prefixed).await.unwrap();
        assert_eq!(queues.read(&[orders, prefixed]).await.unwrap(), vec![None, None]);
    });
}

const STACK: &str = r#"
resource "aws_kms_key" "dlq" {
  description             = "dead letters of the worker function"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_sqs_queue" "dlq" {
  name                              = "worker-dlq"
  kms_master_key_id                 = aws_kms_key.dlq.arn
  kms_data_key_reuse_period_seconds = 600
  message_retention_seconds         = 1209600
  tags = {
    Purpose = "dead-letters"
  }
}

output "dlq_url" {
  value = aws_sqs_queue.dlq.url
}
"#;

#[test]
fn dead_letter_queue_stack_applies_replans_clean_and_destroys() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "dlq", STACK);

    moto.expect_plan(cwd, &stack, "Plan: 2 to add, 0 to change, 0 to destroy.");
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let dlq_url = ok(moto.run(cwd, &stack, &["output", "--raw", "dlq_url"]))
        .stdout
        .trim()
        .to_string();
    assert_eq!(dlq_url, url(&moto, "worker-dlq"));
    let stack_tag = local_state(cwd, "dlq")["stack"]["tag"]
        .as_str()
        .unwrap()
        .to_string();
    rt.block_on(async {
        let out = clients
            .sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .unwrap();
        let attrs = out.attributes().unwrap();
        let get = |k: &str| {
            attrs
                .get(&aws_sdk_sqs::types::QueueAttributeName::from(k))
                .cloned()
        };
        assert!(get("KmsMasterKeyId").unwrap().starts_with("arn:aws:kms:"));
        assert_eq!(get("KmsDataKeyReusePeriodSeconds").as_deref(), Some("600"));
        assert_eq!(get("MessageRetentionPeriod").as_deref(), Some("1209600"));
        let tags = aws_tags(&clients, &dlq_url).await;
        assert!(
            tags.contains(&("recon:stack".to_string(), stack_tag.clone())),
            "{tags:?}"
        );
        assert!(
            tags.contains(&("recon:address".to_string(), "aws_sqs_queue.dlq".to_string())),
            "{tags:?}"
        );
    });

    moto.expect_no_changes(cwd, &stack);
    moto.destroy(cwd, &stack);
    rt.block_on(async { assert!(queue_names(&clients).await.is_empty()) });
}

#[test]
fn find_created_finds_queues_by_name_and_token() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let queues = SqsQueue::new(&clients);
        let with_token = |address: &str, token: &str| Meta {
            token: Some(token.into()),
            ..meta(address)
        };
        let ours = with_token("aws_sqs_queue.q", "tok-queue");
        let plan = plan_new(&queue::SCHEMA, &object! {"name" => "found"});
        let created = queues.create(&plan, &ours).await.unwrap();
        match queues.find_created(&plan, &ours).await.unwrap() {
            Created::Found(found) => assert_eq!(found, created),
            other => panic!("expected Found, got {other:?}"),
        }
        // Another address's, or another create's: not ours, named by its URL.
        for other in [
            with_token("aws_sqs_queue.other", "tok-queue"),
            with_token("aws_sqs_queue.q", "tok-2"),
        ] {
            match queues.find_created(&plan, &other).await.unwrap() {
                Created::NotOurs { id } => assert_eq!(id, url(&moto, "found")),
                answer => panic!("expected NotOurs, got {answer:?}"),
            }
        }
        let free = plan_new(&queue::SCHEMA, &object! {"name" => "free"});
        assert!(matches!(
            queues.find_created(&free, &ours).await.unwrap(),
            Created::Absent
        ));
        // A generated name comes from the token; without one it cannot be looked up.
        let prefixed = plan_new(&queue::SCHEMA, &object! {"name_prefix" => "gen-"});
        let generated = queues.create(&prefixed, &ours).await.unwrap();
        match queues.find_created(&prefixed, &ours).await.unwrap() {
            Created::Found(found) => assert_eq!(found, generated),
            other => panic!("expected Found, got {other:?}"),
        }
        let no_token = meta("aws_sqs_queue.q");
        assert!(matches!(
            queues.find_created(&prefixed, &no_token).await.unwrap(),
            Created::Unknowable
        ));
        // Another create's queue of the same name is refused, naming recon import.
        let err = queues
            .create(&plan, &with_token("aws_sqs_queue.q", "tok-2"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("QueueAlreadyExists"), "{err}");
        let wanted = format!("recon import aws_sqs_queue.q {}", url(&moto, "found"));
        assert!(err.message.contains(&wanted), "{err}");
    });
}

async fn queue_attribute(clients: &Clients, url: &str, name: QueueAttributeName) -> Option<String> {
    let out = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    out.attributes()
        .and_then(|a| a.get(&name))
        .filter(|v| !v.is_empty())
        .cloned()
}

/// aws_sqs_queue_redrive_allow_policy, aws_sqs_queue_redrive_policy and
/// aws_sqs_queue_policy: each sets one document of an existing queue, reads it
/// back (drift included), changes it in place, imports by queue URL and clears
/// it on delete.
#[test]
fn queue_documents_managed_apart() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let mut urls = Vec::new();
        for name in ["source", "dead"] {
            let out = clients.sqs.create_queue().queue_name(name).send().await.unwrap();
            urls.push(out.queue_url().unwrap().to_string());
        }
        let (source, dead) = (&urls[0], &urls[1]);
        let allow = QueueAttribute::redrive_allow_policy(&clients);
        let by_queue = format!(
            r#"{{"redrivePermission":"byQueue","sourceQueueArns":["{}"]}}"#,
            arn("source")
        );
        let config = object! {"queue_url" => dead.as_str(), "redrive_allow_policy" => by_queue.clone()};
        let meta = meta("aws_sqs_queue_redrive_allow_policy.dead");
        let created = allow.create(&plan_new(allow.schema(), &config), &meta).await.unwrap();
        assert_eq!(created.str("id"), Some(dead.as_str()));
        assert_eq!(created.str("redrive_allow_policy"), Some(by_queue.as_str()));
        let on_aws = queue_attribute(&clients, dead, QueueAttributeName::RedriveAllowPolicy).await;
        assert!(recon::value::json_equal(&on_aws.unwrap(), &by_queue));
        assert!(changed(&replan(allow.schema(), &config, &created)).is_empty());
        assert_eq!(
            allow.read(&[allow.import_stub(dead)]).await.unwrap(),
            vec![Some(created.clone())]
        );

        // Changed outside: read shows it; the plan puts it back in place.
        clients
            .sqs
            .set_queue_attributes()
            .queue_url(dead)
            .attributes(QueueAttributeName::RedriveAllowPolicy, r#"{"redrivePermission":"allowAll"}"#)
            .send()
            .await
            .unwrap();
        let drifted = allow.read(std::slice::from_ref(&created)).await.unwrap()[0].clone().unwrap();
        let plan = replan(allow.schema(), &config, &drifted);
        assert_eq!(changed(&plan), ["redrive_allow_policy"]);
        assert!(replaced(&plan).is_empty());
        let updated = allow.update(&drifted, &plan.after, &meta).await.unwrap();
        assert_eq!(updated, created);

        // The source queue's redrive policy, and a queue policy, the same way.
        let redrive = QueueAttribute::redrive_policy(&clients);
        let to_dead = format!(r#"{{"deadLetterTargetArn":"{}","maxReceiveCount":4}}"#, arn("dead"));
        let config = object! {"queue_url" => source.as_str(), "redrive_policy" => to_dead.clone()};
        let made = redrive.create(&plan_new(redrive.schema(), &config), &meta).await.unwrap();
        assert!(changed(&replan(redrive.schema(), &config, &made)).is_empty());
        let policy = QueueAttribute::policy(&clients);
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"events.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"{}"}}]}}"#,
            arn("source")
        );
        let config = object! {"queue_url" => source.as_str(), "policy" => document};
        let with_policy = policy.create(&plan_new(policy.schema(), &config), &meta).await.unwrap();
        assert!(changed(&replan(policy.schema(), &config, &with_policy)).is_empty());

        // Delete clears each document; the queue stays; a second delete is fine.
        allow.delete(&updated).await.unwrap();
        assert_eq!(queue_attribute(&clients, dead, QueueAttributeName::RedriveAllowPolicy).await, None);
        assert_eq!(allow.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        redrive.delete(&made).await.unwrap();
        policy.delete(&with_policy).await.unwrap();
        assert_eq!(queue_attribute(&clients, source, QueueAttributeName::RedrivePolicy).await, None);
        assert_eq!(queue_attribute(&clients, source, QueueAttributeName::Policy).await, None);
        clients.sqs.delete_queue().queue_url(dead).send().await.unwrap();
        allow.delete(&updated).await.unwrap();
    });
}
