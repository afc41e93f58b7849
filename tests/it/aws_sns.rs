//! SNS against moto: aws_sns_topic (standard and FIFO), aws_sns_topic_policy,
//! aws_sns_topic_subscription, lost creates found again, and a stack through the
//! real binary.

use crate::common;
use crate::common::{
    changed, found, local_state, meta, not_ours, ok, plan_new, refusal, replaced, replan,
    string_map as tags, write_stack, FaultProxy, Moto,
};
use recon::aws::sns::topic::{self, SnsTopic};
use recon::aws::sns::topic_policy::{self, default_policy, SnsTopicPolicy};
use recon::aws::sns::topic_subscription::{self as subscription, SnsTopicSubscription};
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{json_equal, Object, ObjectExt, Value};

const ACCOUNT: &str = "123456789012";

fn arn(name: &str) -> String {
    format!("arn:aws:sns:us-east-1:{ACCOUNT}:{name}")
}

fn with_token(address: &str, token: &str) -> Meta {
    Meta {
        token: Some(token.into()),
        ..meta(address)
    }
}

async fn aws_tags(clients: &Clients, arn: &str) -> Vec<(String, String)> {
    let out = clients
        .sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    common::sorted_pairs(out.tags().iter().map(|t| (t.key(), t.value())))
}

async fn topic_names(clients: &Clients) -> Vec<String> {
    let out = clients.sns.list_topics().send().await.unwrap();
    let mut names: Vec<String> = out
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .map(|a| a.rsplit(':').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn topic_attribute(clients: &Clients, arn: &str, name: &str) -> Option<String> {
    let out = clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .unwrap();
    out.attributes().and_then(|a| a.get(name)).cloned()
}

fn publish_policy(topic_arn: &str, service: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "FromService",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "SNS:Publish",
            "Resource": topic_arn
        }]
    })
    .to_string()
}

fn json(v: &Value) -> serde_json::Value {
    serde_json::from_str(v.as_str().expect("a JSON string")).expect("valid JSON")
}

/// The state minus what moto never reports (see tests/moto/NOTES.md).
fn reported(state: &Object) -> Object {
    let mut state = state.clone();
    state.remove("signature_version");
    state.remove("tracing_config");
    state
}

