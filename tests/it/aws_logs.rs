//! CloudWatch Logs against moto: aws_cloudwatch_log_group (retention, KMS key,
//! skip_destroy, tags, a lost create adopted by its token) and
//! aws_cloudwatch_log_subscription_filter (to a Lambda function), import, and a
//! stack through the real binary.

use crate::common;
use crate::common::{
    changed, found, local_state, meta, not_ours, ok, plan_new, refusal, replaced, replan,
    string_map as tags, write_stack, FaultProxy, Moto,
};
use recon::aws::logs::log_group::{self, CloudWatchLogGroup};
use recon::aws::logs::subscription_filter::{self, filter_id, LogSubscriptionFilter};
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, ErrorKind, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};
use serde_json::json;
use std::io::Write;

const ACCOUNT: &str = "123456789012";
const LAMBDA_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn arn(name: &str) -> String {
    format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}")
}

fn with_token(address: &str, token: &str) -> Meta {
    Meta {
        token: Some(token.into()),
        ..meta(address)
    }
}

async fn kms_key(clients: &Clients) -> String {
    let out = clients.kms.create_key().send().await.unwrap();
    out.key_metadata().unwrap().arn().unwrap().to_string()
}

async fn aws_tags(clients: &Clients, name: &str) -> Vec<(String, String)> {
    let out = clients
        .logs
        .list_tags_for_resource()
        .resource_arn(arn(name))
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

/// Every log group, as (name, retention, KMS key).
async fn groups(clients: &Clients) -> Vec<(String, Option<i32>, Option<String>)> {
    let out = clients.logs.describe_log_groups().send().await.unwrap();
    out.log_groups()
        .iter()
        .map(|g| {
            (
                g.log_group_name().unwrap().to_string(),
                g.retention_in_days(),
                g.kms_key_id().map(str::to_string),
            )
        })
        .collect()
}

/// A Lambda function (moto validates the role and never runs it); its ARN.
async fn function(clients: &Clients, name: &str) -> String {
    let role = clients
        .iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(LAMBDA_TRUST)
        .send()
        .await
        .unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("index.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"def handler(event, context):\n    return event\n")
        .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let out = clients
        .lambda
        .create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("index.handler")
        .role(role.role().unwrap().arn())
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(bytes))
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.function_arn().unwrap().to_string()
}

#[test]
fn log_group_create_read_update_drift_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let logs = CloudWatchLogGroup::new(&clients);
    let at = meta("aws_cloudwatch_log_group.web");
    rt.block_on(async {
        let key = kms_key(&clients).await;
        let config = object! {
            "name" => "/app/web",
            "retention_in_days" => 14,
            "kms_key_id" => key.as_str(),
            "tags" => tags(&[("Env", "dev")]),
        };
        let plan = plan_new(&log_group::SCHEMA, &config);
        assert_eq!(plan["log_group_class"], Value::Unknown);
        assert_eq!(plan["skip_destroy"], Value::Bool(false));
        let state = logs.create(&plan, &at).await.unwrap();
        assert_eq!(
            state,
            object! {
                "id" => "/app/web",
                // Terraform's arn: no ":*".
                "arn" => arn("/app/web"),
                "name" => "/app/web",
                "name_prefix" => Value::Null,
                "retention_in_days" => 14,
                "kms_key_id" => key.as_str(),
                "log_group_class" => "STANDARD",
                "skip_destroy" => false,
                "tags" => tags(&[("Env", "dev")]),
            }
        );
        assert_eq!(
            aws_tags(&clients, "/app/web").await,
            vec![
                ("Env".to_string(), "dev".to_string()),
                (
                    "recon:address".to_string(),
                    "aws_cloudwatch_log_group.web".to_string()
                ),
                ("recon:stack".to_string(), "test".to_string()),
            ]
        );
        assert_eq!(
            groups(&clients).await,
            vec![("/app/web".to_string(), Some(14), Some(key.clone()))]
        );
        let again = replan(&log_group::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // All defaults: a generated name, never expiring, no key.
        let bare = logs
            .create(
                &plan_new(&log_group::SCHEMA, &object! {}),
                &meta("aws_cloudwatch_log_group.bare"),
            )
            .await
            .unwrap();
        let bare_name = bare.str("name").unwrap().to_string();
        assert!(
            bare_name.starts_with("recon-") && bare_name.len() == 32,
            "{bare_name}"
        );
        assert_eq!(bare["id"], Value::from(bare_name.as_str()));
        assert_eq!(bare["retention_in_days"], Value::from(0));
        assert_eq!(bare["kms_key_id"], Value::Null);
        assert_eq!(bare["tags"], Value::Null);
        let again = replan(&log_group::SCHEMA, &object! {}, &bare);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Someone else's group of that name is not taken over: import it.
        let err = logs
            .create(&plan, &meta("aws_cloudwatch_log_group.other"))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
        assert_eq!(err.code.as_deref(), Some("ResourceAlreadyExistsException"));
        assert!(
            err.message
                .contains("recon import aws_cloudwatch_log_group.other /app/web"),
            "{err}"
        );

        // One batch: both groups and one that does not exist.
        let missing = object! {"id" => "/app/missing"};
        let read = logs
            .read(&[state.clone(), missing, bare.clone()])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(state.clone()), None, Some(bare.clone())]);

        // In place: retention, another key, tags.
        let other_key = kms_key(&clients).await;
        let mut config = config.clone();
        config.extend(object! {
            "retention_in_days" => 90,
            "kms_key_id" => other_key.as_str(),
            "tags" => tags(&[("Env", "prod"), ("Team", "ops")]),
        });
        let change = replan(&log_group::SCHEMA, &config, &state);
        assert!(change.replace_paths.is_empty(), "{:?}", replaced(&change));
        assert_eq!(
            changed(&change),
            ["retention_in_days", "kms_key_id", "tags"]
        );
        let updated = logs.update(&state, &change.after, &at).await.unwrap();
        assert_eq!(updated["retention_in_days"], Value::from(90));
        assert_eq!(updated["kms_key_id"], Value::from(other_key.as_str()));
        assert_eq!(updated["tags"], tags(&[("Env", "prod"), ("Team", "ops")]));
        assert_eq!(aws_tags(&clients, "/app/web").await.len(), 4);
        let again = replan(&log_group::SCHEMA, &config, &updated);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // Retention and key removed: never expire (DeleteRetentionPolicy), no key
        // (DisassociateKmsKey); a tag removed.
        config.remove("retention_in_days");
        config.remove("kms_key_id");
        config.insert("tags".into(), tags(&[("Env", "prod")]));
        let change = replan(&log_group::SCHEMA, &config, &updated);
        assert_eq!(
            changed(&change),
            ["retention_in_days", "kms_key_id", "tags"]
        );
        let updated = logs.update(&updated, &change.after, &at).await.unwrap();
        assert_eq!(updated["retention_in_days"], Value::from(0));
        assert_eq!(updated["kms_key_id"], Value::Null);
        let (_, retention, kms) = groups(&clients)
            .await
            .into_iter()
            .find(|(n, _, _)| n == "/app/web")
            .unwrap();
        assert_eq!((retention, kms), (None, None));
        assert_eq!(aws_tags(&clients, "/app/web").await.len(), 3);

        // Drift: retention and a tag changed outside recon are seen and put back.
        clients
            .logs
            .put_retention_policy()
            .log_group_name("/app/web")
            .retention_in_days(30)
            .send()
            .await
            .unwrap();
        clients
            .logs
            .tag_resource()
            .resource_arn(arn("/app/web"))
            .tags("Env", "edited")
            .send()
            .await
            .unwrap();
        let drifted = logs.read(std::slice::from_ref(&updated)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted["retention_in_days"], Value::from(30));
        assert_eq!(drifted["tags"], tags(&[("Env", "edited")]));
        let change = replan(&log_group::SCHEMA, &config, &drifted);
        assert_eq!(changed(&change), ["retention_in_days", "tags"]);
        let restored = logs.update(&drifted, &change.after, &at).await.unwrap();
        assert_eq!(restored, updated);

        // A new name or class replaces the group.
        let mut renamed = config.clone();
        renamed.insert("name".into(), Value::from("/app/web2"));
        assert_eq!(
            replaced(&replan(&log_group::SCHEMA, &renamed, &restored)),
            ["name"]
        );
        let mut colder = config.clone();
        colder.insert("log_group_class".into(), Value::from("INFREQUENT_ACCESS"));
        assert_eq!(
            replaced(&replan(&log_group::SCHEMA, &colder, &restored)),
            ["log_group_class"]
        );

        // Import by name: everything AWS reports.
        let imported = logs.read(&[logs.import_stub("/app/web")]).await.unwrap();
        assert_eq!(imported, vec![Some(restored.clone())]);
        let again = replan(&log_group::SCHEMA, &config, imported[0].as_ref().unwrap());
        assert!(again.changed.is_empty(), "{:?}", changed(&again));
        assert_eq!(
            logs.read(&[logs.import_stub("/app/nothing")])
                .await
                .unwrap(),
            vec![None]
        );

        // skip_destroy in place (no call); destroy then forgets the group only.
        config.insert("skip_destroy".into(), Value::Bool(true));
        let change = replan(&log_group::SCHEMA, &config, &restored);
        assert_eq!(changed(&change), ["skip_destroy"]);
        let kept = logs.update(&restored, &change.after, &at).await.unwrap();
        assert_eq!(kept["skip_destroy"], Value::Bool(true));
        logs.delete(&kept).await.unwrap();
        assert_eq!(groups(&clients).await.len(), 2);

        // Delete; again is fine; reads say gone.
        logs.delete(&restored).await.unwrap();
        logs.delete(&bare).await.unwrap();
        logs.delete(&restored).await.unwrap();
        assert!(groups(&clients).await.is_empty());
        assert_eq!(
            logs.read(&[restored, bare]).await.unwrap(),
            vec![None, None]
        );
    });
}

