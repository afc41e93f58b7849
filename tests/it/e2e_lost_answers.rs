//! A lost answer to the create call of every non-EC2 type (the proxy forwards the
//! call to moto, then drops the connection): each object is looked for by its name
//! or token and adopted, never made twice; state holds no pending create and the
//! next plan is clean.

use crate::common::{local_state, ok, runtime, write_stack, FaultProxy, Moto};
use recon::aws::Clients;
use serde_json::json;

const STACK: &str = r#"
data "archive_file" "f" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/f.zip"
}
resource "aws_iam_role" "r" {
  name_prefix = "lost-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_iam_instance_profile" "p" {
  name = "lost-profile"
  role = aws_iam_role.r.name
}
resource "aws_iam_policy" "pol" {
  name_prefix = "lost-"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
resource "aws_iam_role_policy" "inline" {
  role = aws_iam_role.r.name
  name_prefix = "in-"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:ListBucket", Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "a" {
  role = aws_iam_role.r.name
  policy_arn = aws_iam_policy.pol.arn
}
resource "aws_kms_key" "k" {
  description = "lost"
}
resource "aws_kms_alias" "a" {
  name_prefix = "alias/lost-"
  target_key_id = aws_kms_key.k.key_id
}
resource "aws_sqs_queue" "q" {
  name_prefix = "lost-"
}
resource "aws_s3_bucket" "b" {
  bucket_prefix = "lost-"
}
resource "aws_s3_bucket_versioning" "v" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}
resource "aws_lambda_function" "f" {
  function_name    = "lost-fn"
  role             = aws_iam_role.r.arn
  handler          = "f.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.f.output_path
  source_code_hash = data.archive_file.f.output_base64sha256
}
resource "aws_cloudwatch_event_rule" "e" {
  name_prefix         = "lost-"
  schedule_expression = "rate(1 day)"
}
resource "aws_cloudwatch_event_target" "t" {
  rule = aws_cloudwatch_event_rule.e.name
  arn  = aws_lambda_function.f.arn
}
resource "aws_lambda_permission" "perm" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.f.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.e.arn
}
"#;

/// The small stack here is not meant to pass the baseline policies.
const APPLY: [&str; 4] = ["apply", "--auto-approve", "--policy-fail-on", "critical"];

/// The create calls, by operation name (query and JSON protocols) or by REST
/// request line: each answer is lost once.
const NAMED: [&str; 10] = [
    "CreateRole",
    "CreateInstanceProfile",
    "CreatePolicy",
    "PutRolePolicy",
    "AttachRolePolicy",
    "CreateKey",
    "CreateAlias",
    "CreateQueue",
    "PutRule",
    "PutTargets",
];
const REST: [&str; 3] = [
    "^PUT /lost-[0-9a-f]+/?$",
    "^POST /2015-03-31/functions/?$",
    "^POST /2015-03-31/functions/[^/]+/policy",
];

#[test]
fn every_lost_create_answer_is_adopted_not_made_twice() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(work.path(), "lost", STACK);
    std::fs::create_dir_all(stack.join("lambda")).unwrap();
    std::fs::write(
        stack.join("lambda/f.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .unwrap();
    let named = NAMED
        .iter()
        .map(|op| json!({"operation": op, "fault": "drop_response", "times": 1}));
    let rest = REST
        .iter()
        .map(|re| json!({"match": re, "fault": "drop_response", "times": 1}));
    proxy.set_rules(json!(named.chain(rest).collect::<Vec<_>>()));

    let run = ok(proxy.run(work.path(), &stack, &APPLY));
    for rule in proxy.rules() {
        assert_eq!(rule["injected"], 1, "{rule}\n{}", run.all());
    }
    // Calls that make an object are sent once: what they made is looked for.
    for op in [
        "CreateRole",
        "CreateInstanceProfile",
        "CreatePolicy",
        "CreateKey",
        "CreateAlias",
        "CreateQueue",
        "PutRule",
    ] {
        assert_eq!(proxy.calls(op).len(), 1, "{op} is sent once\n{}", run.all());
    }
    let sent = |call: fn(&str) -> bool| {
        proxy
            .log()
            .iter()
            .filter(|e| e["operation"].as_str().is_some_and(call))
            .count()
    };
    assert_eq!(
        sent(|op| op.starts_with("PUT /lost-") && !op.contains('?')),
        1,
        "CreateBucket"
    );
    assert_eq!(
        sent(|op| op.trim_end_matches('/') == "POST /2015-03-31/functions"),
        1,
        "CreateFunction"
    );
    assert_eq!(
        sent(|op| op.starts_with("POST /2015-03-31/functions/") && op.ends_with("/policy")),
        1,
        "AddPermission"
    );
    let state = local_state(work.path(), "lost");
    assert!(
        state.get("pending").is_none(),
        "no pending create left: {state}"
    );

    // One object per address in moto.
    let clients = Clients::from_config(&moto.sdk_config());
    runtime().block_on(async {
        let roles = clients.iam.list_roles().send().await.unwrap();
        assert_eq!(roles.roles().len(), 1, "roles");
        let role = roles.roles()[0].role_name();
        let local = clients
            .iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        assert_eq!(local.policies().len(), 1, "managed policies");
        let inline = clients
            .iam
            .list_role_policies()
            .role_name(role)
            .send()
            .await
            .unwrap();
        assert_eq!(inline.policy_names().len(), 1, "inline policies");
        let profiles = clients.iam.list_instance_profiles().send().await.unwrap();
        assert_eq!(profiles.instance_profiles().len(), 1, "instance profiles");
        assert_eq!(
            clients.kms.list_keys().send().await.unwrap().keys().len(),
            1,
            "KMS keys"
        );
        let aliases = clients.kms.list_aliases().send().await.unwrap();
        let ours = aliases
            .aliases()
            .iter()
            .filter(|a| a.alias_name().is_some_and(|n| n.starts_with("alias/lost-")));
        assert_eq!(ours.count(), 1, "aliases");
        assert_eq!(
            clients
                .sqs
                .list_queues()
                .send()
                .await
                .unwrap()
                .queue_urls()
                .len(),
            1,
            "queues"
        );
        let buckets = clients.s3.list_buckets().send().await.unwrap();
        assert_eq!(buckets.buckets().len(), 1, "buckets");
        // CreateBucket cannot tag: the bucket was tagged when it was found.
        let bucket = buckets.buckets()[0].name().unwrap();
        let tagging = clients
            .s3
            .get_bucket_tagging()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        assert!(tagging
            .tag_set()
            .iter()
            .any(|t| t.key() == "recon:address" && t.value() == "aws_s3_bucket.b"));
        let rules = clients.events.list_rules().send().await.unwrap();
        assert_eq!(rules.rules().len(), 1, "rules");
        let targets = clients
            .events
            .list_targets_by_rule()
            .rule(rules.rules()[0].name().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(targets.targets().len(), 1, "targets");
        assert_eq!(
            clients
                .lambda
                .list_functions()
                .send()
                .await
                .unwrap()
                .functions()
                .len(),
            1,
            "functions"
        );
        let policy = clients
            .lambda
            .get_policy()
            .function_name("lost-fn")
            .send()
            .await
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
        assert_eq!(
            doc["Statement"].as_array().map(Vec::len),
            Some(1),
            "statements: {doc}"
        );
    });

    proxy.clear();
    let plan = proxy.run(work.path(), &stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());
}
