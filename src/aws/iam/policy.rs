//! aws_iam_policy: a customer managed IAM policy; its document lives in versions.

use super::shared::{
    iam_tags, made_for, name_prefix_for, opt, policy_state, policy_to_send, resource_name,
    state_tags, PROPAGATION,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use crate::value::json_equal;
use aws_sdk_iam::types::{Policy as AwsPolicy, PolicyVersion};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_policy",
    attributes: &[
        // The policy's ARN, as Terraform.
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional("description", Type::String).force_new(),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("path", Type::String)
            .default(Default::Str("/"))
            .force_new(),
        Attribute::required("policy", Type::Json),
        Attribute::computed("policy_id", Type::String),
        TAGS,
    ],
    blocks: &[],
};

/// IAM keeps at most this many versions of a managed policy.
const MAX_VERSIONS: usize = 5;
/// How long delete waits for detachments made moments ago to show before refusing.
const DETACH_GRACE: Duration = Duration::from_secs(10);

client_type!(IamPolicy: iam, once, sts);

#[async_trait]
impl ResourceType for IamPolicy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = resource_name(planned, meta);
        let document = policy_to_send("policy", planned.str("policy").unwrap_or_default())?;
        let made = self
            .once
            .create_policy()
            .policy_name(&name)
            .path(planned.str("path").unwrap_or("/"))
            .policy_document(document)
            .set_description(planned.str("description").map(str::to_string))
            .set_tags(Some(iam_tags(tags::with_recon_tags(planned, meta))?))
            .send()
            .await
            .map_err(sdk_error);
        let out = made_or_claim!(made, self, &format!("IAM policy {name}"), planned, meta);
        let arn = answered(
            out.policy().and_then(|p| p.arn()),
            "CreatePolicy",
            "policy ARN",
        )?;
        let partial = object! {"id" => arn.clone(), "arn" => arn.clone(), "name" => name};
        let waiting_for = format!("new IAM policy {arn} to be readable");
        wait_until(&waiting_for, PROPAGATION, || self.read_one(&arn, planned))
            .await
            .map_err(|e| e.with_partial(partial))
    }

    /// The policy of the name and path the create asks for, when its tags say it
    /// was made for `meta` (a generated name is derived from the token).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = resource_name(planned, meta);
        let arn = self
            .arn_of(planned.str("path").unwrap_or("/"), &name)
            .await?;
        Ok(match self.find_policy(&arn).await? {
            None => Created::Absent,
            Some(p) if made_for(p.tags(), meta) => {
                Created::found_or_absent(self.read_one(&arn, planned).await?)
            }
            Some(_) => Created::NotOurs { id: arn },
        })
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |arn, prior| self.read_one(arn, prior)).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let arn = state_id(prior, SCHEMA.type_name)?;
        let new = planned.str("policy").unwrap_or_default();
        if !prior.str("policy").is_some_and(|old| json_equal(old, new)) {
            let document = policy_to_send("policy", new)?;
            self.make_room_for_version(arn).await?;
            self.client
                .create_policy_version()
                .policy_arn(arn)
                .policy_document(document)
                .set_as_default(true)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        tags::sync_tags!(prior => planned;
            self.client, untag_policy / tag_policy;
            policy_arn(arn), iam_tags)
        .await?;
        self.read_one(arn, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("IAM policy {arn} disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(arn) = prior.str("id") else {
            return Ok(());
        };
        let steps = async {
            // AWS refuses to delete an attached policy; moto deletes it and leaves the
            // roles undeletable. Refuse here, as AWS would, naming who holds it.
            self.refuse_while_attached(arn).await?;
            for version in self.versions(arn).await? {
                if version.is_default_version() {
                    continue;
                }
                let Some(id) = version.version_id() else {
                    continue;
                };
                let deleted = self
                    .client
                    .delete_policy_version()
                    .policy_arn(arn)
                    .version_id(id)
                    .send()
                    .await
                    .map_err(sdk_error);
                none_if_gone(deleted)?;
            }
            self.client
                .delete_policy()
                .policy_arn(arn)
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(())
        };
        // Gone already, or gone half way through: deleted either way.
        gone_ok(steps.await)
    }
}