#[test]
fn refused_log_group_settings() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let logs = CloudWatchLogGroup::new(&clients);
    rt.block_on(async {
        let refuse = |config: Object| {
            let logs = &logs;
            async move { refusal(logs, &config, "aws_cloudwatch_log_group.bad").await }
        };
        let msg = refuse(object! {"name" => "g", "retention_in_days" => 2}).await;
        assert!(
            msg.contains("retention_in_days: must be one of 0, 1, 3, 5, 7, 14")
                && msg.contains("got 2"),
            "{msg}"
        );
        let msg = refuse(object! {"name" => "g", "log_group_class" => "COLD"}).await;
        assert!(msg.contains("log_group_class: must be one of"), "{msg}");
        let msg = refuse(object! {"name" => "g", "name_prefix" => "p-"}).await;
        assert!(msg.contains("cannot both be set"), "{msg}");
        let msg = refuse(object! {"name" => "has space"}).await;
        assert!(
            msg.contains("invalid log group name \"has space\""),
            "{msg}"
        );
        assert!(groups(&clients).await.is_empty());
    });
}

#[test]
fn lost_create_is_adopted_by_token_and_others_are_refused() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    common::runtime().block_on(async {
        let clients = Clients::from_config(&proxy.sdk_config());
        let logs = CloudWatchLogGroup::new(&clients);
        let ours = with_token("aws_cloudwatch_log_group.app", "tok-1");
        let config = object! {
            "name_prefix" => "/app/",
            "retention_in_days" => 7,
            "tags" => tags(&[("Env", "dev")]),
        };
        let plan = plan_new(&log_group::SCHEMA, &config);
        // CreateLogGroup runs, its answer is lost: the steps after it never ran.
        proxy.set_rules(json!([
            {"operation": "CreateLogGroup", "fault": "drop_response", "times": 1}
        ]));
        let err = logs.create(&plan, &ours).await.unwrap_err();
        assert!(err.kind.is_retryable(), "{err}");
        proxy.clear_rules();
        let made = groups(&clients).await;
        assert_eq!(made.len(), 1);
        let name = made[0].0.clone();
        assert!(name.starts_with("/app/"), "{name}");
        assert_eq!(made[0].1, None, "retention is set after the create call");

        // Looked for by the name the token gives, and found by its token tag.
        let existing = found(logs.find_created(&plan, &ours).await.unwrap());
        assert_eq!(existing["name"], Value::from(name.as_str()));
        // Tried again: AWS says it exists, the group is adopted and finished; Logs'
        // throttling and 5xx answers (the proxy's shapes) are retried by the SDK.
        proxy.set_rules(json!([
            {"operation": "PutRetentionPolicy", "fault": "throttle", "times": 1},
            {"operation": "ListTagsForResource", "fault": "error500", "times": 1}
        ]));
        let state = logs.create(&plan, &ours).await.unwrap();
        for rule in proxy.rules() {
            assert_eq!(rule["injected"], 1, "{rule}");
        }
        proxy.clear_rules();
        assert_eq!(state["name"], Value::from(name.as_str()));
        assert_eq!(state["retention_in_days"], Value::from(7));
        assert_eq!(state["tags"], tags(&[("Env", "dev")]));
        assert_eq!(groups(&clients).await, vec![(name.clone(), Some(7), None)]);
        assert_eq!(proxy.calls("CreateLogGroup").len(), 2);

        // Another create's token (a group left by skip_destroy, say): not ours.
        let named = plan_new(&log_group::SCHEMA, &object! {"name" => name.as_str()});
        let later = with_token("aws_cloudwatch_log_group.app", "tok-2");
        assert_eq!(
            not_ours(logs.find_created(&named, &later).await.unwrap()),
            name
        );
        let err = logs.create(&named, &later).await.unwrap_err();
        assert!(
            err.message
                .contains("already exists and recon did not create it")
                && err
                    .message
                    .contains(&format!("recon import aws_cloudwatch_log_group.app {name}")),
            "{err}"
        );
        // A group made outside recon (no tags at all), likewise.
        clients
            .logs
            .create_log_group()
            .log_group_name("/by/hand")
            .send()
            .await
            .unwrap();
        let by_hand = plan_new(&log_group::SCHEMA, &object! {"name" => "/by/hand"});
        assert_eq!(
            not_ours(logs.find_created(&by_hand, &ours).await.unwrap()),
            "/by/hand"
        );
        let free = plan_new(&log_group::SCHEMA, &object! {"name" => "/free"});
        assert!(matches!(
            logs.find_created(&free, &ours).await.unwrap(),
            Created::Absent
        ));
        // A generated name without a token cannot be looked up.
        assert!(matches!(
            logs.find_created(&plan, &meta("aws_cloudwatch_log_group.app"))
                .await
                .unwrap(),
            Created::Unknowable
        ));
    });
}