#[test]
fn topic_create_read_update_drift_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let topics = SnsTopic::new(&clients);
    rt.block_on(async {
        let delivery = serde_json::json!({
            "http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 20, "maxDelayTarget": 20}}
        })
        .to_string();
        let config = object! {
            "name" => "recon-updates",
            "display_name" => "Updates",
            "delivery_policy" => delivery.as_str(),
            "kms_master_key_id" => "alias/aws/sns",
            "signature_version" => 2,
            "tracing_config" => "Active",
            "tags" => tags(&[("Env", "dev")]),
        };
        let plan = plan_new(&topic::SCHEMA, &config);
        assert_eq!(plan["policy"], Value::Unknown);
        assert_eq!(plan["fifo_topic"], Value::Bool(false));
        let at = meta("aws_sns_topic.updates");
        let state = topics.create(&plan, &at).await.unwrap();
        let updates = arn("recon-updates");
        let policy = state["policy"].clone();
        assert!(
            json_equal(
                policy.as_str().unwrap(),
                &default_policy(&updates, ACCOUNT).to_string()
            ),
            "{policy:?}"
        );
        assert_eq!(
            state,
            object! {
                "id" => updates.as_str(),
                "arn" => updates.as_str(),
                "owner" => ACCOUNT,
                "name" => "recon-updates",
                "name_prefix" => Value::Null,
                "fifo_topic" => false,
                "content_based_deduplication" => false,
                "display_name" => "Updates",
                "policy" => policy.clone(),
                "delivery_policy" => delivery.as_str(),
                "kms_master_key_id" => "alias/aws/sns",
                "signature_version" => 2,
                "tracing_config" => "Active",
                "tags" => tags(&[("Env", "dev")]),
            }
        );
        assert_eq!(
            aws_tags(&clients, &updates).await,
            vec![
                ("Env".to_string(), "dev".to_string()),
                ("recon:address".to_string(), "aws_sns_topic.updates".to_string()),
                ("recon:stack".to_string(), "test".to_string()),
            ]
        );
        let again = replan(&topic::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // All defaults, generated name: AWS's default policy is read back.
        let bare = topics
            .create(
                &plan_new(&topic::SCHEMA, &object! {}),
                &meta("aws_sns_topic.bare"),
            )
            .await
            .unwrap();
        let bare_name = bare.str("name").unwrap().to_string();
        assert!(
            bare_name.starts_with("recon-") && bare_name.len() == 32,
            "{bare_name}"
        );
        assert_eq!(bare["arn"], Value::from(arn(&bare_name)));
        for k in [
            "display_name",
            "delivery_policy",
            "kms_master_key_id",
            "tags",
        ] {
            assert_eq!(bare[k], Value::Null, "{k}");
        }
        assert!(json_equal(
            bare.str("policy").unwrap(),
            &default_policy(&arn(&bare_name), ACCOUNT).to_string()
        ));
        let again = replan(&topic::SCHEMA, &object! {}, &bare);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // A topic that exists already is not taken over by a create elsewhere
        // (CreateTopic itself would hand it back).
        let err = topics
            .create(&plan, &meta("aws_sns_topic.other"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("TopicAlreadyExists"), "{err}");
        let wanted = format!("recon import aws_sns_topic.other {updates}");
        assert!(err.message.contains(&wanted), "{err}");
        // The same create tried again (e.g. after a crash) finds its own topic.
        assert_eq!(topics.create(&plan, &at).await.unwrap(), state);

        // One batch: both topics and one that does not exist.
        let missing = object! {"id" => arn("recon-missing")};
        let read = topics
            .read(&[state.clone(), missing, bare.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(bare.clone())]);

        // In place: display name, a policy, no delivery policy nor KMS key, tags.
        let policy = publish_policy(&updates, "events.amazonaws.com");
        let mut config = config.clone();
        config.remove("delivery_policy");
        config.remove("kms_master_key_id");
        config.extend(object! {
            "display_name" => "Account updates",
            "policy" => policy.as_str(),
            "signature_version" => 1,
            "tracing_config" => "PassThrough",
            "tags" => tags(&[("Env", "prod"), ("Team", "ops")]),
        });
        let change = replan(&topic::SCHEMA, &config, &state);
        assert!(change.replace_paths.is_empty(), "{:?}", replaced(&change));
        let mut paths = changed(&change);
        paths.sort();
        assert_eq!(
            paths,
            [
                "delivery_policy",
                "display_name",
                "kms_master_key_id",
                "policy",
                "signature_version",
                "tags",
                "tracing_config"
            ]
        );
        let updated = topics.update(&state, &change.after, &at).await.unwrap();
        assert_eq!(updated["display_name"], Value::from("Account updates"));
        assert_eq!(updated["delivery_policy"], Value::Null);
        assert_eq!(updated["kms_master_key_id"], Value::Null);
        assert_eq!(
            json(&updated["policy"]),
            serde_json::from_str::<serde_json::Value>(&policy).unwrap()
        );
        assert_eq!(updated["signature_version"], Value::from(1));
        assert_eq!(updated["tracing_config"], Value::from("PassThrough"));
        assert_eq!(updated["tags"], tags(&[("Env", "prod"), ("Team", "ops")]));
        assert_eq!(aws_tags(&clients, &updates).await.len(), 4);
        assert_eq!(
            topic_attribute(&clients, &updates, "DisplayName")
                .await
                .as_deref(),
            Some("Account updates")
        );
        let again = replan(&topic::SCHEMA, &config, &updated);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Drift: a display name and a tag changed outside recon are seen and put back.
        clients
            .sns
            .set_topic_attributes()
            .topic_arn(&updates)
            .attribute_name("DisplayName")
            .attribute_value("Changed by hand")
            .send()
            .await
            .unwrap();
        clients
            .sns
            .untag_resource()
            .resource_arn(&updates)
            .tag_keys("Team")
            .send()
            .await
            .unwrap();
        let drifted = topics.read(std::slice::from_ref(&updated)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted["display_name"], Value::from("Changed by hand"));
        assert_eq!(drifted["tags"], tags(&[("Env", "prod")]));
        let change = replan(&topic::SCHEMA, &config, &drifted);
        assert_eq!(changed(&change), ["display_name", "tags"]);
        let updated = topics.update(&drifted, &change.after, &at).await.unwrap();
        assert_eq!(updated["display_name"], Value::from("Account updates"));
        assert_eq!(updated["tags"], tags(&[("Env", "prod"), ("Team", "ops")]));

        // A new name or a switch to FIFO replaces the topic.
        let mut renamed = config.clone();
        renamed.insert("name".into(), Value::from("recon-updates-2"));
        assert_eq!(
            replaced(&replan(&topic::SCHEMA, &renamed, &updated)),
            ["name"]
        );
        let mut fifo = config.clone();
        fifo.insert("fifo_topic".into(), Value::Bool(true));
        assert_eq!(
            replaced(&replan(&topic::SCHEMA, &fifo, &updated)),
            ["fifo_topic"]
        );

        // Import by ARN: everything moto reports.
        let imported = topics
            .read(&[topics.import_stub(&updates)])
            .await
            .unwrap();
        let imported = imported[0].clone().unwrap();
        assert_eq!(reported(&imported), reported(&updated));
        assert_eq!(
            topics
                .read(&[topics.import_stub(&arn("recon-nothing"))])
                .await
                .unwrap(),
            vec![None]
        );

        // Delete; again is fine; reads say gone.
        topics.delete(&updated).await.unwrap();
        topics.delete(&bare).await.unwrap();
        topics.delete(&updated).await.unwrap();
        assert!(topic_names(&clients).await.is_empty());
        assert_eq!(
            topics.read(&[updated, bare]).await.unwrap(),
            vec![None, None]
        );
    });
}

#[test]
fn fifo_topics_and_refused_settings() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let topics = SnsTopic::new(&clients);
    rt.block_on(async {
        let config = object! {
            "name" => "recon-orders.fifo",
            "fifo_topic" => true,
            "content_based_deduplication" => true,
        };
        let at = meta("aws_sns_topic.orders");
        let orders = topics
            .create(&plan_new(&topic::SCHEMA, &config), &at)
            .await
            .unwrap();
        assert_eq!(orders["id"], Value::from(arn("recon-orders.fifo")));
        assert_eq!(orders["fifo_topic"], Value::Bool(true));
        assert_eq!(orders["content_based_deduplication"], Value::Bool(true));
        let again = replan(&topic::SCHEMA, &config, &orders);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Content-based deduplication off, in place.
        let mut off = config.clone();
        off.insert("content_based_deduplication".into(), Value::Bool(false));
        let change = replan(&topic::SCHEMA, &off, &orders);
        assert_eq!(changed(&change), ["content_based_deduplication"]);
        assert!(change.replace_paths.is_empty());
        let orders = topics.update(&orders, &change.after, &at).await.unwrap();
        assert_eq!(orders["content_based_deduplication"], Value::Bool(false));
        let again = replan(&topic::SCHEMA, &off, &orders);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // A prefix gets a unique middle and the .fifo suffix.
        let prefixed_config = object! {"name_prefix" => "events-", "fifo_topic" => true};
        let prefixed = topics
            .create(
                &plan_new(&topic::SCHEMA, &prefixed_config),
                &meta("aws_sns_topic.events"),
            )
            .await
            .unwrap();
        let name = prefixed.str("name").unwrap();
        assert!(
            name.starts_with("events-") && name.ends_with(".fifo"),
            "{name}"
        );
        assert_eq!(prefixed["name_prefix"], Value::from("events-"));
        assert_eq!(prefixed["fifo_topic"], Value::Bool(true));
        let again = replan(&topic::SCHEMA, &prefixed_config, &prefixed);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Refused before any call, with a message that says why.
        let refuse = |config: Object| {
            let topics = &topics;
            async move { refusal(topics, &config, "aws_sns_topic.bad").await }
        };
        let msg = refuse(object! {"name" => "recon-orders", "fifo_topic" => true}).await;
        assert!(msg.contains("must end in \".fifo\""), "{msg}");
        let msg = refuse(object! {"name" => "recon-x.fifo"}).await;
        assert!(msg.contains("needs fifo_topic = true"), "{msg}");
        let msg =
            refuse(object! {"name" => "recon-std", "content_based_deduplication" => true}).await;
        assert!(msg.contains("only be set for a FIFO topic"), "{msg}");
        let msg = refuse(object! {"name" => "recon-std", "signature_version" => 3}).await;
        assert!(
            msg.contains("signature_version: must be one of 1, 2, got 3"),
            "{msg}"
        );
        let msg = refuse(object! {"name" => "recon-std", "tracing_config" => "On"}).await;
        assert!(
            msg.contains(r#"tracing_config: must be one of "PassThrough", "Active", got "On""#),
            "{msg}"
        );
        let msg = refuse(object! {"name" => "recon-std", "name_prefix" => "p-"}).await;
        assert!(msg.contains("cannot both be set"), "{msg}");
        let mut names = topic_names(&clients).await;
        names.retain(|n| !n.starts_with("events-"));
        assert_eq!(names, ["recon-orders.fifo"]);

        topics.delete(&orders).await.unwrap();
        topics.delete(&prefixed).await.unwrap();
        assert_eq!(
            topics.read(&[orders, prefixed]).await.unwrap(),
            vec![None, None]
        );
    });
}

#[test]
fn find_created_finds_topics_by_name_and_token() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let topics = SnsTopic::new(&clients);
        let ours = with_token("aws_sns_topic.t", "tok-topic");
        let plan = plan_new(&topic::SCHEMA, &object! {"name" => "found"});
        let created = topics.create(&plan, &ours).await.unwrap();
        assert_eq!(
            found(topics.find_created(&plan, &ours).await.unwrap()),
            created
        );
        // Another address's, or another create's: not ours, named by its ARN.
        for other in [
            with_token("aws_sns_topic.other", "tok-topic"),
            with_token("aws_sns_topic.t", "tok-2"),
        ] {
            let id = not_ours(topics.find_created(&plan, &other).await.unwrap());
            assert_eq!(id, arn("found"));
        }
        let free = plan_new(&topic::SCHEMA, &object! {"name" => "free"});
        assert!(matches!(
            topics.find_created(&free, &ours).await.unwrap(),
            Created::Absent
        ));
        // A generated name comes from the token; without one it cannot be looked up.
        let prefixed = plan_new(&topic::SCHEMA, &object! {"name_prefix" => "gen-"});
        let generated = topics.create(&prefixed, &ours).await.unwrap();
        assert_eq!(
            found(topics.find_created(&prefixed, &ours).await.unwrap()),
            generated
        );
        assert!(matches!(
            topics
                .find_created(&prefixed, &meta("aws_sns_topic.t"))
                .await
                .unwrap(),
            Created::Unknowable
        ));
        // A create whose answer was lost, tried again, adopts its topic and brings
        // it to the plan (here: a display name the first attempt did not set).
        let mut wanted = plan.clone();
        wanted.insert("display_name".into(), Value::from("Found again"));
        let adopted = topics.create(&wanted, &ours).await.unwrap();
        assert_eq!(adopted["id"], created["id"]);
        assert_eq!(adopted["display_name"], Value::from("Found again"));
        assert_eq!(topic_names(&clients).await.len(), 2);
        // Another create's topic of the same name is refused, naming recon import.
        let err = topics
            .create(&plan, &with_token("aws_sns_topic.t", "tok-2"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("TopicAlreadyExists"), "{err}");
        let wanted = format!("recon import aws_sns_topic.t {}", arn("found"));
        assert!(err.message.contains(&wanted), "{err}");
    });
}

