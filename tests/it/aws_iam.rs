//! The IAM types against moto: aws_iam_role, aws_iam_role_policy, aws_iam_policy,
//! aws_iam_role_policy_attachment and aws_iam_instance_profile; plus a stack with
//! an instance role run through the real binary.

use crate::common;
use crate::common::{
    changed, found, meta, not_ours, ok, plan_new, replaced, replan, runtime, string_map as tags,
    write_stack, FaultProxy, Moto,
};
use recon::aws::iam::instance_profile::IamInstanceProfile;
use recon::aws::iam::policy::IamPolicy;
use recon::aws::iam::role::IamRole;
use recon::aws::iam::role_policy::IamRolePolicy;
use recon::aws::iam::role_policy_attachment::IamRolePolicyAttachment;
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};

const ACCOUNT: &str = "123456789012";
const SSM_CORE: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/// The trust policy as `jsonencode(...)` writes it: compact, keys sorted.
fn trust_jsonencode(service: &str) -> String {
    format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"Service":"{service}"}}}}],"Version":"2012-10-17"}}"#
    )
}

/// The same policy as a heredoc: indented, a one-element list for Action, and the
/// trailing newline a heredoc keeps.
fn trust_heredoc(service: &str) -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Effect": "Allow",
      "Principal": {{ "Service": "{service}" }},
      "Action": ["sts:AssumeRole"]
    }}
  ]
}}
"#
    )
}

fn s3_policy(actions: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
    })
    .to_string()
}

fn json(s: Option<&str>) -> serde_json::Value {
    serde_json::from_str(s.expect("a JSON string")).expect("valid JSON")
}

fn assert_all_attributes(rt: &dyn ResourceType, state: &Object) {
    for attr in rt.schema().attributes {
        assert!(state.contains_key(attr.name), "missing {}", attr.name);
    }
    assert!(
        state.values().all(|v| v.is_wholly_known()),
        "unknown left in state: {state:?}"
    );
}

async fn role_tags_on_aws(clients: &Clients, role: &str) -> Vec<(String, String)> {
    let out = clients
        .iam
        .list_role_tags()
        .role_name(role)
        .send()
        .await
        .unwrap();
    common::sorted_pairs(out.tags().iter().map(|t| (t.key(), t.value())))
}

/// The ARNs of the managed policies attached to `role`, sorted.
async fn attached_on_aws(clients: &Clients, role: &str) -> Vec<String> {
    let out = clients
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    let mut arns: Vec<String> = out
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    arns.sort();
    arns
}

async fn make_role(clients: &Clients, name: &str) -> Object {
    let roles = IamRole::new(clients);
    let config =
        object! {"name" => name, "assume_role_policy" => trust_jsonencode("ec2.amazonaws.com")};
    roles
        .create(
            &plan_new(roles.schema(), &config),
            &meta(&format!("aws_iam_role.{name}")),
        )
        .await
        .unwrap()
}