#[test]
fn subscription_filter_to_lambda_create_update_import_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let logs = CloudWatchLogGroup::new(&clients);
    let filters = LogSubscriptionFilter::new(&clients);
    let at = meta("aws_cloudwatch_log_subscription_filter.errors");
    rt.block_on(async {
        let shipper = function(&clients, "shipper").await;
        let archiver = function(&clients, "archiver").await;
        let group = logs
            .create(
                &plan_new(&log_group::SCHEMA, &object! {"name" => "/aws/lambda/app"}),
                &meta("aws_cloudwatch_log_group.app"),
            )
            .await
            .unwrap();
        let config = object! {
            "name" => "errors",
            "log_group_name" => "/aws/lambda/app",
            "filter_pattern" => "ERROR",
            "destination_arn" => shipper.as_str(),
        };
        let plan = plan_new(&subscription_filter::SCHEMA, &config);
        let state = filters.create(&plan, &at).await.unwrap();
        assert_eq!(
            state,
            object! {
                "id" => filter_id("/aws/lambda/app"),
                "name" => "errors",
                "log_group_name" => "/aws/lambda/app",
                "filter_pattern" => "ERROR",
                "destination_arn" => shipper.as_str(),
                "role_arn" => Value::Null,
                "distribution" => "ByLogStream",
                "apply_on_transformed_logs" => false,
            }
        );
        let again = replan(&subscription_filter::SCHEMA, &config, &state);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));
        // The same create again finds its filter; nothing is put twice.
        assert_eq!(filters.create(&plan, &at).await.unwrap(), state);

        // In place (PutSubscriptionFilter replaces it): pattern and destination.
        let mut config = config.clone();
        config.insert("filter_pattern".into(), Value::from(""));
        config.insert("destination_arn".into(), Value::from(archiver.as_str()));
        let change = replan(&subscription_filter::SCHEMA, &config, &state);
        assert!(change.replace_paths.is_empty(), "{:?}", replaced(&change));
        assert_eq!(changed(&change), ["filter_pattern", "destination_arn"]);
        let updated = filters.update(&state, &change.after, &at).await.unwrap();
        assert_eq!(updated["filter_pattern"], Value::from(""));
        assert_eq!(updated["destination_arn"], Value::from(archiver.as_str()));
        let again = replan(&subscription_filter::SCHEMA, &config, &updated);
        assert!(again.changed.is_empty(), "{:?}", changed(&again));

        // A new name or group replaces the filter.
        for (k, v) in [
            ("name", "warnings"),
            ("log_group_name", "/aws/lambda/other"),
        ] {
            let mut moved = config.clone();
            moved.insert(k.into(), Value::from(v));
            assert_eq!(
                replaced(&replan(&subscription_filter::SCHEMA, &moved, &updated)),
                [k]
            );
        }

        // Drift: a pattern changed outside recon is seen and put back.
        clients
            .logs
            .put_subscription_filter()
            .log_group_name("/aws/lambda/app")
            .filter_name("errors")
            .filter_pattern("WARN")
            .destination_arn(archiver.as_str())
            .send()
            .await
            .unwrap();
        let drifted = filters.read(std::slice::from_ref(&updated)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted["filter_pattern"], Value::from("WARN"));
        let change = replan(&subscription_filter::SCHEMA, &config, &drifted);
        assert_eq!(changed(&change), ["filter_pattern"]);
        let restored = filters.update(&drifted, &change.after, &at).await.unwrap();
        assert_eq!(restored, updated);

        // A filter of that name with other settings is someone else's.
        let mut other = config.clone();
        other.insert("filter_pattern".into(), Value::from("FATAL"));
        let other_plan = plan_new(&subscription_filter::SCHEMA, &other);
        assert_eq!(
            not_ours(filters.find_created(&other_plan, &at).await.unwrap()),
            "/aws/lambda/app|errors"
        );
        let err = filters
            .create(
                &other_plan,
                &meta("aws_cloudwatch_log_subscription_filter.other"),
            )
            .await
            .unwrap_err();
        assert!(
            err.message.contains(
                "recon import aws_cloudwatch_log_subscription_filter.other /aws/lambda/app|errors"
            ),
            "{err}"
        );

        // Import as GROUP|NAME; a malformed id says what it must be.
        let imported = filters
            .read(&[filters.import_stub("/aws/lambda/app|errors")])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(restored.clone())]);
        let err = filters
            .read(&[filters.import_stub("errors")])
            .await
            .unwrap_err();
        assert!(err.message.contains("LOG_GROUP_NAME|FILTER_NAME"), "{err}");
        assert_eq!(
            filters
                .read(&[filters.import_stub("/aws/lambda/app|nothing")])
                .await
                .unwrap(),
            vec![None]
        );

        // Delete; again is fine, also once the group is gone.
        filters.delete(&restored).await.unwrap();
        assert_eq!(
            filters.read(std::slice::from_ref(&restored)).await.unwrap(),
            vec![None]
        );
        filters.delete(&restored).await.unwrap();
        logs.delete(&group).await.unwrap();
        filters.delete(&restored).await.unwrap();
        assert_eq!(filters.read(&[restored]).await.unwrap(), vec![None]);
    });
}

