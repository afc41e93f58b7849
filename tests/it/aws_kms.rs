//! aws_kms_key and aws_kms_alias against moto.

use crate::common;
use crate::common::{found, meta, Moto};
use recon::aws::kms::alias::KmsAlias;
use recon::aws::kms::key::KmsKey;
use recon::aws::Clients;
use recon::object;
use recon::provider::{Created, Meta, ResourceType};
use recon::value::{Object, ObjectExt, Value};

/// A planned key as the engine hands it over: defaults filled in, computed values unknown.
fn planned_key(extra: Object) -> Object {
    let mut planned = object! {
        "id" => Value::Unknown,
        "arn" => Value::Unknown,
        "key_id" => Value::Unknown,
        "description" => Value::Unknown,
        "key_usage" => "ENCRYPT_DECRYPT",
        "customer_master_key_spec" => "SYMMETRIC_DEFAULT",
        "enable_key_rotation" => false,
        "rotation_period_in_days" => Value::Unknown,
        "deletion_window_in_days" => Value::Null,
        "bypass_policy_lockout_safety_check" => false,
        "policy" => Value::Unknown,
        "is_enabled" => true,
        "multi_region" => Value::Unknown,
        "tags" => Value::Null,
    };
    planned.extend(extra);
    planned
}

fn policy(sid: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Id": "custom",
        "Statement": [{
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*"
        }]
    })
    .to_string()
}

fn json(s: Option<&str>) -> serde_json::Value {
    serde_json::from_str(s.expect("a JSON string")).expect("valid JSON")
}

async fn aws_tags(clients: &Clients, key_id: &str) -> Vec<(String, String)> {
    let out = clients
        .kms
        .list_resource_tags()
        .key_id(key_id)
        .send()
        .await
        .unwrap();
    common::sorted_pairs(out.tags().iter().map(|t| (t.tag_key(), t.tag_value())))
}

#[test]
fn key_create_read_update_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let keys = KmsKey::new(&clients);
        let planned = planned_key(object! {
            "description" => "state encryption",
            "enable_key_rotation" => true,
            "deletion_window_in_days" => 7,
            "policy" => policy("first"),
            "tags" => Value::Object(object! {"team" => "infra", "env" => "test"}),
        });
        let created = keys
            .create(&planned, &meta("aws_kms_key.main"))
            .await
            .unwrap();
        let id = created.str("id").unwrap().to_string();
        assert!(!id.is_empty());
        assert_eq!(created.str("key_id"), Some(id.as_str()));
        assert_eq!(
            created.str("arn"),
            Some(format!("arn:aws:kms:us-east-1:123456789012:key/{id}").as_str())
        );
        assert_eq!(created.str("description"), Some("state encryption"));
        assert_eq!(created.str("key_usage"), Some("ENCRYPT_DECRYPT"));
        assert_eq!(
            created.str("customer_master_key_spec"),
            Some("SYMMETRIC_DEFAULT")
        );
        assert_eq!(created.bool("enable_key_rotation"), Some(true));
        assert_eq!(created.i64("deletion_window_in_days"), Some(7));
        assert_eq!(
            created.bool("bypass_policy_lockout_safety_check"),
            Some(false)
        );
        assert_eq!(json(created.str("policy")), json(Some(&policy("first"))));
        assert_eq!(created.bool("is_enabled"), Some(true));
        assert_eq!(created.bool("multi_region"), Some(false));
        assert_eq!(
            created.get("tags"),
            Some(&Value::Object(object! {"env" => "test", "team" => "infra"}))
        );
        // Every schema attribute is present.
        for attr in keys.schema().attributes {
            assert!(created.contains_key(attr.name), "missing {}", attr.name);
        }
        // recon's own tags are on the key but never in state.
        let on_aws = aws_tags(&clients, &id).await;
        assert!(on_aws.contains(&("recon:stack".into(), "test".into())));
        assert!(on_aws.contains(&("recon:address".into(), "aws_kms_key.main".into())));

        // Read back from a prior holding only what state holds.
        let read = keys.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read, vec![Some(created.clone())]);

        // Update in place.
        let mut planned2 = created.clone();
        planned2.insert("description".into(), "rotated description".into());
        planned2.insert("enable_key_rotation".into(), false.into());
        planned2.insert("policy".into(), policy("second").into());
        planned2.insert(
            "tags".into(),
            Value::Object(object! {"team" => "platform", "owner" => "ops"}),
        );
        planned2.insert("is_enabled".into(), false.into());
        planned2.insert("deletion_window_in_days".into(), 10.into());
        let updated = keys
            .update(&created, &planned2, &meta("aws_kms_key.main"))
            .await
            .unwrap();
        assert_eq!(updated.str("id"), Some(id.as_str()));
        assert_eq!(updated.str("description"), Some("rotated description"));
        assert_eq!(updated.bool("enable_key_rotation"), Some(false));
        assert_eq!(json(updated.str("policy")), json(Some(&policy("second"))));
        assert_eq!(updated.bool("is_enabled"), Some(false));
        assert_eq!(updated.i64("deletion_window_in_days"), Some(10));
        assert_eq!(
            updated.get("tags"),
            Some(&Value::Object(
                object! {"owner" => "ops", "team" => "platform"}
            ))
        );
        let on_aws = aws_tags(&clients, &id).await;
        assert!(!on_aws.iter().any(|(k, _)| k == "env"));
        assert!(on_aws.contains(&("recon:stack".into(), "test".into())));
        let read = keys.read(std::slice::from_ref(&updated)).await.unwrap();
        assert_eq!(read, vec![Some(updated.clone())]);

        // Re-enable while changing rotation: enable must come first.
        let mut planned3 = updated.clone();
        planned3.insert("is_enabled".into(), true.into());
        planned3.insert("enable_key_rotation".into(), true.into());
        let updated3 = keys
            .update(&updated, &planned3, &meta("aws_kms_key.main"))
            .await
            .unwrap();
        assert_eq!(updated3.bool("is_enabled"), Some(true));
        assert_eq!(updated3.bool("enable_key_rotation"), Some(true));

        // Delete schedules deletion; the key then reads as gone.
        keys.delete(&updated3).await.unwrap();
        let meta_out = clients.kms.describe_key().key_id(&id).send().await.unwrap();
        let metadata = meta_out.key_metadata().unwrap();
        assert_eq!(
            metadata.key_state().map(|s| s.as_str()),
            Some("PendingDeletion")
        );
        assert_eq!(
            keys.read(std::slice::from_ref(&updated3)).await.unwrap(),
            vec![None]
        );
        // Deleting again is success.
        keys.delete(&updated3).await.unwrap();
    });
}

