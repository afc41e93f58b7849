//! aws_iam_instance_profile: the container that passes an IAM role to EC2 instances.

use super::shared::{
    date, iam_tags, made_for, name_prefix_for, remove_role_from_profile, resource_name, state_tags,
    PROPAGATION, RETRY,
};
use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_iam::types::InstanceProfile as AwsProfile;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_iam_instance_profile",
    attributes: &[
        // The profile's name, as Terraform.
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::computed("create_date", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("path", Type::String)
            .default(Default::Str("/"))
            .force_new(),
        Attribute::optional("role", Type::String),
        TAGS,
        Attribute::computed("unique_id", Type::String),
    ],
    blocks: &[],
};

client_type!(IamInstanceProfile: iam, once);

#[async_trait]
impl ResourceType for IamInstanceProfile {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = resource_name(planned, meta);
        let made = self
            .once
            .create_instance_profile()
            .instance_profile_name(&name)
            .path(planned.str("path").unwrap_or("/"))
            .set_tags(Some(iam_tags(tags::with_recon_tags(planned, meta))?))
            .send()
            .await
            .map_err(sdk_error);
        made_or_claim!(
            made,
            self,
            &format!("instance profile {name}"),
            planned,
            meta
        );
        let partial = object! {"id" => name.clone(), "name" => name.clone()};
        let steps = async {
            let waiting_for = format!("new instance profile {name} to be readable");
            wait_until(&waiting_for, PROPAGATION, || {
                find_profile(&self.client, &name)
            })
            .await?;
            if let Some(role) = planned.str("role") {
                self.add_role(&name, role).await?;
            }
            find_profile(&self.client, &name)
                .await?
                .map(|p| to_state(&p, planned))
                .ok_or_else(|| ProviderError::new(format!("instance profile {name} disappeared")))
        };
        steps.await.map_err(|e| e.with_partial(partial))
    }

    /// The profile of the name the create asks for, when its tags say it was made
    /// for `meta` (a generated name is derived from the token, so it is found too).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = resource_name(planned, meta);
        Ok(match find_profile(&self.client, &name).await? {
            None => Created::Absent,
            Some(p) if made_for(p.tags(), meta) => Created::Found(to_state(&p, planned)),
            Some(_) => Created::NotOurs { id: name },
        })
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |name, prior| async move {
            let profile = find_profile(&self.client, name).await?;
            Ok(profile.map(|p| to_state(&p, prior)))
        })
        .await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let wanted = planned.str("role");
        if prior.str("role") != wanted {
            // Take out whatever AWS holds (a profile holds one role), then add.
            let current = find_profile(&self.client, name)
                .await?
                .ok_or_else(|| ProviderError::new(format!("instance profile {name} is gone")))?;
            let mut holds_wanted = false;
            for role in current.roles() {
                if Some(role.role_name()) == wanted {
                    holds_wanted = true;
                } else {
                    remove_role_from_profile(&self.client, name, role.role_name()).await?;
                }
            }
            if let (Some(role), false) = (wanted, holds_wanted) {
                self.add_role(name, role).await?;
            }
        }
        tags::sync_tags!(prior => planned;
            self.client, untag_instance_profile / tag_instance_profile;
            instance_profile_name(name), iam_tags)
        .await?;
        find_profile(&self.client, name)
            .await?
            .map(|p| to_state(&p, planned))
            .ok_or_else(|| {
                ProviderError::new(format!("instance profile {name} disappeared during update"))
            })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = prior.str("id") else {
            return Ok(());
        };
        let steps = async {
            let Some(profile) = find_profile(&self.client, name).await? else {
                return Ok(());
            };
            // AWS refuses to delete a profile that still holds a role.
            for role in profile.roles() {
                remove_role_from_profile(&self.client, name, role.role_name()).await?;
            }
            self.client
                .delete_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .map_err(sdk_error)?;
            wait_until(
                &format!("instance profile {name} to be deleted"),
                PROPAGATION,
                || async {
                    Ok(find_profile(&self.client, name)
                        .await?
                        .is_none()
                        .then_some(()))
                },
            )
            .await
        };
        // Gone already, or gone half way through: deleted either way.
        gone_ok(steps.await)
    }
}

impl IamInstanceProfile {
    /// AddRoleToInstanceProfile, retried while a role created moments ago is not
    /// visible yet (as Terraform does).
    async fn add_role(&self, profile: &str, role: &str) -> Result<()> {
        retry_while(RETRY, is_not_found, || async {
            self.client
                .add_role_to_instance_profile()
                .instance_profile_name(profile)
                .role_name(role)
                .send()
                .await
                .map_err(sdk_error)
        })
        .await
        .map_err(|e| ProviderError {
            message: format!(
                "adding IAM role {role} to instance profile {profile}: {}",
                e.message
            ),
            ..e
        })?;
        Ok(())
    }
}

/// GetInstanceProfile; None when there is no such profile.
async fn find_profile(client: &aws_sdk_iam::Client, name: &str) -> Result<Option<AwsProfile>> {
    let out = client
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(sdk_error);
    Ok(none_if_gone(out)?.and_then(|o| o.instance_profile))
}

fn to_state(profile: &AwsProfile, local: &Object) -> Object {
    let name = profile.instance_profile_name();
    let role = profile
        .roles()
        .first()
        .map(|r| Value::from(r.role_name()))
        .unwrap_or(Value::Null);
    object! {
        "id" => name,
        "arn" => profile.arn(),
        "create_date" => date(profile.create_date()),
        "name" => name,
        "name_prefix" => name_prefix_for(name, local),
        "path" => profile.path(),
        "role" => role,
        "tags" => state_tags(profile.tags()),
        "unique_id" => profile.instance_profile_id(),
    }
}