#[test]
fn role_create_read_update_replace_delete_import() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let roles = IamRole::new(&clients);
        let config = object! {
            "name" => "app",
            "path" => "/svc/",
            "description" => "application role",
            "max_session_duration" => 7200,
            "assume_role_policy" => trust_heredoc("ec2.amazonaws.com"),
            "tags" => tags(&[("team", "infra"), ("env", "test")]),
        };
        let created = roles
            .create(
                &plan_new(roles.schema(), &config),
                &meta("aws_iam_role.app"),
            )
            .await
            .unwrap();
        assert_all_attributes(&roles, &created);
        assert_eq!(created.str("id"), Some("app"));
        assert_eq!(created.str("name"), Some("app"));
        assert_eq!(created.get("name_prefix"), Some(&Value::Null));
        assert_eq!(
            created.str("arn"),
            Some(format!("arn:aws:iam::{ACCOUNT}:role/svc/app").as_str())
        );
        assert_eq!(created.str("path"), Some("/svc/"));
        assert_eq!(created.str("description"), Some("application role"));
        assert_eq!(created.i64("max_session_duration"), Some(7200));
        assert_eq!(created.bool("force_detach_policies"), Some(false));
        assert!(created.str("unique_id").unwrap().starts_with("AROA"));
        assert!(created.str("create_date").unwrap().starts_with("20"));
        assert_eq!(
            created.get("tags"),
            Some(&tags(&[("env", "test"), ("team", "infra")]))
        );
        // State keeps the configured spelling of the (URL-encoded on the wire) policy.
        assert_eq!(
            created.str("assume_role_policy"),
            Some(trust_heredoc("ec2.amazonaws.com").as_str())
        );
        let on_aws = role_tags_on_aws(&clients, "app").await;
        assert!(on_aws.contains(&("recon:address".into(), "aws_iam_role.app".into())));

        // Re-planning, with the policy written as a heredoc or via jsonencode, is clean.
        assert_eq!(
            changed(&replan(roles.schema(), &config, &created)),
            Vec::<String>::new()
        );
        let mut as_jsonencode = config.clone();
        as_jsonencode.insert(
            "assume_role_policy".into(),
            trust_jsonencode("ec2.amazonaws.com").into(),
        );
        assert_eq!(
            changed(&replan(roles.schema(), &as_jsonencode, &created)),
            Vec::<String>::new()
        );

        // Refresh from a prior holding only state; a prior with another spelling of
        // the same policy keeps that spelling (no drift).
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read, vec![Some(created.clone())]);
        let mut other_spelling = created.clone();
        other_spelling.insert(
            "assume_role_policy".into(),
            trust_jsonencode("ec2.amazonaws.com").into(),
        );
        let read = roles
            .read(std::slice::from_ref(&other_spelling))
            .await
            .unwrap();
        assert_eq!(read, vec![Some(other_spelling.clone())]);

        // name_prefix: a generated name, and a batch read with a missing role.
        let prefixed = roles
            .create(
                &plan_new(
                    roles.schema(),
                    &object! {
                        "name_prefix" => "worker-",
                        "assume_role_policy" => trust_jsonencode("lambda.amazonaws.com"),
                    },
                ),
                &meta("aws_iam_role.worker"),
            )
            .await
            .unwrap();
        let generated = prefixed.str("name").unwrap().to_string();
        assert!(
            generated.starts_with("worker-") && generated.len() > 20,
            "{generated}"
        );
        assert_eq!(prefixed.str("name_prefix"), Some("worker-"));
        assert_eq!(prefixed.str("id"), Some(generated.as_str()));
        assert_eq!(prefixed.str("path"), Some("/"));
        assert_eq!(prefixed.i64("max_session_duration"), Some(3600));
        assert_eq!(prefixed.get("description"), Some(&Value::Null));
        assert_eq!(prefixed.get("tags"), Some(&Value::Null));
        let missing = object! {"id" => "no-such-role"};
        let batch = roles
            .read(&[created.clone(), missing, prefixed.clone()])
            .await
            .unwrap();
        assert_eq!(
            batch,
            vec![Some(created.clone()), None, Some(prefixed.clone())]
        );

        // Update in place: description, max_session_duration, trust policy, tags.
        let mut config2 = config.clone();
        config2.insert("description".into(), "changed".into());
        config2.insert("max_session_duration".into(), 3600.into());
        config2.insert(
            "assume_role_policy".into(),
            trust_jsonencode("lambda.amazonaws.com").into(),
        );
        config2.insert(
            "tags".into(),
            tags(&[("team", "platform"), ("owner", "ops")]),
        );
        let plan = replan(roles.schema(), &config2, &created);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let mut c = changed(&plan);
        c.sort();
        assert_eq!(
            c,
            [
                "assume_role_policy",
                "description",
                "max_session_duration",
                "tags"
            ]
        );
        let updated = roles
            .update(&created, &plan.after, &meta("aws_iam_role.app"))
            .await
            .unwrap();
        assert_eq!(updated.str("id"), Some("app"));
        assert_eq!(updated.str("unique_id"), created.str("unique_id"));
        assert_eq!(updated.str("description"), Some("changed"));
        assert_eq!(updated.i64("max_session_duration"), Some(3600));
        assert_eq!(
            json(updated.str("assume_role_policy")),
            json(Some(&trust_jsonencode("lambda.amazonaws.com")))
        );
        assert_eq!(
            updated.get("tags"),
            Some(&tags(&[("owner", "ops"), ("team", "platform")]))
        );
        let aws = clients
            .iam
            .get_role()
            .role_name("app")
            .send()
            .await
            .unwrap();
        let aws = aws.role().unwrap();
        assert_eq!(aws.description(), Some("changed"));
        assert_eq!(aws.max_session_duration(), Some(3600));
        let on_aws = role_tags_on_aws(&clients, "app").await;
        assert!(!on_aws.iter().any(|(k, _)| k == "env"));
        assert!(on_aws.contains(&("owner".into(), "ops".into())));
        assert!(on_aws.contains(&("recon:stack".into(), "test".into())));
        assert_eq!(
            changed(&replan(roles.schema(), &config2, &updated)),
            Vec::<String>::new()
        );

        // Removing the description clears it.
        let mut config3 = config2.clone();
        config3.remove("description");
        let plan = replan(roles.schema(), &config3, &updated);
        assert_eq!(changed(&plan), ["description"]);
        let updated = roles
            .update(&updated, &plan.after, &meta("aws_iam_role.app"))
            .await
            .unwrap();
        assert_eq!(updated.get("description"), Some(&Value::Null));

        // A new name (or path) replaces the role.
        let mut renamed = config3.clone();
        renamed.insert("name".into(), "app2".into());
        renamed.insert("path".into(), "/".into());
        let plan = replan(roles.schema(), &renamed, &updated);
        let mut r = replaced(&plan);
        r.sort();
        assert_eq!(r, ["name", "path"]);
        assert_eq!(plan.after.get("arn"), Some(&Value::Unknown));
        roles.delete(&updated).await.unwrap();
        let replacement = roles
            .create(&plan.after, &meta("aws_iam_role.app"))
            .await
            .unwrap();
        assert_eq!(
            replacement.str("arn"),
            Some(format!("arn:aws:iam::{ACCOUNT}:role/app2").as_str())
        );
        assert_eq!(
            roles.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );

        // Import: the role name alone is enough.
        let stub = roles.import_stub("app2");
        let imported = roles.read(&[stub]).await.unwrap().pop().unwrap().unwrap();
        assert_eq!(imported, replacement);

        // Delete, then read as gone; deleting again is success.
        roles.delete(&replacement).await.unwrap();
        assert_eq!(
            roles
                .read(std::slice::from_ref(&replacement))
                .await
                .unwrap(),
            vec![None]
        );
        roles.delete(&replacement).await.unwrap();
        roles.delete(&prefixed).await.unwrap();
    });
}

#[test]
fn role_delete_takes_it_out_of_profiles_and_force_detaches() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let roles = IamRole::new(&clients);
        let role = make_role(&clients, "busy").await;
        clients
            .iam
            .attach_role_policy()
            .role_name("busy")
            .policy_arn(SSM_CORE)
            .send()
            .await
            .unwrap();
        clients
            .iam
            .put_role_policy()
            .role_name("busy")
            .policy_name("inline")
            .policy_document(s3_policy(&["s3:GetObject"]))
            .send()
            .await
            .unwrap();
        clients
            .iam
            .create_instance_profile()
            .instance_profile_name("holder")
            .send()
            .await
            .unwrap();
        clients
            .iam
            .add_role_to_instance_profile()
            .instance_profile_name("holder")
            .role_name("busy")
            .send()
            .await
            .unwrap();

        // Without force_detach_policies the delete is refused, naming what is left.
        let err = roles.delete(&role).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("DeleteConflict"));
        assert!(err.message.contains(SSM_CORE), "{err}");
        assert!(err.message.contains("inline"), "{err}");
        assert!(err.message.contains("force_detach_policies"), "{err}");
        // ...but the role was taken out of its instance profile first.
        let profile = clients
            .iam
            .get_instance_profile()
            .instance_profile_name("holder")
            .send()
            .await
            .unwrap();
        assert!(profile.instance_profile().unwrap().roles().is_empty());
        assert!(roles.read(std::slice::from_ref(&role)).await.unwrap()[0].is_some());

        // With force_detach_policies it goes, together with its inline policy.
        let mut forced = role.clone();
        forced.insert("force_detach_policies".into(), true.into());
        roles.delete(&forced).await.unwrap();
        assert_eq!(
            roles.read(std::slice::from_ref(&role)).await.unwrap(),
            vec![None]
        );
        let roles_left = clients.iam.list_roles().send().await.unwrap();
        assert!(roles_left.roles().iter().all(|r| r.role_name() != "busy"));
    });
}

