//! aws_iam_role_policy: an inline policy embedded in one IAM role.

use super::bulk::{AccountRoles, BULK_FROM};
use super::shared::{name_prefix_for, policy_state, policy_to_send, resource_name, PROPAGATION};
use crate::aws::prelude::*;
use crate::value::json_equal;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_role_policy",
    attributes: &[
        // "<role>:<policy name>", as Terraform.
        ID,
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::required("policy", Type::Json),
        Attribute::required("role", Type::String).force_new(),
    ],
    blocks: &[],
};

client_type!(IamRolePolicy: iam);

#[async_trait]
impl ResourceType for IamRolePolicy {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let role = planned
            .str("role")
            .ok_or_else(|| ProviderError::new("aws_iam_role_policy needs a role"))?;
        let name = resource_name(planned, meta);
        self.put(role, &name, planned).await?;
        let waiting_for = format!("inline policy {name} of IAM role {role} to be readable");
        let partial =
            object! {"id" => format!("{role}:{name}"), "role" => role, "name" => name.clone()};
        wait_until(&waiting_for, PROPAGATION, || {
            self.read_one(role, &name, planned)
        })
        .await
        .map_err(|e| e.with_partial(partial))
    }

    /// PutRolePolicy is an idempotent put (a second one replaces the document
    /// under the same name), but a generated name differs per token: the policy
    /// of the name this create asks for is looked up, so a forgotten create of a
    /// generated name leaves nothing behind.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let Some(role) = planned.str("role") else {
            return Ok(Created::Absent);
        };
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = resource_name(planned, meta);
        Ok(Created::found_or_absent(
            self.read_one(role, &name, planned).await?,
        ))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let account = match priors.len() >= BULK_FROM {
            true => Some(AccountRoles::read(&self.client, false).await?),
            false => None,
        };
        let account = &account;
        read_by_id(priors, |id, prior| async move {
            let (role, name) = split_id(id).ok_or_else(|| bad_id(id))?;
            match account {
                Some(account) => Ok(account
                    .inline_policy(role, name)
                    .map(|doc| to_state(role, name, doc, prior))),
                None => self.read_one(role, name, prior).await,
            }
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let id = state_id(prior, SCHEMA.type_name)?;
        let (role, name) = split_id(id).ok_or_else(|| bad_id(id))?;
        let new = planned.str("policy").unwrap_or_default();
        if !prior.str("policy").is_some_and(|old| json_equal(old, new)) {
            // PutRolePolicy replaces the document under the same name.
            self.put(role, name, planned).await?;
        }
        self.read_one(role, name, planned).await?.ok_or_else(|| {
            ProviderError::new(format!("inline policy {id} disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some((role, name)) = prior.str("id").and_then(split_id) else {
            return Ok(());
        };
        let call = self.client.delete_role_policy().role_name(role);
        // The policy, or its whole role, may be gone already.
        gone_ok(call.policy_name(name).send().await.map_err(sdk_error))
    }

    fn import_stub(&self, id: &str) -> Object {
        pair_stub(id, split_id(id), ["role", "name"])
    }
}

impl IamRolePolicy {
    async fn put(&self, role: &str, name: &str, planned: &Object) -> Result<()> {
        let document = policy_to_send("policy", planned.str("policy").unwrap_or_default())?;
        self.client
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// GetRolePolicy; None when the policy or its role is gone.
    async fn read_one(&self, role: &str, name: &str, local: &Object) -> Result<Option<Object>> {
        let out = self
            .client
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(sdk_error);
        let Some(out) = none_if_gone(out)? else {
            return Ok(None);
        };
        Ok(Some(to_state(role, name, out.policy_document(), local)))
    }
}

/// `document` is the policy as IAM returns it; `local` gives its spelling.
fn to_state(role: &str, name: &str, document: &str, local: &Object) -> Object {
    object! {
        "id" => format!("{role}:{name}"),
        "name" => name,
        "name_prefix" => name_prefix_for(name, local),
        "policy" => policy_state(local.get("policy"), Some(document)),
        "role" => role,
    }
}

/// "<role>:<name>": neither a role nor a policy name may contain ':'.
fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
        .filter(|(role, name)| !role.is_empty() && !name.is_empty())
}

fn bad_id(id: &str) -> ProviderError {
    ProviderError::new(format!(
        "aws_iam_role_policy id {id:?} is not of the form <role name>:<policy name>"
    ))
}
