//! aws_iam_role_policy_attachment: one managed policy attached to one IAM role.

use super::bulk::{AccountRoles, BULK_FROM};
use super::shared::{attached_policy_arns, PROPAGATION};
use crate::aws::prelude::*;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_role_policy_attachment",
    attributes: &[
        // "<role>/<policy arn>": the form `terraform import` takes for this type.
        ID,
        Attribute::required("policy_arn", Type::String).force_new(),
        Attribute::required("role", Type::String).force_new(),
    ],
    blocks: &[],
};

client_type!(IamRolePolicyAttachment: iam);

#[async_trait]
impl ResourceType for IamRolePolicyAttachment {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (role, arn) = parts(planned)?;
        self.client
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(sdk_error)?;
        let state = to_state(role, arn);
        let waiting_for = format!("policy {arn} to show as attached to IAM role {role}");
        wait_until(&waiting_for, PROPAGATION, || async {
            let attached = none_if_gone(attached_policy_arns(&self.client, role).await)?;
            Ok(attached
                .is_some_and(|arns| arns.iter().any(|a| a == arn))
                .then_some(()))
        })
        .await
        .map_err(|e| e.with_partial(state.clone()))?;
        Ok(state)
    }

    /// AttachRolePolicy is an idempotent put (attaching an attached policy again
    /// does nothing), so trying it again makes nothing twice.
    async fn find_created(&self, _planned: &Object, _meta: &Meta) -> Result<Created> {
        Ok(Created::Absent)
    }

    /// One ListAttachedRolePolicies per role, however many attachments it has;
    /// the account's roles at once when there are many.
    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let wanted = priors.iter().map(parts).collect::<Result<Vec<_>>>()?;
        let mut by_role: BTreeMap<&str, Option<Vec<String>>> = BTreeMap::new();
        for (role, _) in &wanted {
            by_role.entry(role).or_default();
        }
        let lists = if by_role.len() >= BULK_FROM {
            let account = AccountRoles::read(&self.client, false).await?;
            by_role
                .keys()
                .map(|role| {
                    account
                        .attached(role)
                        .map(|arns| arns.into_iter().map(str::to_string).collect())
                })
                .collect()
        } else {
            futures::future::try_join_all(by_role.keys().map(|role| async move {
                none_if_gone(attached_policy_arns(&self.client, role).await)
            }))
            .await?
        };
        for (slot, list) in by_role.values_mut().zip(lists) {
            *slot = list;
        }
        Ok(wanted
            .into_iter()
            .map(|(role, arn)| {
                let attached = by_role.get(role)?.as_ref()?;
                attached
                    .iter()
                    .any(|a| a == arn)
                    .then(|| to_state(role, arn))
            })
            .collect())
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Ok((role, arn)) = parts(prior) else {
            return Ok(());
        };
        let call = self.client.detach_role_policy().role_name(role);
        // Not attached, or the role or policy is gone: nothing to do.
        gone_ok(call.policy_arn(arn).send().await.map_err(sdk_error))
    }

    /// Terraform's import id: "<role name>/<policy arn>".
    fn import_stub(&self, id: &str) -> Object {
        pair_stub(id, split_id(id), ["role", "policy_arn"])
    }
}

/// The role and policy ARN of an attachment, from its attributes or else its id.
fn parts(obj: &Object) -> Result<(&str, &str)> {
    if let (Some(role), Some(arn)) = (obj.str("role"), obj.str("policy_arn")) {
        return Ok((role, arn));
    }
    let id = obj.str("id").unwrap_or_default();
    split_id(id).ok_or_else(|| {
        ProviderError::new(format!(
            "aws_iam_role_policy_attachment id {id:?} is not of the form <role name>/<policy arn>"
        ))
    })
}

/// Role names hold no '/', so the first one separates the role from the ARN.
fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('/')
        .filter(|(role, arn)| !role.is_empty() && arn.starts_with("arn:"))
}

fn to_state(role: &str, arn: &str) -> Object {
    object! {
        "id" => format!("{role}/{arn}"),
        "policy_arn" => arn,
        "role" => role,
    }
}