#[test]
fn key_defaults_and_batch_read() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let keys = KmsKey::new(&clients);
        let a = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.a"))
            .await
            .unwrap();
        // AWS fills in the computed ones.
        assert_eq!(a.str("description"), Some(""));
        assert_eq!(a.bool("multi_region"), Some(false));
        assert_eq!(a.bool("enable_key_rotation"), Some(false));
        assert_eq!(a.bool("is_enabled"), Some(true));
        assert_eq!(a.get("deletion_window_in_days"), Some(&Value::Null));
        assert_eq!(a.get("tags"), Some(&Value::Null));
        let default_policy = json(a.str("policy"));
        assert_eq!(default_policy["Statement"][0]["Action"], "kms:*");

        let b = keys
            .create(
                &planned_key(object! {"multi_region" => true, "is_enabled" => false}),
                &meta("aws_kms_key.b"),
            )
            .await
            .unwrap();
        assert!(b.str("id").unwrap().starts_with("mrk-"));
        assert_eq!(b.bool("multi_region"), Some(true));
        assert_eq!(b.bool("is_enabled"), Some(false));

        let c = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.c"))
            .await
            .unwrap();
        keys.delete(&c).await.unwrap();

        let missing = keys.import_stub("0b6c7c1e-1111-4222-8333-444455556666");
        let read = keys
            .read(&[a.clone(), c.clone(), b.clone(), missing])
            .await
            .unwrap();
        assert_eq!(read, vec![Some(a.clone()), None, Some(b.clone()), None]);

        // Import: only the id is known; write-only attributes come back at their defaults.
        let imported = keys
            .read(&[keys.import_stub(a.str("id").unwrap())])
            .await
            .unwrap();
        let imported = imported[0].clone().unwrap();
        assert_eq!(imported.str("arn"), a.str("arn"));
        assert_eq!(imported.get("deletion_window_in_days"), Some(&Value::Null));

        // Out-of-range windows are refused before anything is created.
        let bad = keys
            .create(
                &planned_key(object! {"deletion_window_in_days" => 3}),
                &meta("aws_kms_key.bad"),
            )
            .await
            .unwrap_err();
        assert!(bad.message.contains("between 7 and 30"), "{bad}");
    });
}

