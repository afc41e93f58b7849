//! aws_iam_role: an IAM role with its trust (assume role) policy.

use super::bulk::{AccountRoles, BULK_FROM};
use super::shared::{
    attached_policy_arns, date, iam_tags, inline_policy_names, is_invalid_principal, made_for,
    name_prefix_for, opt, policy_state, policy_to_send, profiles_of_role, remove_role_from_profile,
    resource_name, state_tags, PROPAGATION, PROPAGATION_TIMEOUT, RETRY,
};
use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use crate::value::json_equal;
use aws_sdk_iam::types::Role as AwsRole;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_role",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::required("assume_role_policy", Type::Json),
        Attribute::computed("create_date", Type::String),
        Attribute::optional("description", Type::String),
        // Read by delete only: detach managed and delete inline policies first.
        Attribute::optional("force_detach_policies", Type::Bool).default(Default::Bool(false)),
        // Terraform's exclusive list: when set, the role has exactly these attached
        // (read back as attached). Unset, attachments are aws_iam_role_policy_attachment's
        // business and are not read here.
        Attribute::optional("managed_policy_arns", Type::Set(&Type::String)),
        Attribute::optional("max_session_duration", Type::Number)
            .default(Default::Int(DEFAULT_MAX_SESSION)),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("path", Type::String)
            .default(Default::Str("/"))
            .force_new(),
        Attribute::optional("permissions_boundary", Type::String),
        TAGS,
        Attribute::computed("unique_id", Type::String),
    ],
    blocks: &[
        // Terraform's exclusive set: when present, the role has exactly these inline
        // policies (`inline_policy {}` alone means none). Absent, they are
        // aws_iam_role_policy's business and are not read here.
        BlockType::new("inline_policy", Nesting::Set, INLINE_POLICY).computed_when_absent(),
    ],
};

const INLINE_POLICY: &[Attribute] = &[
    Attribute::optional("name", Type::String),
    Attribute::optional("policy", Type::Json),
];

const DEFAULT_MAX_SESSION: i64 = 3600;

client_type!(IamRole: iam, once);