const STACK: &str = r#"
data "archive_file" "fn" {
  type        = "zip"
  output_path = "${path.module}/build/fn.zip"
  source {
    content  = "def handler(event, context):\n    return event\n"
    filename = "index.py"
  }
}

resource "aws_iam_role" "fn" {
  name = "log-shipper"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_lambda_function" "shipper" {
  function_name    = "log-shipper"
  role             = aws_iam_role.fn.arn
  handler          = "index.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.fn.output_path
  source_code_hash = data.archive_file.fn.output_base64sha256
}

resource "aws_kms_key" "logs" {
  description             = "application logs"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/api"
  retention_in_days = RETENTION
  kms_key_id        = aws_kms_key.logs.arn
  tags = {
    Service = "api"
  }
}

resource "aws_cloudwatch_log_group" "audit" {
  name_prefix       = "/audit/"
  retention_in_days = 3653
  skip_destroy      = true
}

resource "aws_lambda_permission" "logs" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.shipper.function_name
  principal     = "logs.amazonaws.com"
  source_arn    = "${aws_cloudwatch_log_group.app.arn}:*"
}

resource "aws_cloudwatch_log_subscription_filter" "errors" {
  depends_on      = [aws_lambda_permission.logs]
  name            = "errors"
  log_group_name  = aws_cloudwatch_log_group.app.name
  filter_pattern  = "ERROR"
  destination_arn = aws_lambda_function.shipper.arn
}