#[test]
fn topic_policy_set_read_import_and_reset_on_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let topics = SnsTopic::new(&clients);
    let policies = SnsTopicPolicy::new(&clients);
    rt.block_on(async {
        let topic_config = object! {"name" => "recon-logins"};
        let topic_state = topics
            .create(
                &plan_new(&topic::SCHEMA, &topic_config),
                &meta("aws_sns_topic.logins"),
            )
            .await
            .unwrap();
        let logins = arn("recon-logins");
        let original = topic_attribute(&clients, &logins, "Policy").await.unwrap();

        let from_events = publish_policy(&logins, "events.amazonaws.com");
        let config = object! {"arn" => logins.as_str(), "policy" => from_events.as_str()};
        let at = meta("aws_sns_topic_policy.default");
        let state = policies
            .create(&plan_new(&topic_policy::SCHEMA, &config), &at)
            .await
            .unwrap();
        assert_eq!(state["id"], Value::from(logins.as_str()));
        assert_eq!(state["arn"], Value::from(logins.as_str()));
        assert_eq!(state["owner"], Value::from(ACCOUNT));
        assert!(json_equal(state.str("policy").unwrap(), &from_events));
        let again = replan(&topic_policy::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));
        // The topic reads the new policy; with none configured there it plans nothing.
        let topic_now = topics
            .read(std::slice::from_ref(&topic_state))
            .await
            .unwrap()[0]
            .clone()
            .unwrap();
        assert!(json_equal(topic_now.str("policy").unwrap(), &from_events));
        let again = replan(&topic::SCHEMA, &topic_config, &topic_now);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Changed in place; drift seen; a new topic ARN replaces it.
        let from_s3 = publish_policy(&logins, "s3.amazonaws.com");
        let next = object! {"arn" => logins.as_str(), "policy" => from_s3.as_str()};
        let change = replan(&topic_policy::SCHEMA, &next, &state);
        assert_eq!(changed(&change), ["policy"]);
        assert!(change.replace_paths.is_empty());
        let state = policies.update(&state, &change.after, &at).await.unwrap();
        assert!(json_equal(state.str("policy").unwrap(), &from_s3));
        clients
            .sns
            .set_topic_attributes()
            .topic_arn(&logins)
            .attribute_name("Policy")
            .attribute_value(&from_events)
            .send()
            .await
            .unwrap();
        let drifted = policies.read(std::slice::from_ref(&state)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(
            changed(&replan(&topic_policy::SCHEMA, &next, &drifted)),
            ["policy"]
        );
        let moved = object! {"arn" => arn("elsewhere"), "policy" => from_s3.as_str()};
        assert_eq!(
            replaced(&replan(&topic_policy::SCHEMA, &moved, &drifted)),
            ["arn"]
        );

        // Import by topic ARN.
        let imported = policies
            .read(&[policies.import_stub(&logins)])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(drifted.clone())]);

        // Delete puts back the policy AWS gave the topic; the topic stays.
        policies.delete(&drifted).await.unwrap();
        let now = topic_attribute(&clients, &logins, "Policy").await.unwrap();
        assert!(json_equal(&now, &original), "{now}");
        assert_eq!(topic_names(&clients).await, ["recon-logins"]);

        // The topic gone: the policy reads as gone and deletes as done.
        topics.delete(&topic_state).await.unwrap();
        assert_eq!(
            policies.read(std::slice::from_ref(&drifted)).await.unwrap(),
            vec![None]
        );
        policies.delete(&drifted).await.unwrap();
        let err = policies
            .create(&plan_new(&topic_policy::SCHEMA, &config), &at)
            .await
            .unwrap_err();
        assert!(err.code.as_deref() == Some("NotFound"), "{err}");
    });
}