impl IamPolicy {
    /// GetPolicy and its default version; None when the policy is gone.
    async fn read_one(&self, arn: &str, local: &Object) -> Result<Option<Object>> {
        let Some(policy) = self.find_policy(arn).await? else {
            return Ok(None);
        };
        let Some(version_id) = policy.default_version_id() else {
            return Err(ProviderError::new(format!(
                "IAM policy {arn} has no default version"
            )));
        };
        let out = self
            .client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(sdk_error);
        let Some(version) = none_if_gone(out)?.and_then(|o| o.policy_version) else {
            // Deleted between the two calls.
            return Ok(None);
        };
        Ok(Some(to_state(&policy, &version, local)))
    }

    /// GetPolicy; None when there is no such policy.
    async fn find_policy(&self, arn: &str) -> Result<Option<AwsPolicy>> {
        let out = self
            .client
            .get_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(sdk_error);
        Ok(none_if_gone(out)?.and_then(|o| o.policy))
    }

    /// `arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME`, partition and account taken
    /// from the caller's own ARN.
    async fn arn_of(&self, path: &str, name: &str) -> Result<String> {
        let me = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(sdk_error)?;
        let caller = me.arn().unwrap_or_default();
        let parts: Vec<&str> = caller.splitn(6, ':').collect();
        let (partition, account) = match (parts.get(1), me.account().or(parts.get(4).copied())) {
            (Some(p), Some(a)) if !p.is_empty() && !a.is_empty() => (*p, a),
            _ => {
                return Err(ProviderError::new(format!(
                    "STS GetCallerIdentity returned no usable ARN ({caller:?})"
                )))
            }
        };
        Ok(format!("arn:{partition}:iam::{account}:policy{path}{name}"))
    }

    async fn versions(&self, arn: &str) -> Result<Vec<PolicyVersion>> {
        all_items!(self.client.list_policy_versions().policy_arn(arn))
    }

    /// With the maximum number of versions, deletes the oldest that is not the
    /// default so that one more can be created.
    async fn make_room_for_version(&self, arn: &str) -> Result<()> {
        let versions = self.versions(arn).await?;
        if versions.len() < MAX_VERSIONS {
            return Ok(());
        }
        let oldest = versions
            .iter()
            .filter(|v| !v.is_default_version())
            .min_by(|a, b| {
                let key = |v: &PolicyVersion| v.create_date().map(|d| (d.secs(), d.subsec_nanos()));
                key(a).cmp(&key(b))
            });
        let Some(id) = oldest.and_then(|v| v.version_id()) else {
            return Ok(());
        };
        self.client
            .delete_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// The roles, users and groups the policy is attached to ("role r1", ...).
    async fn attached_to(&self, arn: &str) -> Result<Vec<String>> {
        let pages: Vec<_> = self
            .client
            .list_entities_for_policy()
            .policy_arn(arn)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(sdk_error)?;
        let mut entities = Vec::new();
        for page in pages {
            let roles = page.policy_roles().iter().filter_map(|r| r.role_name());
            entities.extend(roles.map(|n| format!("role {n}")));
            let users = page.policy_users().iter().filter_map(|u| u.user_name());
            entities.extend(users.map(|n| format!("user {n}")));
            let groups = page.policy_groups().iter().filter_map(|g| g.group_name());
            entities.extend(groups.map(|n| format!("group {n}")));
        }
        Ok(entities)
    }

    async fn refuse_while_attached(&self, arn: &str) -> Result<()> {
        let pace = Pace::every(Duration::from_secs(2), DETACH_GRACE);
        let detached = poll_until(pace, || async {
            Ok(self.attached_to(arn).await?.is_empty().then_some(()))
        });
        if detached.await?.is_some() {
            return Ok(());
        }
        let entities = self.attached_to(arn).await?;
        if entities.is_empty() {
            return Ok(());
        }
        Err(ProviderError::with_code(
            "DeleteConflict",
            format!(
                "cannot delete IAM policy {arn}: it is still attached to {}. \
                 Detach it first (remove the aws_iam_role_policy_attachment, or detach \
                 it by hand where it was attached outside recon)",
                entities.join(", ")
            ),
        ))
    }
}

fn to_state(policy: &AwsPolicy, version: &PolicyVersion, local: &Object) -> Object {
    let name = policy.policy_name().unwrap_or_default();
    object! {
        "id" => policy.arn(),
        "arn" => policy.arn(),
        "description" => opt(policy.description()),
        "name" => name,
        "name_prefix" => name_prefix_for(name, local),
        "path" => policy.path().unwrap_or("/"),
        "policy" => policy_state(local.get("policy"), version.document()),
        "policy_id" => policy.policy_id(),
        "tags" => state_tags(policy.tags()),
    }
}