output "group_arn" {
  value = aws_cloudwatch_log_group.app.arn
}
"#;

#[test]
fn log_stack_applies_replans_clean_and_destroys() {
    let moto = Moto::start();
    let rt = common::runtime();
    let clients = Clients::from_config(&moto.sdk_config());
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "logs", &STACK.replace("RETENTION", "30"));
    // The small stack here is not meant to pass the baseline policies.
    let apply = ["apply", "--auto-approve", "--policy-fail-on", "critical"];

    moto.expect_plan(cwd, &stack, "Plan: 7 to add, 0 to change, 0 to destroy.");
    ok(moto.run(cwd, &stack, &apply));
    let group_arn = ok(moto.run(cwd, &stack, &["output", "--raw", "group_arn"]))
        .stdout
        .trim()
        .to_string();
    assert_eq!(group_arn, arn("/app/api"));
    let state = local_state(cwd, "logs");
    let stack_tag = state["stack"]["tag"].as_str().unwrap().to_string();
    rt.block_on(async {
        let made = groups(&clients).await;
        assert_eq!(made.len(), 2, "{made:?}");
        let (name, retention, key) = &made[0];
        assert_eq!((name.as_str(), *retention), ("/app/api", Some(30)));
        assert!(
            key.as_deref().unwrap().starts_with("arn:aws:kms:"),
            "{key:?}"
        );
        assert!(made[1].0.starts_with("/audit/"), "{made:?}");
        assert_eq!(made[1].1, Some(3653));
        let tags = aws_tags(&clients, "/app/api").await;
        assert!(
            tags.contains(&("recon:stack".to_string(), stack_tag.clone())),
            "{tags:?}"
        );
        assert!(tags.contains(&("Service".to_string(), "api".to_string())));
        let out = clients
            .logs
            .describe_subscription_filters()
            .log_group_name("/app/api")
            .send()
            .await
            .unwrap();
        let filter = &out.subscription_filters()[0];
        assert_eq!(filter.filter_name(), Some("errors"));
        assert!(filter
            .destination_arn()
            .unwrap()
            .ends_with(":function:log-shipper"));
    });
    moto.expect_no_changes(cwd, &stack);

    // Retention changed in place.
    write_stack(cwd, "logs", &STACK.replace("RETENTION", "90"));
    moto.expect_plan(cwd, &stack, "Plan: 0 to add, 1 to change, 0 to destroy.");
    ok(moto.run(cwd, &stack, &apply));
    moto.expect_no_changes(cwd, &stack);

    // Destroy keeps the skip_destroy group (and its logs), as Terraform.
    moto.destroy(cwd, &stack);
    rt.block_on(async {
        let left = groups(&clients).await;
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(left[0].0.starts_with("/audit/"), "{left:?}");
    });
}