#[test]
fn role_policy_create_read_update_replace_delete_import() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let policies = IamRolePolicy::new(&clients);
        make_role(&clients, "web").await;
        // A heredoc-style document: indented, trailing newline.
        let heredoc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"Action\": \"s3:GetObject\",\n    \"Resource\": \"*\"\n  }\n}\n";
        let config = object! {"name" => "read", "role" => "web", "policy" => heredoc};
        let created = policies
            .create(&plan_new(policies.schema(), &config), &meta("aws_iam_role_policy.read"))
            .await
            .unwrap();
        assert_all_attributes(&policies, &created);
        assert_eq!(created.str("id"), Some("web:read"));
        assert_eq!(created.str("name"), Some("read"));
        assert_eq!(created.get("name_prefix"), Some(&Value::Null));
        assert_eq!(created.str("role"), Some("web"));
        assert_eq!(created.str("policy"), Some(heredoc));
        assert_eq!(changed(&replan(policies.schema(), &config, &created)), Vec::<String>::new());
        let mut as_list = config.clone();
        as_list.insert("policy".into(), s3_policy(&["s3:GetObject"]).into());
        assert_eq!(changed(&replan(policies.schema(), &as_list, &created)), Vec::<String>::new());
        let on_aws = clients
            .iam
            .get_role_policy()
            .role_name("web")
            .policy_name("read")
            .send()
            .await
            .unwrap();
        assert!(on_aws.policy_document().starts_with("%7B"), "moto URL-encodes: {}", on_aws.policy_document());

        // name_prefix, and a batch read with a missing policy and a missing role.
        let prefixed = policies
            .create(
                &plan_new(policies.schema(), &object! {
                    "name_prefix" => "extra-",
                    "role" => "web",
                    "policy" => s3_policy(&["s3:ListBucket"]),
                }),
                &meta("aws_iam_role_policy.extra"),
            )
            .await
            .unwrap();
        let generated = prefixed.str("name").unwrap().to_string();
        assert!(generated.starts_with("extra-"));
        assert_eq!(prefixed.str("name_prefix"), Some("extra-"));
        assert_eq!(prefixed.str("id"), Some(format!("web:{generated}").as_str()));
        let batch = policies
            .read(&[
                object! {"id" => "web:nope"},
                created.clone(),
                object! {"id" => "no-role:read"},
                prefixed.clone(),
            ])
            .await
            .unwrap();
        assert_eq!(batch, vec![None, Some(created.clone()), None, Some(prefixed.clone())]);

        // Update the text in place.
        let mut config2 = config.clone();
        config2.insert("policy".into(), s3_policy(&["s3:GetObject", "s3:PutObject"]).into());
        let plan = replan(policies.schema(), &config2, &created);
        assert_eq!(changed(&plan), ["policy"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let updated = policies
            .update(&created, &plan.after, &meta("aws_iam_role_policy.read"))
            .await
            .unwrap();
        assert_eq!(updated.str("id"), Some("web:read"));
        assert_eq!(
            json(updated.str("policy")),
            json(Some(&s3_policy(&["s3:GetObject", "s3:PutObject"])))
        );
        let read = policies.read(std::slice::from_ref(&updated)).await.unwrap();
        assert_eq!(read, vec![Some(updated.clone())]);

        // A new name, or another role, replaces it.
        let mut renamed = config2.clone();
        renamed.insert("name".into(), "read2".into());
        renamed.insert("role".into(), "other".into());
        let mut r = replaced(&replan(policies.schema(), &renamed, &updated));
        r.sort();
        assert_eq!(r, ["name", "role"]);

        // Import from "<role>:<name>".
        let imported = policies
            .read(&[policies.import_stub("web:read")])
            .await
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
        assert_eq!(imported.str("id"), Some("web:read"));
        assert_eq!(imported.str("role"), Some("web"));
        assert_eq!(imported.str("name"), Some("read"));
        assert_eq!(json(imported.str("policy")), json(updated.str("policy")));
        let bad = policies.read(&[policies.import_stub("no-colon")]).await.unwrap_err();
        assert!(bad.message.contains("<role name>:<policy name>"), "{bad}");

        // Delete, read as gone, delete again.
        policies.delete(&updated).await.unwrap();
        assert_eq!(policies.read(std::slice::from_ref(&updated)).await.unwrap(), vec![None]);
        policies.delete(&updated).await.unwrap();
        policies.delete(&prefixed).await.unwrap();
        let left = clients.iam.list_role_policies().role_name("web").send().await.unwrap();
        assert!(left.policy_names().is_empty());
    });
}