#[async_trait]
impl ResourceType for IamRole {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = resource_name(planned, meta);
        let trust = policy_to_send(
            "assume_role_policy",
            planned.str("assume_role_policy").unwrap_or_default(),
        )?;
        let role_tags = iam_tags(tags::with_recon_tags(planned, meta))?;
        let max_session = session_duration(planned)?;
        // A trust policy naming a role created moments ago is refused until IAM sees it.
        let made = retry_while(RETRY, is_invalid_principal, || async {
            self.once
                .create_role()
                .role_name(&name)
                .assume_role_policy_document(&trust)
                .path(planned.str("path").unwrap_or("/"))
                .set_description(planned.str("description").map(str::to_string))
                .set_max_session_duration(max_session)
                .set_permissions_boundary(planned.str("permissions_boundary").map(str::to_string))
                .set_tags(Some(role_tags.clone()))
                .send()
                .await
                .map_err(sdk_error)
        })
        .await;
        made_or_claim!(made, self, &format!("IAM role {name}"), planned, meta);
        let partial = object! {"id" => name.clone(), "name" => name.clone()};
        let waiting_for = format!("new IAM role {name} to be readable");
        let role = wait_until(&waiting_for, PROPAGATION, || find_role(&self.client, &name))
            .await
            .map_err(|e| e.with_partial(partial.clone()))?;
        let held = Held {
            attached: planned.strings("managed_policy_arns"),
            inline: Vec::new(),
        };
        let made = async {
            self.attach(&name, &held.attached, &[]).await?;
            self.put_inline(&name, planned, &[]).await
        };
        let inline = made.await.map_err(|e| e.with_partial(partial))?;
        Ok(to_state(&role, planned, &Held { inline, ..held }))
    }

    /// The role of the name the create asks for, when its tags say it was made
    /// for `meta` (a generated name is derived from the token, so it is found too).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = resource_name(planned, meta);
        Ok(match find_role(&self.client, &name).await? {
            None => Created::Absent,
            Some(role) if made_for(role.tags(), meta) => {
                let held = self.held(&name, planned).await?;
                Created::Found(to_state(&role, planned, &held))
            }
            Some(_) => Created::NotOurs { id: name },
        })
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let account = match priors.len() >= BULK_FROM {
            true => Some(AccountRoles::read(&self.client, true).await?),
            false => None,
        };
        let account = &account;
        read_by_id(priors, |name, prior| async move {
            let listed = match account {
                Some(account) => account.role(name)?,
                None => None,
            };
            let (role, held) = match (listed, account) {
                (Some(role), Some(account)) => (Some(role), Held::listed(account, name)),
                _ => match find_role(&self.client, name).await? {
                    Some(role) => (Some(role), self.held(name, prior).await?),
                    None => (None, Held::default()),
                },
            };
            Ok(role.map(|role| to_state(&role, prior, &held)))
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let trust = planned.str("assume_role_policy").unwrap_or_default();
        if !prior
            .str("assume_role_policy")
            .is_some_and(|old| json_equal(old, trust))
        {
            let trust = policy_to_send("assume_role_policy", trust)?;
            retry_while(RETRY, is_invalid_principal, || async {
                self.client
                    .update_assume_role_policy()
                    .role_name(name)
                    .policy_document(&trust)
                    .send()
                    .await
                    .map_err(sdk_error)
            })
            .await?;
        }
        if prior.str("description") != planned.str("description")
            || prior.i64("max_session_duration") != planned.i64("max_session_duration")
        {
            // Both in one UpdateRole: moto clears a description UpdateRole omits.
            self.client
                .update_role()
                .role_name(name)
                .description(planned.str("description").unwrap_or_default())
                .set_max_session_duration(session_duration(planned)?)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        tags::sync_tags!(prior => planned;
            self.client, untag_role / tag_role;
            role_name(name), iam_tags)
        .await?;
        let (old, new) = (
            prior.strings("managed_policy_arns"),
            planned.strings("managed_policy_arns"),
        );
        // Removing the argument leaves the attachments, as Terraform does.
        if manages_attachments(planned) && old != new {
            self.attach(name, &new, &old).await?;
        }
        if manages_inline(planned) && prior.get("inline_policy") != planned.get("inline_policy") {
            let had = inline_policy_names(&self.client, name).await?;
            self.put_inline(name, planned, &had).await?;
        }
        let boundary = planned.str("permissions_boundary");
        if prior.str("permissions_boundary") != boundary {
            let result = match boundary {
                Some(arn) => self
                    .client
                    .put_role_permissions_boundary()
                    .role_name(name)
                    .permissions_boundary(arn)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(sdk_error),
                None => self
                    .client
                    .delete_role_permissions_boundary()
                    .role_name(name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(sdk_error),
            };
            result?;
        }
        let role = find_role(&self.client, name).await?.ok_or_else(|| {
            ProviderError::new(format!("IAM role {name} disappeared during update"))
        })?;
        let held = self.held(name, planned).await?;
        Ok(to_state(&role, planned, &held))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = prior.str("id") else {
            return Ok(());
        };
        // AWS refuses to delete a role that is in an instance profile or has policies.
        let steps = async {
            for profile in profiles_of_role(&self.client, name).await? {
                remove_role_from_profile(&self.client, &profile, name).await?;
            }
            // Everything with force_detach_policies; else what the role's own
            // managed_policy_arns and inline_policy hold, as Terraform does.
            let (arns, inline) = match prior.bool("force_detach_policies") == Some(true) {
                true => (
                    attached_policy_arns(&self.client, name).await?,
                    inline_policy_names(&self.client, name).await?,
                ),
                false => (prior.strings("managed_policy_arns"), inline_names(prior)),
            };
            self.attach(name, &[], &arns).await?;
            self.delete_inline(name, &inline).await?;
            self.delete_role(name).await
        };
        // Gone already, or gone half way through: deleted either way.
        gone_ok(steps.await)
    }

    // The default stub (id = role name) is all read needs.
}

impl IamRole {
    /// The managed and inline policies of role `name`, each read only when
    /// `local` manages it (sets managed_policy_arns, has inline_policy blocks).
    async fn held(&self, name: &str, local: &Object) -> Result<Held> {
        let attached = match manages_attachments(local) {
            true => attached_policy_arns(&self.client, name).await?,
            false => Vec::new(),
        };
        let mut inline = Vec::new();
        if manages_inline(local) {
            for policy in inline_policy_names(&self.client, name).await? {
                let out = self
                    .client
                    .get_role_policy()
                    .role_name(name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map_err(sdk_error);
                if let Some(out) = none_if_gone(out)? {
                    inline.push((policy, out.policy_document().to_string()));
                }
            }
        }
        Ok(Held { attached, inline })
    }

    /// Puts the inline policies `planned` names whose document is new or changed,
    /// deletes those of `had` it no longer names; gives what it put.
    async fn put_inline(
        &self,
        name: &str,
        planned: &Object,
        had: &[String],
    ) -> Result<Vec<(String, String)>> {
        let mut put = Vec::new();
        for (policy, document) in inline_documents(planned) {
            let document = policy_to_send(&format!("inline_policy {policy:?} policy"), document)?;
            self.client
                .put_role_policy()
                .role_name(name)
                .policy_name(policy)
                .policy_document(&document)
                .send()
                .await
                .map_err(sdk_error)?;
            put.push((policy.to_string(), document));
        }
        let gone: Vec<String> = had
            .iter()
            .filter(|h| !put.iter().any(|(p, _)| p == *h))
            .cloned()
            .collect();
        self.delete_inline(name, &gone).await?;
        Ok(put)
    }

    async fn delete_inline(&self, name: &str, policies: &[String]) -> Result<()> {
        for policy in policies {
            let deleted = self
                .client
                .delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .map_err(sdk_error);
            none_if_gone(deleted)?;
        }
        Ok(())
    }

    /// Attaches what `want` has and `had` lacks; detaches the reverse.
    async fn attach(&self, name: &str, want: &[String], had: &[String]) -> Result<()> {
        for arn in want.iter().filter(|a| !had.contains(a)) {
            self.client
                .attach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        for arn in had.iter().filter(|a| !want.contains(a)) {
            let detached = self
                .client
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .map_err(sdk_error);
            none_if_gone(detached)?;
        }
        Ok(())
    }

    /// DeleteRole, retried while IAM still counts policies or profiles it has just
    /// had removed; refused at once with what is left when something really is.
    async fn delete_role(&self, name: &str) -> Result<()> {
        // Ok(Err(..)): refused for good, with what is left; Err(..): try again.
        let delete = || async {
            let result = self.client.delete_role().role_name(name).send().await;
            let err = match result.map_err(sdk_error) {
                Ok(_) => return Ok(Ok(())),
                Err(e) if has_code(&e, &["DeleteConflict"]) => e,
                Err(e) => return Ok(Err(e)),
            };
            let left = self.still_attached(name).await?;
            if left.is_empty() {
                return Err(err);
            }
            Ok(Err(ProviderError::with_code(
                "DeleteConflict",
                format!(
                    "cannot delete IAM role {name}: it still has {}. Remove them first \
                     (their aws_iam_role_policy_attachment / aws_iam_role_policy resources), \
                     or set force_detach_policies = true",
                    left.join(", ")
                ),
            )))
        };
        let conflict = |e: &ProviderError| has_code(e, &["DeleteConflict"]);
        let pace = Pace::every(Duration::from_secs(2), PROPAGATION_TIMEOUT);
        retry_while(pace, conflict, delete).await??;
        wait_until(
            &format!("IAM role {name} to be deleted"),
            PROPAGATION,
            || async { Ok(find_role(&self.client, name).await?.is_none().then_some(())) },
        )
        .await
    }

    /// What keeps a role from being deleted, described for an error message.
    async fn still_attached(&self, name: &str) -> Result<Vec<String>> {
        let mut left = Vec::new();
        let managed = attached_policy_arns(&self.client, name).await?;
        if !managed.is_empty() {
            left.push(format!(
                "managed policies attached ({})",
                managed.join(", ")
            ));
        }
        let inline = inline_policy_names(&self.client, name).await?;
        if !inline.is_empty() {
            left.push(format!("inline policies ({})", inline.join(", ")));
        }
        Ok(left)
    }
}

/// GetRole; None when there is no such role.
pub(super) async fn find_role(client: &aws_sdk_iam::Client, name: &str) -> Result<Option<AwsRole>> {
    let out = client
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(sdk_error);
    Ok(none_if_gone(out)?.and_then(|o| o.role))
}

fn session_duration(planned: &Object) -> Result<Option<i32>> {
    planned
        .i64("max_session_duration")
        .map(|s| {
            i32::try_from(s)
                .ok()
                .filter(|s| (3600..=43200).contains(s))
                .ok_or_else(|| {
                    ProviderError::new(format!(
                        "max_session_duration must be between 3600 and 43200 seconds, got {s}"
                    ))
                })
        })
        .transpose()
}

fn manages_attachments(local: &Object) -> bool {
    matches!(local.get("managed_policy_arns"), Some(Value::List(_)))
}

fn manages_inline(local: &Object) -> bool {
    matches!(local.get("inline_policy"), Some(Value::List(blocks)) if !blocks.is_empty())
}

/// The (name, document) of each inline_policy block that names a policy: an empty
/// block (`inline_policy {}`) stands for "none".
fn inline_documents(local: &Object) -> Vec<(&str, &str)> {
    let Some(Value::List(blocks)) = local.get("inline_policy") else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter_map(|b| match b {
            Value::Object(b) => Some((b.str("name")?, b.str("policy").unwrap_or_default())),
            _ => None,
        })
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

fn inline_names(local: &Object) -> Vec<String> {
    let names = inline_documents(local).into_iter().map(|(n, _)| n);
    names.map(str::to_string).collect()
}

/// What a role holds beyond itself, as far as its configuration manages it.
#[derive(Default)]
struct Held {
    attached: Vec<String>,
    /// (name, document as IAM returns it)
    inline: Vec<(String, String)>,
}

impl Held {
    fn listed(account: &AccountRoles, name: &str) -> Held {
        let attached = account.attached(name).unwrap_or_default();
        Held {
            attached: attached.into_iter().map(str::to_string).collect(),
            inline: account.inline_policies(name),
        }
    }
}

/// The state of `role` alone, for what looks a role up (data aws_iam_role).
pub(super) fn role_state(role: &AwsRole) -> Object {
    to_state(role, &Object::new(), &Held::default())
}

/// The state of `role` with the policies it `held`; `local` (planned or prior)
/// gives the spelling of equal policies and what AWS does not keep.
fn to_state(role: &AwsRole, local: &Object, held: &Held) -> Object {
    let name = role.role_name();
    let mut attached = held.attached.clone();
    attached.sort();
    let managed = match manages_attachments(local) {
        true => Value::List(attached.into_iter().map(Value::String).collect()),
        false => Value::Null,
    };
    object! {
        "id" => name,
        "arn" => role.arn(),
        "assume_role_policy" => policy_state(
            local.get("assume_role_policy"),
            role.assume_role_policy_document(),
        ),
        "create_date" => date(role.create_date()),
        "description" => opt(role.description()),
        "force_detach_policies" => local.bool("force_detach_policies").unwrap_or(false),
        "inline_policy" => inline_state(local, &held.inline),
        "managed_policy_arns" => managed,
        "max_session_duration" => role
            .max_session_duration()
            .map(i64::from)
            .unwrap_or(DEFAULT_MAX_SESSION),
        "name" => name,
        "name_prefix" => name_prefix_for(name, local),
        "path" => role.path(),
        "permissions_boundary" => role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        "tags" => state_tags(role.tags()),
        "unique_id" => role.role_id(),
    }
}

/// The inline_policy blocks for state: one per policy held, in the spelling
/// `local` knows; an `inline_policy {}` that stands for "none" is kept as written.
fn inline_state(local: &Object, held: &[(String, String)]) -> Value {
    let Some(Value::List(blocks)) = local.get("inline_policy") else {
        return Value::Null;
    };
    if held.is_empty() && inline_documents(local).is_empty() {
        return Value::List(blocks.clone());
    }
    let known = |policy: &str| {
        blocks.iter().find_map(|b| match b {
            Value::Object(b) if b.str("name") == Some(policy) => b.get("policy"),
            _ => None,
        })
    };
    let mut held: Vec<Value> = held
        .iter()
        .map(|(policy, document)| {
            Value::Object(object! {
                "name" => policy.as_str(),
                "policy" => policy_state(known(policy), Some(document)),
            })
        })
        .collect();
    held.sort_by(|a, b| {
        a.as_object()
            .and_then(|o| o.str("name"))
            .cmp(&b.as_object().and_then(|o| o.str("name")))
    });
    Value::List(held)
}