#[test]
fn subscriptions_create_read_update_drift_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let topics = SnsTopic::new(&clients);
    let subscriptions = SnsTopicSubscription::new(&clients);
    rt.block_on(async {
        let topic_state = topics
            .create(
                &plan_new(&topic::SCHEMA, &object! {"name" => "recon-orders"}),
                &meta("aws_sns_topic.orders"),
            )
            .await
            .unwrap();
        let orders = arn("recon-orders");
        clients
            .sqs
            .create_queue()
            .queue_name("recon-orders-q")
            .send()
            .await
            .unwrap();
        let queue = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:recon-orders-q");
        let dlq = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:recon-orders-dlq");

        let filter = r#"{"kind":["order"],"total":[{"numeric":[">",100]}]}"#;
        let redrive = serde_json::json!({"deadLetterTargetArn": dlq}).to_string();
        let config = object! {
            "topic_arn" => orders.as_str(),
            "protocol" => "sqs",
            "endpoint" => queue.as_str(),
            "raw_message_delivery" => true,
            "filter_policy" => filter,
            "filter_policy_scope" => "MessageBody",
            "redrive_policy" => redrive.as_str(),
        };
        let at = meta("aws_sns_topic_subscription.queue");
        let plan = plan_new(&subscription::SCHEMA, &config);
        let state = subscriptions.create(&plan, &at).await.unwrap();
        let sub_arn = state.str("id").unwrap().to_string();
        assert!(sub_arn.starts_with(&format!("{orders}:")), "{sub_arn}");
        assert_eq!(
            state,
            object! {
                "id" => sub_arn.as_str(),
                "arn" => sub_arn.as_str(),
                "topic_arn" => orders.as_str(),
                "protocol" => "sqs",
                "endpoint" => queue.as_str(),
                "raw_message_delivery" => true,
                "filter_policy" => filter,
                "filter_policy_scope" => "MessageBody",
                "delivery_policy" => Value::Null,
                "redrive_policy" => redrive.as_str(),
                "subscription_role_arn" => Value::Null,
                "confirmation_timeout_in_minutes" => 1,
                "endpoint_auto_confirms" => false,
                "confirmation_was_authenticated" => true,
                "owner_id" => ACCOUNT,
                "pending_confirmation" => false,
            }
        );
        let again = replan(&subscription::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // SNS keeps one subscription per topic, protocol and endpoint: a lost create
        // finds it, and the same create tried again adopts it.
        assert_eq!(
            found(subscriptions.find_created(&plan, &at).await.unwrap()),
            state
        );
        assert_eq!(subscriptions.create(&plan, &at).await.unwrap(), state);
        let elsewhere = plan_new(
            &subscription::SCHEMA,
            &object! {"topic_arn" => orders.as_str(), "protocol" => "sqs", "endpoint" => dlq.as_str()},
        );
        assert!(matches!(
            subscriptions.find_created(&elsewhere, &at).await.unwrap(),
            Created::Absent
        ));

        // In place: raw delivery off, another filter, no redrive policy.
        let filter2 = r#"{"kind":["refund"]}"#;
        let mut next = config.clone();
        next.remove("redrive_policy");
        next.extend(object! {
            "raw_message_delivery" => false,
            "filter_policy" => filter2,
        });
        let change = replan(&subscription::SCHEMA, &next, &state);
        assert!(change.replace_paths.is_empty(), "{:?}", replaced(&change));
        assert_eq!(
            changed(&change),
            ["raw_message_delivery", "filter_policy", "redrive_policy"]
        );
        let updated = subscriptions
            .update(&state, &change.after, &at)
            .await
            .unwrap();
        assert_eq!(updated["raw_message_delivery"], Value::Bool(false));
        assert!(json_equal(updated.str("filter_policy").unwrap(), filter2));
        assert_eq!(updated["filter_policy_scope"], Value::from("MessageBody"));
        assert_eq!(updated["redrive_policy"], Value::Null);
        let again = replan(&subscription::SCHEMA, &next, &updated);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Drift: raw delivery switched on by hand is seen and planned back.
        clients
            .sns
            .set_subscription_attributes()
            .subscription_arn(&sub_arn)
            .attribute_name("RawMessageDelivery")
            .attribute_value("true")
            .send()
            .await
            .unwrap();
        let drifted = subscriptions.read(std::slice::from_ref(&updated)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted["raw_message_delivery"], Value::Bool(true));
        assert_eq!(
            changed(&replan(&subscription::SCHEMA, &next, &drifted)),
            ["raw_message_delivery"]
        );
        // Topic, protocol and endpoint cannot change in place.
        let mut moved = next.clone();
        moved.insert("endpoint".into(), Value::from(dlq.as_str()));
        assert_eq!(
            replaced(&replan(&subscription::SCHEMA, &moved, &drifted)),
            ["endpoint"]
        );

        // Import by subscription ARN: AWS's settings, recon's own at their defaults.
        let imported = subscriptions
            .read(&[subscriptions.import_stub(&sub_arn)])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(drifted.clone())]);

        // Protocols that need a confirmation: moto confirms them at once, where AWS
        // leaves email (and http without endpoint_auto_confirms) pending.
        let email_config = object! {
            "topic_arn" => orders.as_str(),
            "protocol" => "email",
            "endpoint" => "ops@example.com",
        };
        let email = subscriptions
            .create(
                &plan_new(&subscription::SCHEMA, &email_config),
                &meta("aws_sns_topic_subscription.mail"),
            )
            .await
            .unwrap();
        assert_eq!(email["protocol"], Value::from("email"));
        assert_eq!(email["pending_confirmation"], Value::Bool(false));
        let hook_config = object! {
            "topic_arn" => orders.as_str(),
            "protocol" => "https",
            "endpoint" => "https://hooks.example.com/sns",
            "endpoint_auto_confirms" => true,
            "confirmation_timeout_in_minutes" => 2,
        };
        let hook = subscriptions
            .create(
                &plan_new(&subscription::SCHEMA, &hook_config),
                &meta("aws_sns_topic_subscription.hook"),
            )
            .await
            .unwrap();
        assert_eq!(hook["confirmation_timeout_in_minutes"], Value::from(2));
        assert_eq!(hook["endpoint_auto_confirms"], Value::Bool(true));
        let again = replan(&subscription::SCHEMA, &hook_config, &hook);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Refused before any call.
        let firehose = object! {"topic_arn" => orders.as_str(), "protocol" => "firehose", "endpoint" => "arn:aws:firehose:us-east-1:123456789012:deliverystream/s"};
        let err = refusal(&subscriptions, &firehose, "aws_sns_topic_subscription.bad").await;
        assert!(err.contains("needs subscription_role_arn"), "{err}");

        // Delete; again is fine; reads say gone. The topic's delete takes the rest.
        subscriptions.delete(&drifted).await.unwrap();
        subscriptions.delete(&drifted).await.unwrap();
        assert_eq!(
            subscriptions.read(&[drifted, email.clone()]).await.unwrap(),
            vec![None, Some(email.clone())]
        );
        topics.delete(&topic_state).await.unwrap();
        assert_eq!(
            subscriptions.read(&[email, hook]).await.unwrap(),
            vec![None, None]
        );
    });
}