#[test]
fn managed_policy_create_read_versions_replace_delete_import() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let policies = IamPolicy::new(&clients);
        let config = object! {
            "name" => "logs",
            "path" => "/app/",
            "description" => "write logs",
            "policy" => s3_policy(&["s3:PutObject"]),
            "tags" => tags(&[("team", "infra")]),
        };
        let created = policies
            .create(
                &plan_new(policies.schema(), &config),
                &meta("aws_iam_policy.logs"),
            )
            .await
            .unwrap();
        assert_all_attributes(&policies, &created);
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/app/logs");
        assert_eq!(created.str("id"), Some(arn.as_str()));
        assert_eq!(created.str("arn"), Some(arn.as_str()));
        assert_eq!(created.str("name"), Some("logs"));
        assert_eq!(created.get("name_prefix"), Some(&Value::Null));
        assert_eq!(created.str("path"), Some("/app/"));
        assert_eq!(created.str("description"), Some("write logs"));
        assert!(!created.str("policy_id").unwrap().is_empty());
        assert_eq!(
            created.str("policy"),
            Some(s3_policy(&["s3:PutObject"]).as_str())
        );
        assert_eq!(created.get("tags"), Some(&tags(&[("team", "infra")])));
        assert_eq!(
            changed(&replan(policies.schema(), &config, &created)),
            Vec::<String>::new()
        );

        // Batch read with a missing policy.
        let prefixed = policies
            .create(
                &plan_new(
                    policies.schema(),
                    &object! {"name_prefix" => "ro-", "policy" => s3_policy(&["s3:GetObject"])},
                ),
                &meta("aws_iam_policy.ro"),
            )
            .await
            .unwrap();
        assert!(prefixed.str("name").unwrap().starts_with("ro-"));
        assert_eq!(prefixed.str("name_prefix"), Some("ro-"));
        assert_eq!(prefixed.get("description"), Some(&Value::Null));
        let missing = object! {"id" => format!("arn:aws:iam::{ACCOUNT}:policy/nope")};
        let batch = policies
            .read(&[prefixed.clone(), missing, created.clone()])
            .await
            .unwrap();
        assert_eq!(
            batch,
            vec![Some(prefixed.clone()), None, Some(created.clone())]
        );

        // Each document change is a new default version; never more than five.
        let mut state = created.clone();
        let mut actions = vec!["s3:PutObject"];
        for extra in [
            "s3:GetObject",
            "s3:ListBucket",
            "s3:DeleteObject",
            "s3:GetBucketLocation",
            "s3:PutObjectAcl",
            "s3:GetObjectAcl",
        ] {
            actions.push(extra);
            let mut next = config.clone();
            next.insert("policy".into(), s3_policy(&actions).into());
            let plan = replan(policies.schema(), &next, &state);
            assert_eq!(changed(&plan), ["policy"]);
            state = policies
                .update(&state, &plan.after, &meta("aws_iam_policy.logs"))
                .await
                .unwrap();
            assert_eq!(json(state.str("policy")), json(Some(&s3_policy(&actions))));
            let versions = clients
                .iam
                .list_policy_versions()
                .policy_arn(&arn)
                .send()
                .await
                .unwrap();
            assert!(versions.versions().len() <= 5, "{:?}", versions.versions());
        }
        let versions = clients
            .iam
            .list_policy_versions()
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
        assert_eq!(versions.versions().len(), 5);
        let default = versions
            .versions()
            .iter()
            .find(|v| v.is_default_version())
            .unwrap();
        assert_eq!(default.version_id(), Some("v7"));
        assert_eq!(state.str("id"), Some(arn.as_str()));
        assert_eq!(state.str("policy_id"), created.str("policy_id"));

        // Tags change in place.
        let mut retag = config.clone();
        retag.insert("policy".into(), s3_policy(&actions).into());
        retag.insert("tags".into(), tags(&[("owner", "ops")]));
        let plan = replan(policies.schema(), &retag, &state);
        assert_eq!(changed(&plan), ["tags"]);
        state = policies
            .update(&state, &plan.after, &meta("aws_iam_policy.logs"))
            .await
            .unwrap();
        assert_eq!(state.get("tags"), Some(&tags(&[("owner", "ops")])));
        let aws_tags = clients
            .iam
            .list_policy_tags()
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
        assert!(aws_tags.tags().iter().any(|t| t.key() == "recon:stack"));
        assert!(!aws_tags.tags().iter().any(|t| t.key() == "team"));

        // Description, name and path force replacement.
        let mut renamed = retag.clone();
        renamed.insert("description".into(), "other".into());
        renamed.insert("name".into(), "logs2".into());
        let mut r = replaced(&replan(policies.schema(), &renamed, &state));
        r.sort();
        assert_eq!(r, ["description", "name"]);

        // Import by ARN.
        let imported = policies
            .read(&[policies.import_stub(&arn)])
            .await
            .unwrap()
            .pop()
            .unwrap()
            .unwrap();
        assert_eq!(imported.str("id"), Some(arn.as_str()));
        assert_eq!(imported.str("name"), Some("logs"));
        assert_eq!(json(imported.str("policy")), json(state.str("policy")));

        // Attached, the delete is refused naming the role (moto itself would let it
        // go and leave the role undeletable).
        make_role(&clients, "user").await;
        clients
            .iam
            .attach_role_policy()
            .role_name("user")
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
        let err = policies.delete(&state).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("DeleteConflict"));
        assert!(err.message.contains("role user"), "{err}");
        assert!(policies.read(std::slice::from_ref(&state)).await.unwrap()[0].is_some());
        clients
            .iam
            .detach_role_policy()
            .role_name("user")
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();

        // Detached, it goes with all its versions; deleting again is success.
        policies.delete(&state).await.unwrap();
        assert_eq!(
            policies.read(std::slice::from_ref(&state)).await.unwrap(),
            vec![None]
        );
        policies.delete(&state).await.unwrap();
        policies.delete(&prefixed).await.unwrap();
        let left = clients
            .iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        assert!(left.policies().is_empty(), "{:?}", left.policies());
    });
}

#[test]
fn role_policy_attachment_create_read_delete_import() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let attachments = IamRolePolicyAttachment::new(&clients);
        make_role(&clients, "node").await;
        let custom = IamPolicy::new(&clients)
            .create(
                &plan_new(IamPolicy::new(&clients).schema(), &object! {"name" => "custom", "policy" => s3_policy(&["s3:GetObject"])}),
                &meta("aws_iam_policy.custom"),
            )
            .await
            .unwrap();
        let custom_arn = custom.str("arn").unwrap().to_string();

        let ssm = attachments
            .create(
                &plan_new(attachments.schema(), &object! {"role" => "node", "policy_arn" => SSM_CORE}),
                &meta("aws_iam_role_policy_attachment.ssm"),
            )
            .await
            .unwrap();
        assert_all_attributes(&attachments, &ssm);
        assert_eq!(ssm.str("id"), Some(format!("node/{SSM_CORE}").as_str()));
        assert_eq!(ssm.str("role"), Some("node"));
        assert_eq!(ssm.str("policy_arn"), Some(SSM_CORE));
        let config = object! {"role" => "node", "policy_arn" => custom_arn.clone()};
        let own = attachments
            .create(&plan_new(attachments.schema(), &config), &meta("aws_iam_role_policy_attachment.own"))
            .await
            .unwrap();
        assert_eq!(changed(&replan(attachments.schema(), &config, &own)), Vec::<String>::new());
        assert_eq!(attached_on_aws(&clients, "node").await, [custom_arn.as_str(), SSM_CORE]);

        // Batch read: two on one role, one never attached, one on a missing role.
        let never = object! {"id" => "x", "role" => "node", "policy_arn" => format!("arn:aws:iam::{ACCOUNT}:policy/other")};
        let no_role = object! {"id" => "y", "role" => "ghost", "policy_arn" => SSM_CORE};
        let batch = attachments
            .read(&[ssm.clone(), never, own.clone(), no_role])
            .await
            .unwrap();
        assert_eq!(batch, vec![Some(ssm.clone()), None, Some(own.clone()), None]);

        // Both attributes force replacement.
        let mut other = config.clone();
        other.insert("role".into(), "node2".into());
        other.insert("policy_arn".into(), SSM_CORE.into());
        let mut r = replaced(&replan(attachments.schema(), &other, &own));
        r.sort();
        assert_eq!(r, ["policy_arn", "role"]);

        // Import from Terraform's "<role>/<policy arn>".
        let stub = attachments.import_stub(&format!("node/{custom_arn}"));
        assert_eq!(stub.str("role"), Some("node"));
        let imported = attachments.read(&[stub]).await.unwrap();
        assert_eq!(imported, vec![Some(own.clone())]);
        let bad = attachments.read(&[attachments.import_stub("node")]).await.unwrap_err();
        assert!(bad.message.contains("<role name>/<policy arn>"), "{bad}");

        // Delete detaches; read as gone; deleting again is success.
        attachments.delete(&own).await.unwrap();
        assert_eq!(attachments.read(std::slice::from_ref(&own)).await.unwrap(), vec![None]);
        attachments.delete(&own).await.unwrap();
        attachments.delete(&ssm).await.unwrap();
        assert!(attached_on_aws(&clients, "node").await.is_empty());
    });
}

