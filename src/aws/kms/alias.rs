//! aws_kms_alias: a friendly name (`alias/...`) that points at a KMS key.

use crate::aws::prelude::*;
use aws_sdk_kms::types::AliasListEntry;
use std::collections::HashMap;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_kms_alias",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::required("target_key_id", Type::String),
        Attribute::computed("target_key_arn", Type::String),
    ],
    blocks: &[],
};

const ALIAS_PREFIX: &str = "alias/";

client_type!(KmsAlias: kms, once);

#[async_trait]
impl ResourceType for KmsAlias {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = alias_name(planned, meta)?;
        let target = planned
            .str("target_key_id")
            .ok_or_else(|| ProviderError::new("target_key_id is required"))?;
        let made = self
            .once
            .create_alias()
            .alias_name(&name)
            .target_key_id(target)
            .send()
            .await
            .map_err(sdk_error);
        made_or_claim!(made, self, &format!("KMS alias {name}"), planned, meta);
        let mut prior = planned.clone();
        prior.insert("id".into(), Value::from(name.as_str()));
        let found = find_aliases(&self.client, Some(target)).await;
        match found.map(|aliases| aliases.get(&name).map(|a| to_state(a, &prior))) {
            Ok(Some(state)) => Ok(state),
            Ok(None) => Err(ProviderError::new(format!(
                "KMS alias {name} was created but could not be read back"
            ))
            .with_partial(partial_state(&prior, &name))),
            Err(err) => Err(err.with_partial(partial_state(&prior, &name))),
        }
    }

    /// The alias of the name the create asks for. Aliases carry no tags: one that
    /// points at the planned key is what the create made (it is the only thing
    /// that sets both); one pointing elsewhere is someone else's.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = alias_name(planned, meta)?;
        let aliases = find_aliases(&self.client, None).await?;
        let Some(alias) = aliases.get(&name) else {
            return Ok(Created::Absent);
        };
        let target = planned.str("target_key_id").unwrap_or_default();
        if !same_key(alias.target_key_id(), target) {
            return Ok(Created::NotOurs { id: name });
        }
        let mut prior = planned.clone();
        prior.insert("id".into(), Value::from(name.as_str()));
        Ok(Created::Found(to_state(alias, &prior)))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        if priors.is_empty() {
            return Ok(Vec::new());
        }
        // One listing serves the whole batch.
        let aliases = find_aliases(&self.client, None).await?;
        Ok(priors
            .iter()
            .map(|prior| {
                prior
                    .str("id")
                    .and_then(|id| aliases.get(id))
                    .map(|alias| to_state(alias, prior))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let name = state_id(prior, SCHEMA.type_name)?;
        let target = planned
            .str("target_key_id")
            .ok_or_else(|| ProviderError::new("target_key_id is required"))?;
        if !same_key(prior.str("target_key_id"), target) {
            self.client
                .update_alias()
                .alias_name(name)
                .target_key_id(target)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        let mut next = planned.clone();
        next.insert("id".into(), Value::from(name));
        find_aliases(&self.client, Some(target))
            .await?
            .get(name)
            .map(|alias| to_state(alias, &next))
            .ok_or_else(|| {
                ProviderError::new(format!("KMS alias {name} disappeared during update"))
            })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let Some(name) = prior.str("id") else {
            return Ok(());
        };
        let deleted = self.client.delete_alias().alias_name(name).send().await;
        gone_ok(deleted.map_err(sdk_error))
    }
}

/// The alias name to create: `name`, else `name_prefix` (default `alias/`) plus a
/// unique suffix (the same for every attempt of one create).
fn alias_name(planned: &Object, meta: &Meta) -> Result<String> {
    let name = match planned.str("name") {
        Some(name) => name.to_string(),
        None => {
            let prefix = planned.str("name_prefix").unwrap_or(ALIAS_PREFIX);
            format!("{prefix}{}", unique_suffix(meta))
        }
    };
    if !name.starts_with(ALIAS_PREFIX) || name.len() == ALIAS_PREFIX.len() {
        return Err(ProviderError::new(format!(
            "KMS alias name {name:?} must start with \"alias/\" followed by a name"
        )));
    }
    if name.starts_with("alias/aws/") {
        return Err(ProviderError::new(format!(
            "KMS alias name {name:?} is reserved: names under \"alias/aws/\" belong to AWS"
        )));
    }
    Ok(name)
}

/// Aliases by name, following NextMarker. With `key_id`, only that key's aliases.
async fn find_aliases(
    client: &aws_sdk_kms::Client,
    key_id: Option<&str>,
) -> Result<HashMap<String, AliasListEntry>> {
    let mut found = HashMap::new();
    let mut marker = None;
    loop {
        let out = client
            .list_aliases()
            .set_key_id(key_id.map(str::to_string))
            .set_marker(marker)
            .send()
            .await
            .map_err(sdk_error)?;
        for alias in out.aliases() {
            if let Some(name) = alias.alias_name() {
                found.insert(name.to_string(), alias.clone());
            }
        }
        match out.next_marker() {
            Some(next) if out.truncated() => marker = Some(next.to_string()),
            _ => return Ok(found),
        }
    }
}

/// The key id inside a key id or key ARN (`arn:...:key/<id>`).
fn bare_key_id(key: &str) -> &str {
    match key.strip_prefix("arn:") {
        Some(_) => key.rsplit_once(":key/").map(|(_, id)| id).unwrap_or(key),
        None => key,
    }
}

/// True when both name the same key, one as an id and the other as an ARN.
fn same_key(old: Option<&str>, new: &str) -> bool {
    old.is_some_and(|old| old == new || bare_key_id(old) == bare_key_id(new))
}

/// The key ARN from the alias ARN (same partition, region and account).
fn key_arn(alias_arn: &str, key_id: &str) -> Option<String> {
    let (base, _) = alias_arn.split_once(":alias/")?;
    Some(format!("{base}:key/{key_id}"))
}

fn partial_state(prior: &Object, name: &str) -> Object {
    let mut state = prior.clone();
    state.retain(|_, v| !v.is_unknown());
    state.insert("name".into(), Value::from(name));
    state
}

fn to_state(alias: &AliasListEntry, prior: &Object) -> Object {
    let name = alias.alias_name().unwrap_or_default();
    let target = alias.target_key_id().unwrap_or_default();
    // Keep the user's spelling (id or ARN) when it names the same key.
    let target_key_id = match prior.str("target_key_id") {
        Some(old) if same_key(Some(old), target) => old.to_string(),
        _ => target.to_string(),
    };
    let name_prefix = match prior.get("name_prefix") {
        Some(Value::String(prefix)) => Value::from(prefix.as_str()),
        _ => Value::Null,
    };
    crate::object! {
        "id" => name,
        "arn" => alias.alias_arn(),
        "name" => name,
        "name_prefix" => name_prefix,
        "target_key_id" => target_key_id,
        "target_key_arn" => alias.alias_arn().and_then(|arn| key_arn(arn, target)),
    }
}