const STACK: &str = r#"
resource "aws_sns_topic" "alerts" {
  name         = "alerts"
  display_name = "Alerts"
  tags = {
    Team = "ops"
  }
}

resource "aws_sqs_queue" "alerts" {
  name = "alerts-inbox"
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromEvents"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "SNS:Publish"
      Resource  = aws_sns_topic.alerts.arn
    }]
  })
}

resource "aws_sns_topic_subscription" "inbox" {
  topic_arn            = aws_sns_topic.alerts.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.alerts.arn
  raw_message_delivery = true
  filter_policy        = jsonencode({ severity = ["high"] })
}

output "topic_arn" {
  value = aws_sns_topic.alerts.arn
}
"#;

#[test]
fn alerts_stack_applies_replans_clean_and_destroys() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "alerts", STACK);

    moto.expect_plan(cwd, &stack, "Plan: 4 to add, 0 to change, 0 to destroy.");
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let topic_arn = ok(moto.run(cwd, &stack, &["output", "--raw", "topic_arn"]))
        .stdout
        .trim()
        .to_string();
    assert_eq!(topic_arn, arn("alerts"));
    let stack_tag = local_state(cwd, "alerts")["stack"]["tag"]
        .as_str()
        .unwrap()
        .to_string();
    rt.block_on(async {
        let policy = topic_attribute(&clients, &topic_arn, "Policy")
            .await
            .unwrap();
        assert!(policy.contains("events.amazonaws.com"), "{policy}");
        assert_eq!(
            topic_attribute(&clients, &topic_arn, "DisplayName")
                .await
                .as_deref(),
            Some("Alerts")
        );
        let tags = aws_tags(&clients, &topic_arn).await;
        assert!(
            tags.contains(&("recon:stack".to_string(), stack_tag.clone())),
            "{tags:?}"
        );
        let subs = clients
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(&topic_arn)
            .send()
            .await
            .unwrap();
        let subs = subs.subscriptions();
        assert_eq!(subs.len(), 1);
        assert_eq!(
            subs[0].endpoint(),
            Some(format!("arn:aws:sqs:us-east-1:{ACCOUNT}:alerts-inbox").as_str())
        );
    });

    moto.expect_no_changes(cwd, &stack);
    moto.destroy(cwd, &stack);
    rt.block_on(async {
        assert!(topic_names(&clients).await.is_empty());
        let left = clients.sns.list_subscriptions().send().await.unwrap();
        assert!(left.subscriptions().is_empty());
    });
}