#[test]
fn instance_profile_create_read_role_swap_delete_import() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let profiles = IamInstanceProfile::new(&clients);
        make_role(&clients, "first").await;
        make_role(&clients, "second").await;
        let config = object! {
            "name" => "sync",
            "path" => "/ec2/",
            "role" => "first",
            "tags" => tags(&[("team", "infra")]),
        };
        let created = profiles
            .create(
                &plan_new(profiles.schema(), &config),
                &meta("aws_iam_instance_profile.sync"),
            )
            .await
            .unwrap();
        assert_all_attributes(&profiles, &created);
        assert_eq!(created.str("id"), Some("sync"));
        assert_eq!(created.str("name"), Some("sync"));
        assert_eq!(created.get("name_prefix"), Some(&Value::Null));
        assert_eq!(
            created.str("arn"),
            Some(format!("arn:aws:iam::{ACCOUNT}:instance-profile/ec2/sync").as_str())
        );
        assert_eq!(created.str("path"), Some("/ec2/"));
        assert_eq!(created.str("role"), Some("first"));
        assert_eq!(created.get("tags"), Some(&tags(&[("team", "infra")])));
        assert!(!created.str("unique_id").unwrap().is_empty());
        assert!(created.str("create_date").unwrap().starts_with("20"));
        assert_eq!(
            changed(&replan(profiles.schema(), &config, &created)),
            Vec::<String>::new()
        );

        // name_prefix without a role; batch read with a missing profile.
        let bare = profiles
            .create(
                &plan_new(profiles.schema(), &object! {"name_prefix" => "bare-"}),
                &meta("aws_iam_instance_profile.bare"),
            )
            .await
            .unwrap();
        assert_eq!(bare.str("name_prefix"), Some("bare-"));
        assert_eq!(bare.get("role"), Some(&Value::Null));
        let batch = profiles
            .read(&[object! {"id" => "nope"}, bare.clone(), created.clone()])
            .await
            .unwrap();
        assert_eq!(batch, vec![None, Some(bare.clone()), Some(created.clone())]);

        // Swap the role in place, and change tags.
        let mut config2 = config.clone();
        config2.insert("role".into(), "second".into());
        config2.insert("tags".into(), tags(&[("team", "platform")]));
        let plan = replan(profiles.schema(), &config2, &created);
        let mut c = changed(&plan);
        c.sort();
        assert_eq!(c, ["role", "tags"]);
        assert_eq!(replaced(&plan), Vec::<String>::new());
        let swapped = profiles
            .update(
                &created,
                &plan.after,
                &meta("aws_iam_instance_profile.sync"),
            )
            .await
            .unwrap();
        assert_eq!(swapped.str("role"), Some("second"));
        assert_eq!(swapped.str("unique_id"), created.str("unique_id"));
        assert_eq!(swapped.get("tags"), Some(&tags(&[("team", "platform")])));
        let aws = clients
            .iam
            .get_instance_profile()
            .instance_profile_name("sync")
            .send()
            .await
            .unwrap();
        let aws = aws.instance_profile().unwrap();
        let held: Vec<_> = aws.roles().iter().map(|r| r.role_name()).collect();
        assert_eq!(held, ["second"]);
        assert!(aws.tags().iter().any(|t| t.key() == "recon:address"));

        // Drift: the role was taken out by hand; the update puts it back without
        // asking moto to remove a role the profile does not hold (a 500 there).
        clients
            .iam
            .remove_role_from_instance_profile()
            .instance_profile_name("sync")
            .role_name("second")
            .send()
            .await
            .unwrap();
        let drifted = profiles.read(std::slice::from_ref(&swapped)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(drifted.get("role"), Some(&Value::Null));
        let plan = replan(profiles.schema(), &config2, &drifted);
        assert_eq!(changed(&plan), ["role"]);
        let restored = profiles
            .update(
                &drifted,
                &plan.after,
                &meta("aws_iam_instance_profile.sync"),
            )
            .await
            .unwrap();
        assert_eq!(restored.str("role"), Some("second"));

        // Removing the role from configuration takes it out.
        let mut no_role = config2.clone();
        no_role.remove("role");
        let plan = replan(profiles.schema(), &no_role, &restored);
        let emptied = profiles
            .update(
                &restored,
                &plan.after,
                &meta("aws_iam_instance_profile.sync"),
            )
            .await
            .unwrap();
        assert_eq!(emptied.get("role"), Some(&Value::Null));
        let plan = replan(profiles.schema(), &config2, &emptied);
        let state = profiles
            .update(
                &emptied,
                &plan.after,
                &meta("aws_iam_instance_profile.sync"),
            )
            .await
            .unwrap();

        // A new name or path replaces it.
        let mut renamed = config2.clone();
        renamed.insert("name".into(), "sync2".into());
        assert_eq!(
            replaced(&replan(profiles.schema(), &renamed, &state)),
            ["name"]
        );

        // Import by name.
        let imported = profiles
            .read(&[profiles.import_stub("sync")])
            .await
            .unwrap();
        assert_eq!(imported, vec![Some(state.clone())]);

        // Delete takes the role out first; read as gone; deleting again is success.
        profiles.delete(&state).await.unwrap();
        assert_eq!(
            profiles.read(std::slice::from_ref(&state)).await.unwrap(),
            vec![None]
        );
        profiles.delete(&state).await.unwrap();
        profiles.delete(&bare).await.unwrap();
        // The role is free again and can be deleted.
        IamRole::new(&clients)
            .delete(&object! {"id" => "second"})
            .await
            .unwrap();
    });
}

// ---- the real binary on a stack ----

const STACK: &str = r#"
resource "aws_iam_role" "instance" {
  name = "btsync-instance"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { Project = "cron-btsync" }
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.instance.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "instance" {
  name = "btsync-instance"
  role = aws_iam_role.instance.name
}

resource "aws_iam_role_policy" "backup" {
  name   = "backup"
  role   = aws_iam_role.instance.id
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:PutObject"],
      "Resource": "*"
    }
  ]
}
EOF
}

resource "aws_iam_policy" "logs" {
  name_prefix = "btsync-logs-"
  description = "CloudWatch Logs for the sync server"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.instance.name
  policy_arn = aws_iam_policy.logs.arn
}

output "instance_profile_arn" {
  value = aws_iam_instance_profile.instance.arn
}
"#;