/// A planned alias as the engine hands it over.
fn planned_alias(extra: Object) -> Object {
    let mut planned = object! {
        "id" => Value::Unknown,
        "arn" => Value::Unknown,
        "name" => Value::Unknown,
        "name_prefix" => Value::Unknown,
        "target_key_arn" => Value::Unknown,
    };
    planned.extend(extra);
    planned
}

#[test]
fn alias_create_retarget_delete() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let keys = KmsKey::new(&clients);
        let aliases = KmsAlias::new(&clients);
        let key_a = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.a"))
            .await
            .unwrap();
        let key_b = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.b"))
            .await
            .unwrap();
        let a_id = key_a.str("id").unwrap();
        let b_arn = key_b.str("arn").unwrap();

        let planned = planned_alias(object! {"name" => "alias/state", "target_key_id" => a_id});
        let created = aliases
            .create(&planned, &meta("aws_kms_alias.state"))
            .await
            .unwrap();
        assert_eq!(created.str("id"), Some("alias/state"));
        assert_eq!(created.str("name"), Some("alias/state"));
        assert_eq!(
            created.str("arn"),
            Some("arn:aws:kms:us-east-1:123456789012:alias/state")
        );
        assert_eq!(created.str("target_key_id"), Some(a_id));
        assert_eq!(created.str("target_key_arn"), key_a.str("arn"));
        assert_eq!(created.get("name_prefix"), Some(&Value::Null));
        for attr in aliases.schema().attributes {
            assert!(created.contains_key(attr.name), "missing {}", attr.name);
        }
        assert_eq!(
            aliases.read(std::slice::from_ref(&created)).await.unwrap(),
            vec![Some(created.clone())]
        );

        // Retarget, naming the new key by ARN: the ARN spelling stays in state.
        let mut planned2 = created.clone();
        planned2.insert("target_key_id".into(), b_arn.into());
        let updated = aliases
            .update(&created, &planned2, &meta("aws_kms_alias.state"))
            .await
            .unwrap();
        assert_eq!(updated.str("target_key_id"), Some(b_arn));
        assert_eq!(updated.str("target_key_arn"), Some(b_arn));
        assert_eq!(
            aliases.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![Some(updated.clone())]
        );

        // A generated name from a prefix.
        let prefixed = aliases
            .create(
                &planned_alias(object! {"name_prefix" => "alias/app-", "target_key_id" => a_id}),
                &meta("aws_kms_alias.app"),
            )
            .await
            .unwrap();
        let generated = prefixed.str("name").unwrap();
        assert!(generated.starts_with("alias/app-"), "{generated}");
        assert_eq!(generated.len(), "alias/app-".len() + 26);
        assert_eq!(prefixed.str("name_prefix"), Some("alias/app-"));
        assert_eq!(prefixed.str("id"), Some(generated));

        // Batch: one listing, a deleted alias reads as None.
        aliases.delete(&prefixed).await.unwrap();
        let read = aliases
            .read(&[
                prefixed.clone(),
                updated.clone(),
                aliases.import_stub("alias/never"),
            ])
            .await
            .unwrap();
        assert_eq!(read, vec![None, Some(updated.clone()), None]);

        // Import by name.
        let imported = aliases
            .read(&[aliases.import_stub("alias/state")])
            .await
            .unwrap();
        let imported = imported[0].clone().unwrap();
        assert_eq!(imported.str("target_key_id"), key_b.str("id"));
        assert_eq!(imported.str("target_key_arn"), Some(b_arn));

        aliases.delete(&updated).await.unwrap();
        assert_eq!(
            aliases.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        aliases.delete(&updated).await.unwrap();

        // Names must be alias/..., and alias/aws/ is AWS's.
        for bad in ["state", "alias/aws/mine"] {
            let err = aliases
                .create(
                    &planned_alias(object! {"name" => bad, "target_key_id" => a_id}),
                    &meta("aws_kms_alias.bad"),
                )
                .await
                .unwrap_err();
            assert!(err.message.contains("alias"), "{err}");
        }
    });
}