const LOST: &str = r#"
resource "aws_sns_topic" "t" {
  name_prefix = "lost-"
}

resource "aws_sqs_queue" "q" {
  name = "lost-inbox"
}

resource "aws_sns_topic_subscription" "s" {
  topic_arn = aws_sns_topic.t.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.q.arn
}
"#;

/// The answers of CreateTopic and Subscribe are lost once (moto makes the
/// object, the client sees a reset connection), and a topic read is throttled
/// (SNS's query error shape, retried by the SDK): each create call is sent
/// once, what it made is found and adopted, and the next plan is clean.
#[test]
fn lost_create_answers_are_adopted_not_made_twice() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "lost", LOST);
    proxy.set_rules(serde_json::json!([
        {"operation": "CreateTopic", "fault": "drop_response", "times": 1},
        {"operation": "Subscribe", "fault": "drop_response", "times": 1},
        {"operation": "GetTopicAttributes", "fault": "throttle", "times": 1},
    ]));
    let run = ok(proxy.run(
        cwd,
        &stack,
        &["apply", "--auto-approve", "--policy-fail-on", "critical"],
    ));
    for rule in proxy.rules() {
        assert_eq!(rule["injected"], 1, "{rule}\n{}", run.all());
    }
    for op in ["CreateTopic", "Subscribe"] {
        assert_eq!(proxy.calls(op).len(), 1, "{op} is sent once\n{}", run.all());
    }
    let state = local_state(cwd, "lost");
    assert!(state.get("pending").is_none(), "no pending create: {state}");
    proxy.clear();
    let plan = proxy.run(cwd, &stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());

    let clients = Clients::from_config(&moto.sdk_config());
    common::runtime().block_on(async {
        let names = topic_names(&clients).await;
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("lost-"), "{names:?}");
        let subs = clients.sns.list_subscriptions().send().await.unwrap();
        assert_eq!(subs.subscriptions().len(), 1);
    });
    ok(proxy.run(cwd, &stack, &["destroy", "--auto-approve"]));
}