/// Every role, instance profile and customer managed policy left in moto.
fn iam_leftovers(moto: &Moto) -> Vec<String> {
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let mut left = Vec::new();
        for r in iam.list_roles().send().await.unwrap().roles() {
            left.push(format!("role {}", r.role_name()));
        }
        for p in iam
            .list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles()
        {
            left.push(format!("instance profile {}", p.instance_profile_name()));
        }
        let local = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        for p in local.policies() {
            left.push(format!("policy {}", p.arn().unwrap_or_default()));
        }
        left
    })
}

#[test]
fn instance_role_stack_applies_replans_clean_and_destroys() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "iam-stack", STACK);

    let apply = ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    assert!(apply.stdout.contains("6 added"), "{}", apply.stdout);

    let iam = aws_sdk_iam::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let attached = iam
            .list_attached_role_policies()
            .role_name("btsync-instance")
            .send()
            .await
            .unwrap();
        let arns: Vec<_> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .collect();
        assert!(arns.contains(&SSM_CORE), "{arns:?}");
        assert_eq!(arns.len(), 2, "{arns:?}");
        let profile = iam
            .get_instance_profile()
            .instance_profile_name("btsync-instance")
            .send()
            .await
            .unwrap();
        let roles: Vec<_> = profile
            .instance_profile()
            .unwrap()
            .roles()
            .iter()
            .map(|r| r.role_name())
            .collect();
        assert_eq!(roles, ["btsync-instance"]);
    });

    // Re-planning right after apply finds nothing to do: the policies compare by
    // meaning, not by the text IAM sends back.
    moto.expect_no_changes(cwd, &stack);

    moto.destroy(cwd, &stack);
    assert_eq!(iam_leftovers(&moto), Vec::<String>::new());
}

#[test]
fn find_created_finds_roles_profiles_and_policies_by_name_and_token() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let with_token = |address: &str, token: &str| Meta { token: Some(token.into()), ..meta(address) };
        let ours = with_token("aws_iam_role.r", "tok-role");
        let elsewhere = with_token("aws_iam_role.other", "tok-other");

        // A role: found by name with its own meta; another address's; a free name.
        let roles = IamRole::new(&clients);
        let trust = trust_jsonencode("ec2.amazonaws.com");
        let plan = plan_new(roles.schema(), &object! {"name" => "made", "assume_role_policy" => trust.clone()});
        let created = roles.create(&plan, &ours).await.unwrap();
        assert_eq!(found(roles.find_created(&plan, &ours).await.unwrap()), created);
        assert_eq!(not_ours(roles.find_created(&plan, &elsewhere).await.unwrap()), "made");
        let another_token = with_token("aws_iam_role.r", "tok-2");
        assert_eq!(not_ours(roles.find_created(&plan, &another_token).await.unwrap()), "made");
        let free = plan_new(roles.schema(), &object! {"name" => "free", "assume_role_policy" => trust.clone()});
        assert!(matches!(roles.find_created(&free, &ours).await.unwrap(), Created::Absent));
        // A create that hits the name refuses a role made for another address, naming
        // recon import; the same create tried again adopts its own.
        let err = roles.create(&plan, &elsewhere).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("EntityAlreadyExists"), "{err}");
        assert!(err.message.contains("recon did not create it for aws_iam_role.other"), "{err}");
        assert!(err.message.contains("recon import aws_iam_role.other made"), "{err}");
        assert_eq!(roles.create(&plan, &ours).await.unwrap(), created);
        // A generated name comes from the token, so it is found again; without a
        // token it cannot be.
        let prefixed = plan_new(roles.schema(), &object! {"name_prefix" => "gen-", "assume_role_policy" => trust});
        let generated = roles.create(&prefixed, &ours).await.unwrap();
        assert_eq!(found(roles.find_created(&prefixed, &ours).await.unwrap()), generated);
        assert!(matches!(roles.find_created(&prefixed, &another_token).await.unwrap(), Created::Absent));
        assert!(matches!(roles.find_created(&prefixed, &meta("aws_iam_role.r")).await.unwrap(), Created::Unknowable));

        // An instance profile, with the role added by the create.
        let profiles = IamInstanceProfile::new(&clients);
        let plan = plan_new(profiles.schema(), &object! {"name" => "prof", "role" => "made"});
        let ours = with_token("aws_iam_instance_profile.p", "tok-profile");
        let created = profiles.create(&plan, &ours).await.unwrap();
        assert_eq!(found(profiles.find_created(&plan, &ours).await.unwrap()), created);
        assert_eq!(not_ours(profiles.find_created(&plan, &elsewhere).await.unwrap()), "prof");
        let free = plan_new(profiles.schema(), &object! {"name" => "free"});
        assert!(matches!(profiles.find_created(&free, &ours).await.unwrap(), Created::Absent));
        let err = profiles.create(&plan, &elsewhere).await.unwrap_err();
        assert!(err.message.contains("recon import aws_iam_role.other prof"), "{err}");

        // A managed policy: its id is the ARN, with the path.
        let policies = IamPolicy::new(&clients);
        let config = object! {"name" => "pol", "path" => "/team/", "policy" => s3_policy(&["s3:GetObject"])};
        let plan = plan_new(policies.schema(), &config);
        let ours = with_token("aws_iam_policy.p", "tok-policy");
        let created = policies.create(&plan, &ours).await.unwrap();
        assert_eq!(found(policies.find_created(&plan, &ours).await.unwrap()), created);
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/team/pol");
        assert_eq!(not_ours(policies.find_created(&plan, &elsewhere).await.unwrap()), arn);
        let free = plan_new(policies.schema(), &object! {"name" => "free", "policy" => s3_policy(&["s3:*"])});
        assert!(matches!(policies.find_created(&free, &ours).await.unwrap(), Created::Absent));
        let err = policies.create(&plan, &elsewhere).await.unwrap_err();
        assert!(err.message.contains(&format!("recon import aws_iam_role.other {arn}")), "{err}");

        // An inline policy is found by the name it was put under; an attachment is
        // an idempotent put, never looked for.
        let inline = IamRolePolicy::new(&clients);
        let plan = plan_new(inline.schema(), &object! {"role" => "made", "name_prefix" => "in-", "policy" => s3_policy(&["s3:ListBucket"])});
        let ours = with_token("aws_iam_role_policy.p", "tok-inline");
        let created = inline.create(&plan, &ours).await.unwrap();
        assert_eq!(found(inline.find_created(&plan, &ours).await.unwrap()), created);
        assert!(matches!(inline.find_created(&plan, &another_token).await.unwrap(), Created::Absent));
        let attachments = IamRolePolicyAttachment::new(&clients);
        let plan = plan_new(attachments.schema(), &object! {"role" => "made", "policy_arn" => arn});
        attachments.create(&plan, &ours).await.unwrap();
        assert!(matches!(attachments.find_created(&plan, &ours).await.unwrap(), Created::Absent));
        attachments.create(&plan, &ours).await.expect("attaching twice is harmless");
    });
}