#[test]
fn find_created_finds_keys_by_token_and_aliases_by_name() {
    let moto = Moto::start();
    common::runtime().block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let with_token = |address: &str, token: &str| Meta {
            token: Some(token.into()),
            ..meta(address)
        };
        let keys = KmsKey::new(&clients);
        let aliases = KmsAlias::new(&clients);

        // A key has no name: the one tagged with the token, nothing for another
        // token or address, and no way to look without a token.
        let ours = with_token("aws_kms_key.k", "tok-key");
        let planned = planned_key(object! {"description" => "found again"});
        keys.create(&planned_key(Object::new()), &meta("aws_kms_key.untagged"))
            .await
            .unwrap();
        let created = keys.create(&planned, &ours).await.unwrap();
        assert_eq!(
            found(keys.find_created(&planned, &ours).await.unwrap()),
            created
        );
        let other_token = with_token("aws_kms_key.k", "tok-other");
        assert!(matches!(
            keys.find_created(&planned, &other_token).await.unwrap(),
            Created::Absent
        ));
        let other_address = with_token("aws_kms_key.other", "tok-key");
        assert!(matches!(
            keys.find_created(&planned, &other_address).await.unwrap(),
            Created::Absent
        ));
        assert!(matches!(
            keys.find_created(&planned, &meta("aws_kms_key.k"))
                .await
                .unwrap(),
            Created::Unknowable
        ));
        // A key pending deletion counts as gone.
        keys.delete(&created).await.unwrap();
        assert!(matches!(
            keys.find_created(&planned, &ours).await.unwrap(),
            Created::Absent
        ));

        // An alias is ours when it points at the planned key.
        let key = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.a"))
            .await
            .unwrap();
        let other_key = keys
            .create(&planned_key(Object::new()), &meta("aws_kms_key.b"))
            .await
            .unwrap();
        let ours = with_token("aws_kms_alias.a", "tok-alias");
        let planned = planned_alias(
            object! {"name" => "alias/found", "target_key_id" => key.str("arn").unwrap()},
        );
        let created = aliases.create(&planned, &ours).await.unwrap();
        assert_eq!(
            found(aliases.find_created(&planned, &ours).await.unwrap()),
            created
        );
        let elsewhere = planned_alias(
            object! {"name" => "alias/found", "target_key_id" => other_key.str("id").unwrap()},
        );
        let taken = aliases
            .find_created(&elsewhere, &with_token("aws_kms_alias.b", "tok-b"))
            .await
            .unwrap();
        assert!(
            matches!(&taken, Created::NotOurs { id } if id == "alias/found"),
            "{taken:?}"
        );
        let free = planned_alias(
            object! {"name" => "alias/free", "target_key_id" => key.str("id").unwrap()},
        );
        assert!(matches!(
            aliases.find_created(&free, &ours).await.unwrap(),
            Created::Absent
        ));
        // A create that hits the name names recon import; tried again, it adopts its own.
        let err = aliases
            .create(&elsewhere, &with_token("aws_kms_alias.b", "tok-b"))
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("AlreadyExistsException"), "{err}");
        assert!(
            err.message
                .contains("recon did not create it for aws_kms_alias.b"),
            "{err}"
        );
        assert!(
            err.message
                .contains("recon import aws_kms_alias.b alias/found"),
            "{err}"
        );
        assert_eq!(aliases.create(&planned, &ours).await.unwrap(), created);
        // A generated name comes from the token.
        let prefixed = planned_alias(
            object! {"name_prefix" => "alias/gen-", "target_key_id" => key.str("id").unwrap()},
        );
        let generated = aliases.create(&prefixed, &ours).await.unwrap();
        assert_eq!(
            found(aliases.find_created(&prefixed, &ours).await.unwrap()),
            generated
        );
        assert!(matches!(
            aliases
                .find_created(&prefixed, &meta("aws_kms_alias.a"))
                .await
                .unwrap(),
            Created::Unknowable
        ));
    });
}

/// The JSON bodies of the KMS requests a client sends (moto keeps no rotation
/// period, so what recon sends is what can be checked).
#[derive(Clone, Debug, Default)]
struct Sent(std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>);

impl aws_sdk_kms::config::Intercept for Sent {
    fn name(&self) -> &'static str {
        "Sent"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_kms::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_kms::config::RuntimeComponents,
        _cfg: &mut aws_sdk_kms::config::ConfigBag,
    ) -> Result<(), aws_sdk_kms::error::BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_string();
        let body = context.request().body().bytes().unwrap_or_default();
        let mut json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if let Some(obj) = json.as_object_mut() {
            obj.insert("_target".into(), target.into());
        }
        self.0.lock().unwrap().push(json);
        Ok(())
    }
}

