//! aws_key_pair: an SSH public key registered with EC2 under a name, for
//! instances' `key_name`.

use super::shared::{
    ec2_arn, filter, opt_str, state_tags, tag_specification, tagged_for, update_tags,
};
use crate::aws::prelude::*;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{KeyPairInfo, ResourceType as Ec2Resource};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_key_pair",
    attributes: &[
        // The key name, as Terraform.
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::computed("fingerprint", Type::String),
        Attribute::optional_computed("key_name", Type::String).force_new(),
        Attribute::optional_computed("key_name_prefix", Type::String).force_new(),
        Attribute::computed("key_pair_id", Type::String),
        Attribute::computed("key_type", Type::String),
        Attribute::required("public_key", Type::String).force_new(),
        TAGS,
    ],
    blocks: &[],
};

client_type!(KeyPair: ec2, once, region, account);

#[async_trait]
impl ResourceType for KeyPair {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    /// The key of the name this create asks for (configured, or generated from
    /// the token), when it carries the token.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("key_name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = generated_name(planned, ("key_name", "key_name_prefix"), "terraform-", meta);
        Ok(match self.find(&name).await? {
            None => Created::Absent,
            Some(key) if tagged_for(key.tags(), meta) => {
                Created::Found(self.to_state(&key, planned).await?)
            }
            Some(_) => Created::NotOurs { id: name },
        })
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = generated_name(planned, ("key_name", "key_name_prefix"), "terraform-", meta);
        let material = planned.str("public_key").unwrap_or_default();
        let made = self
            .once
            .import_key_pair()
            .key_name(&name)
            .public_key_material(Blob::new(material.as_bytes()))
            .tag_specifications(tag_specification(Ec2Resource::KeyPair, planned, meta))
            .send()
            .await
            .map_err(sdk_error);
        made_or_claim!(made, self, &format!("EC2 key pair {name}"), planned, meta);
        let waiting_for = format!("the new key pair {name} to be listed");
        let key = wait_until(
            &waiting_for,
            Pace::backoff(super::shared::STATE_TIMEOUT),
            || self.find(&name),
        )
        .await
        .map_err(|e| e.with_partial(object! {"id" => name.clone(), "key_name" => name.clone()}))?;
        self.to_state(&key, planned).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_by_id(priors, |name, prior| async move {
            match self.find(name).await? {
                Some(key) => self.to_state(&key, prior).await.map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    /// Only tags change in place (they live on the key pair id).
    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let key = self.find(name).await?.ok_or_else(|| gone(name))?;
        let key_id = key.key_pair_id().ok_or_else(|| gone(name))?;
        update_tags(&self.client, key_id, prior, planned).await?;
        let key = self.find(name).await?.ok_or_else(|| gone(name))?;
        self.to_state(&key, planned).await
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let call = self.client.delete_key_pair().key_name(name);
        gone_ok(call.send().await.map_err(sdk_error))
    }
}

impl KeyPair {
    /// The key pair named `name`, with its public key; None when there is none.
    async fn find(&self, name: &str) -> Result<Option<KeyPairInfo>> {
        let out = self
            .client
            .describe_key_pairs()
            .filters(filter("key-name", &[name.to_string()]))
            .include_public_key(true)
            .send()
            .await
            .map_err(sdk_error);
        Ok(none_if_gone(out)?.and_then(|out| out.key_pairs().first().cloned()))
    }

    async fn to_state(&self, key: &KeyPairInfo, local: &Object) -> Result<Object> {
        let name = key.key_name().unwrap_or_default();
        let account = self.account.id().await?;
        let prefix = match local.str("key_name_prefix") {
            Some(prefix) if name.starts_with(prefix) => Value::from(prefix),
            _ => Value::Null,
        };
        Ok(object! {
            "id" => name,
            "arn" => ec2_arn(&self.region, account, &format!("key-pair/{name}")),
            "fingerprint" => opt_str(key.key_fingerprint()),
            "key_name" => name,
            "key_name_prefix" => prefix,
            "key_pair_id" => opt_str(key.key_pair_id()),
            "key_type" => key.key_type().map(|t| t.as_str().to_string()),
            "public_key" => public_key_state(local.str("public_key"), key.public_key()),
            "tags" => state_tags(key.tags()),
        })
    }
}

/// The public key to keep in state: the configured spelling when it is the same
/// key (AWS keeps the type and body; the comment may differ or be gone).
fn public_key_state(local: Option<&str>, aws: Option<&str>) -> Value {
    let material = |k: &str| k.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    match (local, aws) {
        (Some(local), Some(aws)) if material(local) == material(aws) => Value::from(local),
        // Not read back (an older API): the configured key stands.
        (Some(local), None) => Value::from(local),
        (_, aws) => opt_str(aws),
    }
}

fn gone(name: &str) -> ProviderError {
    ProviderError::new(format!("key pair {name} disappeared during update"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_key_stands_when_only_its_comment_differs() {
        let local = "ssh-rsa AAAAB3Nza email@example.com";
        assert_eq!(
            public_key_state(Some(local), Some("ssh-rsa AAAAB3Nza")),
            Value::from(local)
        );
        assert_eq!(
            public_key_state(Some(local), Some("ssh-rsa BBBB other")),
            Value::from("ssh-rsa BBBB other")
        );
    }
}