/// From ten objects on, roles, inline policies and attachments refresh through
/// two account-wide listings instead of a call per object, and read exactly as
/// they do one by one (what is gone reads as gone).
#[test]
fn many_roles_policies_and_attachments_refresh_in_bulk_as_they_read_one_by_one() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    runtime().block_on(async {
        let clients = Clients::from_config(&proxy.sdk_config());
        let (roles, inline, attachments) =
            (IamRole::new(&clients), IamRolePolicy::new(&clients), IamRolePolicyAttachment::new(&clients));
        let (mut role_states, mut inline_states, mut attached_states) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..12 {
            let name = format!("bulk-{i:02}");
            let n = i.to_string();
            let config = object! {
                "name" => name.as_str(), "assume_role_policy" => trust_heredoc("ec2.amazonaws.com"),
                "description" => format!("role {i}"), "max_session_duration" => 3600 + 60 * i,
                "tags" => tags(&[("n", n.as_str())]),
            };
            let at = |t: &str| meta(&format!("{t}.r{i}"));
            role_states.push(roles.create(&plan_new(roles.schema(), &config), &at("aws_iam_role")).await.unwrap());
            let config = object! {"role" => name.as_str(), "name" => "read", "policy" => s3_policy(&["s3:GetObject"])};
            inline_states.push(inline.create(&plan_new(inline.schema(), &config), &at("aws_iam_role_policy")).await.unwrap());
            let config = object! {"role" => name.as_str(), "policy_arn" => SSM_CORE};
            attached_states.push(attachments.create(&plan_new(attachments.schema(), &config), &at("aws_iam_role_policy_attachment")).await.unwrap());
        }
        // Changed and removed outside recon.
        clients.iam.delete_role_policy().role_name("bulk-11").policy_name("read").send().await.unwrap();
        clients.iam.detach_role_policy().role_name("bulk-10").policy_arn(SSM_CORE).send().await.unwrap();
        clients.iam.update_role().role_name("bulk-09").description("edited").max_session_duration(7200).send().await.unwrap();
        clients.iam.tag_role().role_name("bulk-08").tags(aws_sdk_iam::types::Tag::builder().key("extra").value("1").build().unwrap()).send().await.unwrap();

        proxy.clear_log();
        let bulk_roles = roles.read(&role_states).await.unwrap();
        let bulk_inline = inline.read(&inline_states).await.unwrap();
        let bulk_attached = attachments.read(&attached_states).await.unwrap();
        let ops: Vec<String> = proxy.log().iter().map(|e| e["operation"].as_str().unwrap_or_default().to_string()).collect();
        let count = |op: &str| ops.iter().filter(|o| *o == op).count();
        assert_eq!(count("GetAccountAuthorizationDetails"), 3, "{ops:?}");
        assert_eq!(count("ListRoles"), 1, "{ops:?}");
        assert_eq!(ops.len(), 4, "no per-object call: {ops:?}");

        assert_eq!(bulk_inline[11], None);
        assert_eq!(bulk_attached[10], None);
        assert_eq!(bulk_roles[9].as_ref().unwrap().str("description"), Some("edited"));
        assert_eq!(bulk_roles[9].as_ref().unwrap().i64("max_session_duration"), Some(7200));
        assert_eq!(bulk_roles[8].as_ref().unwrap().get("tags"), Some(&tags(&[("extra", "1"), ("n", "8")])));
        assert_eq!(bulk_roles[0].as_ref(), Some(&role_states[0]), "unchanged reads as created");
        for i in 0..12 {
            let one = |s: &Object| std::slice::from_ref(s).to_vec();
            assert_eq!(roles.read(&one(&role_states[i])).await.unwrap()[0], bulk_roles[i], "role {i}");
            assert_eq!(inline.read(&one(&inline_states[i])).await.unwrap()[0], bulk_inline[i], "inline {i}");
            assert_eq!(attachments.read(&one(&attached_states[i])).await.unwrap()[0], bulk_attached[i], "attachment {i}");
        }
    });
}

/// managed_policy_arns, when set, is the exact list of attached managed policies
/// (read back, so an attachment made outside is drift); unset, attachments are
/// not read and roles with aws_iam_role_policy_attachment stay drift-free.
#[test]
fn role_managed_policy_arns_are_exclusive_when_set() {
    const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let roles = IamRole::new(&clients);
        let config = object! {
            "name" => "exclusive",
            "assume_role_policy" => trust_heredoc("ec2.amazonaws.com"),
            "managed_policy_arns" => Value::List(vec![SSM_CORE.into()]),
        };
        let meta = meta("aws_iam_role.exclusive");
        let created = roles
            .create(&plan_new(roles.schema(), &config), &meta)
            .await
            .unwrap();
        assert_eq!(created.strings("managed_policy_arns"), [SSM_CORE]);
        assert_eq!(attached_on_aws(&clients, "exclusive").await, [SSM_CORE]);
        assert_eq!(
            changed(&replan(roles.schema(), &config, &created)),
            Vec::<String>::new()
        );

        // Attached outside recon: read shows it, and the plan takes it away again.
        clients
            .iam
            .attach_role_policy()
            .role_name("exclusive")
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(read.strings("managed_policy_arns"), [SSM_CORE, READ_ONLY]);
        let mut only_read_only = config.clone();
        only_read_only.insert(
            "managed_policy_arns".into(),
            Value::List(vec![READ_ONLY.into()]),
        );
        let plan = replan(roles.schema(), &only_read_only, &read);
        assert_eq!(changed(&plan), ["managed_policy_arns"]);
        let updated = roles.update(&read, &plan.after, &meta).await.unwrap();
        assert_eq!(updated.strings("managed_policy_arns"), [READ_ONLY]);
        assert_eq!(attached_on_aws(&clients, "exclusive").await, [READ_ONLY]);

        // Unset: what is attached (by an attachment resource) is none of its business.
        let plain =
            object! {"name" => "plain", "assume_role_policy" => trust_heredoc("ec2.amazonaws.com")};
        let created = roles
            .create(&plan_new(roles.schema(), &plain), &meta)
            .await
            .unwrap();
        clients
            .iam
            .attach_role_policy()
            .role_name("plain")
            .policy_arn(SSM_CORE)
            .send()
            .await
            .unwrap();
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read, vec![Some(created.clone())]);
        assert_eq!(created.get("managed_policy_arns"), Some(&Value::Null));
    });
}