#[test]
fn rotation_period_is_sent_on_create_and_change() {
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let config = moto.sdk_config();
        let sent = Sent::default();
        let mut clients = Clients::from_config(&config);
        clients.kms = aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::config::Builder::from(&config)
                .interceptor(sent.clone())
                .build(),
        );
        let keys = KmsKey::new(&clients);
        let rotations = || -> Vec<Option<i64>> {
            let sent = sent.0.lock().unwrap();
            sent.iter()
                .filter(|b| b["_target"] == "TrentService.EnableKeyRotation")
                .map(|b| b["RotationPeriodInDays"].as_i64())
                .collect()
        };
        let planned = planned_key(object! {
            "enable_key_rotation" => true,
            "rotation_period_in_days" => 180,
        });
        let created = keys
            .create(&planned, &meta("aws_kms_key.slow"))
            .await
            .unwrap();
        assert_eq!(rotations(), vec![Some(180)]);
        assert_eq!(created.i64("rotation_period_in_days"), Some(180));
        let read = keys.read(std::slice::from_ref(&created)).await.unwrap();
        assert_eq!(read, vec![Some(created.clone())]);

        // A new period alone is sent with EnableKeyRotation again.
        let mut planned2 = created.clone();
        planned2.insert("rotation_period_in_days".into(), 365.into());
        let updated = keys
            .update(&created, &planned2, &meta("aws_kms_key.slow"))
            .await
            .unwrap();
        assert_eq!(rotations(), vec![Some(180), Some(365)]);
        assert_eq!(updated.i64("rotation_period_in_days"), Some(365));

        // Out of range: refused before any call.
        let mut bad = updated.clone();
        bad.insert("rotation_period_in_days".into(), 30.into());
        let err = keys
            .update(&updated, &bad, &meta("aws_kms_key.slow"))
            .await
            .unwrap_err();
        assert!(err.message.contains("between 90 and 2560"), "{err}");
        assert_eq!(rotations().len(), 2);
    });
}

#[test]
fn key_policy_put_read_change_and_reset_on_delete() {
    use recon::aws::kms::key_policy::{self, KmsKeyPolicy};
    let moto = Moto::start();
    let rt = common::runtime();
    rt.block_on(async {
        let clients = Clients::from_config(&moto.sdk_config());
        let keys = KmsKey::new(&clients);
        let policies = KmsKeyPolicy::new(&clients);
        let key = keys
            .create(&planned_key(object! {}), &meta("aws_kms_key.app"))
            .await
            .unwrap();
        let id = key.str("id").unwrap().to_string();
        let on_aws = || async {
            let out = clients
                .kms
                .get_key_policy()
                .key_id(&id)
                .policy_name("default")
                .send()
                .await
                .unwrap();
            json(out.policy())
        };
        let config = object! {"key_id" => id.as_str(), "policy" => policy("standalone")};
        let at = meta("aws_kms_key_policy.app");
        let state = policies
            .create(&common::plan_new(&key_policy::SCHEMA, &config), &at)
            .await
            .unwrap();
        assert_eq!(on_aws().await, json(Some(&policy("standalone"))));
        assert_eq!(state.str("id"), Some(id.as_str()));
        assert!(common::replan(&key_policy::SCHEMA, &config, &state)
            .changed
            .is_empty());
        assert_eq!(
            policies.read(std::slice::from_ref(&state)).await.unwrap(),
            vec![Some(state.clone())]
        );

        let next = object! {"key_id" => id.as_str(), "policy" => policy("changed")};
        let plan = common::replan(&key_policy::SCHEMA, &next, &state);
        assert_eq!(common::changed(&plan), ["policy"]);
        let updated = policies.update(&state, &plan.after, &at).await.unwrap();
        assert_eq!(on_aws().await, json(Some(&policy("changed"))));

        // Destroyed: back to the default policy of the account's root.
        policies.delete(&updated).await.unwrap();
        let reset = on_aws().await;
        assert_eq!(
            reset["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::123456789012:root"
        );
        assert_eq!(reset["Statement"][0]["Action"], "kms:*");
        assert_eq!(reset["Id"], "key-default-1");
        // A key pending deletion reads as gone, and deleting is then nothing.
        keys.delete(&key).await.unwrap();
        assert_eq!(
            policies.read(std::slice::from_ref(&updated)).await.unwrap(),
            vec![None]
        );
        policies.delete(&updated).await.unwrap();
    });
}