async fn inline_on_aws(clients: &Clients, role: &str) -> Vec<String> {
    let out = clients
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap();
    let mut names = out.policy_names().to_vec();
    names.sort();
    names
}

fn inline_blocks(policies: &[(&str, &str)]) -> Value {
    let block = |(name, policy): &(&str, &str)| {
        Value::Object(object! {"name" => *name, "policy" => *policy})
    };
    Value::List(policies.iter().map(block).collect())
}

/// inline_policy blocks are the exact set of the role's inline policies: made
/// with the role, drift read back, changed and removed in place, `inline_policy {}`
/// removes them all, and delete removes them first (as Terraform does).
#[test]
fn role_inline_policy_blocks_are_exclusive_when_present() {
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let roles = IamRole::new(&clients);
        let describe = s3_policy(&["ec2:Describe*"]);
        let list = s3_policy(&["s3:ListBucket"]);
        let mut config = object! {
            "name" => "inline",
            "assume_role_policy" => trust_heredoc("ec2.amazonaws.com"),
            "inline_policy" => inline_blocks(&[("describe", &describe), ("list", &list)]),
        };
        let meta = meta("aws_iam_role.inline");
        let created = roles
            .create(&plan_new(roles.schema(), &config), &meta)
            .await
            .unwrap();
        assert_eq!(
            inline_on_aws(&clients, "inline").await,
            ["describe", "list"]
        );
        assert_eq!(
            changed(&replan(roles.schema(), &config, &created)),
            Vec::<String>::new()
        );
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read, vec![Some(created.clone())]);

        // Put outside recon: read shows it, and the plan takes it away again.
        clients
            .iam
            .put_role_policy()
            .role_name("inline")
            .policy_name("extra")
            .policy_document(s3_policy(&["s3:GetObject"]))
            .send()
            .await
            .unwrap();
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        let plan = replan(roles.schema(), &config, &read);
        assert_eq!(changed(&plan), ["inline_policy"]);
        assert!(replaced(&plan).is_empty());

        // One document changed, one policy dropped, the outside one removed.
        let get = s3_policy(&["s3:GetObject", "s3:ListBucket"]);
        config.insert("inline_policy".into(), inline_blocks(&[("list", &get)]));
        let plan = replan(roles.schema(), &config, &read);
        let updated = roles.update(&read, &plan.after, &meta).await.unwrap();
        assert_eq!(inline_on_aws(&clients, "inline").await, ["list"]);
        let document = clients
            .iam
            .get_role_policy()
            .role_name("inline")
            .policy_name("list")
            .send()
            .await
            .unwrap();
        let document = recon::aws::iam::decode_policy(document.policy_document());
        assert_eq!(json(Some(&document)), json(Some(&get)));
        assert_eq!(
            changed(&replan(roles.schema(), &config, &updated)),
            Vec::<String>::new()
        );

        // `inline_policy {}`: none at all, and that plans clean afterwards.
        config.insert(
            "inline_policy".into(),
            Value::List(vec![Value::Object(Object::new())]),
        );
        let plan = replan(roles.schema(), &config, &updated);
        let emptied = roles.update(&updated, &plan.after, &meta).await.unwrap();
        assert!(inline_on_aws(&clients, "inline").await.is_empty());
        let read = roles.read(std::slice::from_ref(&emptied)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(
            changed(&replan(roles.schema(), &config, &read)),
            Vec::<String>::new()
        );

        // Delete takes the policies of its own blocks out first.
        config.insert(
            "inline_policy".into(),
            inline_blocks(&[("describe", &describe)]),
        );
        let plan = replan(roles.schema(), &config, &read);
        let last = roles.update(&read, &plan.after, &meta).await.unwrap();
        assert_eq!(inline_on_aws(&clients, "inline").await, ["describe"]);
        roles.delete(&last).await.unwrap();
        let gone = roles.read(std::slice::from_ref(&last)).await.unwrap();
        assert_eq!(gone, vec![None]);
    });
}

/// permissions_boundary is set at creation, changed and removed in place, and read back.
#[test]
fn role_permissions_boundary_set_changed_and_removed_in_place() {
    const POWER: &str = "arn:aws:iam::aws:policy/PowerUserAccess";
    const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let moto = Moto::start();
    runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let roles = IamRole::new(&clients);
        let meta = meta("aws_iam_role.bounded");
        let on_aws = || async {
            let role = clients
                .iam
                .get_role()
                .role_name("bounded")
                .send()
                .await
                .unwrap();
            let boundary = role.role().and_then(|r| r.permissions_boundary());
            boundary
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string)
        };
        let with = |boundary: Option<&str>| {
            let mut config = object! {
                "name" => "bounded",
                "assume_role_policy" => trust_jsonencode("lambda.amazonaws.com"),
            };
            if let Some(b) = boundary {
                config.insert("permissions_boundary".into(), b.into());
            }
            config
        };
        let config = with(Some(POWER));
        let created = roles
            .create(&plan_new(roles.schema(), &config), &meta)
            .await
            .unwrap();
        assert_eq!(created.str("permissions_boundary"), Some(POWER));
        assert_eq!(on_aws().await.as_deref(), Some(POWER));
        assert_eq!(
            changed(&replan(roles.schema(), &config, &created)),
            Vec::<String>::new()
        );

        // Changed outside recon: drift, put back in place.
        clients
            .iam
            .put_role_permissions_boundary()
            .role_name("bounded")
            .permissions_boundary(READ_ONLY)
            .send()
            .await
            .unwrap();
        let read = roles.read(std::slice::from_ref(&created)).await.unwrap()[0]
            .clone()
            .unwrap();
        assert_eq!(read.str("permissions_boundary"), Some(READ_ONLY));
        let plan = replan(roles.schema(), &config, &read);
        assert_eq!(changed(&plan), ["permissions_boundary"]);
        assert!(replaced(&plan).is_empty());
        let updated = roles.update(&read, &plan.after, &meta).await.unwrap();
        assert_eq!(on_aws().await.as_deref(), Some(POWER));

        // Taken out of the configuration: removed from the role.
        let plain = with(None);
        let plan = replan(roles.schema(), &plain, &updated);
        let removed = roles.update(&updated, &plan.after, &meta).await.unwrap();
        assert_eq!(removed.get("permissions_boundary"), Some(&Value::Null));
        assert_eq!(on_aws().await, None);
        assert_eq!(
            changed(&replan(roles.schema(), &plain, &removed)),
            Vec::<String>::new()
        );
    });
}
