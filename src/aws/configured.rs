//! Provider configurations (`provider "aws" { region, profile, assume_role,
//! default_tags, alias }`): one set of clients per configuration, and
//! Terraform's `default_tags` / `tags_all` on every taggable type.

use super::AwsProvider;
use crate::aws::prelude::*;
use crate::config::providers::ProviderSettings;
use crate::provider::{ChangeReview, DataLoss, LossContext, VolumeLoss, VolumeSnapshot};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The SDK configuration of one provider configuration: the base one (the
/// standard credential chain, `AWS_ENDPOINT_URL`) with its profile, region and
/// assumed role.
pub async fn sdk_config(
    base: &aws_config::SdkConfig,
    settings: &ProviderSettings,
) -> aws_config::SdkConfig {
    let mut config = match &settings.profile {
        Some(profile) => {
            let mut loader =
                aws_config::defaults(aws_config::BehaviorVersion::latest()).profile_name(profile);
            if let Some(region) = &settings.region {
                loader = loader.region(aws_config::Region::new(region.clone()));
            }
            loader.load().await
        }
        None => base.clone(),
    };
    if let Some(region) = &settings.region {
        config = config
            .to_builder()
            .region(aws_config::Region::new(region.clone()))
            .build();
    }
    if let Some(role) = &settings.assume_role {
        let mut builder = aws_config::sts::AssumeRoleProvider::builder(role.role_arn.clone())
            .session_name(role.session_name.clone().unwrap_or_else(|| "recon".into()))
            .configure(&config);
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id.clone());
        }
        if let Some(region) = config.region() {
            builder = builder.region(region.clone());
        }
        let provider = builder.build().await;
        config = config
            .to_builder()
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
    }
    config
}

/// Loads the configuration's credentials once, before any call: without them
/// every call would fail late, each with the SDK's own dump.
async fn check_credentials(config: &aws_config::SdkConfig) -> Result<(), String> {
    use aws_credential_types::provider::ProvideCredentials;
    let Some(provider) = config.credentials_provider() else {
        return Err(format!(
            "no AWS credentials: {}",
            super::error::SET_CREDENTIALS
        ));
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(e) => Err(super::error::credentials_message(&e)),
    }
}

impl AwsProvider {
    /// One provider per configuration of `settings` (the default one first):
    /// its region, credentials and default tags. Fails, in one line, when a
    /// configuration has no credentials.
    pub async fn configured(
        settings: &[ProviderSettings],
        base: &aws_config::SdkConfig,
        timeout: std::time::Duration,
    ) -> Result<AwsProvider, String> {
        let mut default = None;
        let mut aliases = BTreeMap::new();
        // Schemas are the same in every configuration: `tags_all` everywhere once
        // any configuration has default tags.
        let tagged = settings.iter().any(|s| !s.default_tags.is_empty());
        for s in settings {
            let config = sdk_config(base, s).await;
            // An assumed role's credentials come from STS, at the first call.
            if s.assume_role.is_none() {
                check_credentials(&config).await?;
            }
            let clients = Clients::with_call_timeout(&config, timeout);
            let mut provider = AwsProvider::new(&clients);
            if tagged {
                provider = provider.with_default_tags(&s.default_tags);
            }
            match &s.alias {
                None => default = Some(provider),
                Some(alias) => {
                    aliases.insert(alias.clone(), Arc::new(provider));
                }
            }
        }
        let mut default = match default {
            Some(p) => p,
            None => {
                check_credentials(base).await?;
                AwsProvider::new(&Clients::with_call_timeout(base, timeout))
            }
        };
        default.aliases = aliases;
        Ok(default)
    }

    /// Every taggable type also carries `tags_all`: `default_tags` merged with
    /// its own `tags` (which win), as Terraform does.
    pub fn with_default_tags(mut self, defaults: &BTreeMap<String, String>) -> AwsProvider {
        let defaults = Arc::new(defaults.clone());
        for rt in self.resources.values_mut() {
            if rt.schema().attribute("tags").is_some() {
                *rt = Arc::new(DefaultTags {
                    inner: rt.clone(),
                    schema: with_tags_all(rt.schema()),
                    defaults: defaults.clone(),
                });
            }
        }
        self
    }
}

/// `tags_all`: the tags the object really has, the provider's default tags included.
pub const TAGS_ALL: Attribute = Attribute::optional_computed("tags_all", Type::Map(&Type::String));

/// `schema` with `tags_all` added, made once per type.
fn with_tags_all(schema: &'static Schema) -> &'static Schema {
    static MADE: OnceLock<Mutex<HashMap<&'static str, &'static Schema>>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    made.entry(schema.type_name).or_insert_with(|| {
        let mut attributes = schema.attributes.to_vec();
        attributes.push(TAGS_ALL);
        Box::leak(Box::new(Schema {
            type_name: schema.type_name,
            attributes: Box::leak(attributes.into_boxed_slice()),
            blocks: schema.blocks,
        }))
    })
}

/// A taggable type under a provider configuration with default tags.
struct DefaultTags {
    inner: Arc<dyn ResourceType>,
    schema: &'static Schema,
    defaults: Arc<BTreeMap<String, String>>,
}

impl DefaultTags {
    /// `tags` merged over the default tags; Unknown while `tags` is.
    fn merged(&self, tags: Option<&Value>) -> Value {
        let mut out: Object = self
            .defaults
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        match tags {
            Some(Value::Unknown) => return Value::Unknown,
            Some(Value::Object(own)) => {
                out.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {}
        }
        if out.is_empty() {
            Value::Null
        } else {
            Value::Object(out)
        }
    }

    /// The object as the wrapped type sees it: its `tags` are all the tags it
    /// has (or is to have), default ones included.
    fn inward(&self, object: &Object) -> Object {
        let mut out = object.clone();
        // State written before the default tags were configured has no
        // `tags_all`: its `tags` are all it has.
        let all = match object.get("tags_all") {
            Some(v) if !v.is_null() => v.clone(),
            _ => object.get("tags").cloned().unwrap_or_default(),
        };
        out.remove("tags_all");
        out.insert("tags".into(), all);
        out
    }

    /// The object as state holds it: `tags_all` is every tag it has; `tags` is
    /// those of them that are not default tags, or that `own` (the configured or
    /// prior `tags`) sets itself.
    fn outward(&self, mut object: Object, own: Option<&Value>) -> Object {
        let Some(all) = object.get("tags").cloned() else {
            object.insert("tags_all".into(), Value::Null);
            return object;
        };
        let own_keys: Vec<&String> = match own {
            Some(Value::Object(m)) => m.keys().collect(),
            _ => Vec::new(),
        };
        let tags = match &all {
            Value::Object(map) => {
                let kept: Object = map
                    .iter()
                    .filter(|(k, v)| {
                        own_keys.contains(k)
                            || self.defaults.get(k.as_str()).map(String::as_str) != v.as_str()
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if kept.is_empty() {
                    Value::Null
                } else {
                    Value::Object(kept)
                }
            }
            other => other.clone(),
        };
        object.insert("tags".into(), tags);
        object.insert("tags_all".into(), all);
        object
    }
}

#[async_trait]
impl ResourceType for DefaultTags {
    fn schema(&self) -> &'static Schema {
        self.schema
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let made = self.inner.create(&self.inward(planned), meta).await;
        match made {
            Ok(o) => Ok(self.outward(o, planned.get("tags"))),
            Err(mut e) => {
                e.partial = e.partial.map(|p| self.outward(p, planned.get("tags")));
                Err(e)
            }
        }
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        let inward: Vec<Object> = priors.iter().map(|p| self.inward(p)).collect();
        let found = self.inner.read(&inward).await?;
        Ok(found
            .into_iter()
            .zip(priors)
            .map(|(o, prior)| o.map(|o| self.outward(o, prior.get("tags"))))
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, meta: &Meta) -> Result<Object> {
        let updated = self
            .inner
            .update(&self.inward(prior), &self.inward(planned), meta)
            .await?;
        Ok(self.outward(updated, planned.get("tags")))
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        self.inner.delete(&self.inward(prior)).await
    }

    fn review_change(&self, prior: &Object, planned: &Object) -> ChangeReview {
        self.inner
            .review_change(&self.inward(prior), &self.inward(planned))
    }

    fn data_loss(&self, prior: &Object) -> Vec<VolumeLoss> {
        self.inner.data_loss(&self.inward(prior))
    }

    async fn assess_data_loss(
        &self,
        prior: &Object,
        ctx: &LossContext<'_>,
    ) -> Result<Vec<DataLoss>> {
        self.inner.assess_data_loss(&self.inward(prior), ctx).await
    }

    async fn snapshot(&self, volumes: &[VolumeLoss], meta: &Meta) -> Result<Vec<VolumeSnapshot>> {
        self.inner.snapshot(volumes, meta).await
    }

    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        Ok(
            match self.inner.find_created(&self.inward(planned), meta).await? {
                Created::Found(o) => Created::Found(self.outward(o, planned.get("tags"))),
                other => other,
            },
        )
    }

    fn check_config(&self, config: &Object) -> Result<()> {
        self.inner.check_config(&self.inward(config))
    }

    fn normalise_config(&self, config: Object) -> Object {
        let mut config = self.inner.normalise_config(config);
        let all = self.merged(config.get("tags"));
        config.insert("tags_all".into(), all);
        config
    }

    fn import_stub(&self, id: &str) -> Object {
        self.inner.import_stub(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    fn provider() -> AwsProvider {
        let defaults: BTreeMap<String, String> = [("Env".to_string(), "prod".to_string())].into();
        AwsProvider::new(&Clients::offline()).with_default_tags(&defaults)
    }

    #[test]
    fn default_tags_merge_under_the_resource_tags_and_split_back() {
        let p = provider();
        let rt = crate::provider::Provider::resource(&p, "aws_vpc").unwrap();
        assert!(rt.schema().attribute("tags_all").is_some());
        let config = object! {"tags" => object! {"Name" => "a", "Env" => "dev"}};
        let config = rt.normalise_config(config);
        assert_eq!(
            config["tags_all"],
            Value::Object(object! {"Name" => "a", "Env" => "dev"})
        );
        let config = rt.normalise_config(Object::new());
        assert_eq!(config["tags_all"], Value::Object(object! {"Env" => "prod"}));
        // Wrapped types without tags stay as they are.
        let attach = crate::provider::Provider::resource(&p, "aws_iam_role_policy_attachment");
        assert!(attach.is_none_or(|a| a.schema().attribute("tags_all").is_none()));
    }

    #[test]
    fn what_aws_has_splits_into_own_tags_and_tags_all() {
        let defaults: BTreeMap<String, String> = [("Env".to_string(), "prod".to_string())].into();
        let d = DefaultTags {
            inner: crate::provider::Provider::resource(
                &AwsProvider::new(&Clients::offline()),
                "aws_vpc",
            )
            .unwrap(),
            schema: with_tags_all(
                crate::provider::Provider::resource(
                    &AwsProvider::new(&Clients::offline()),
                    "aws_vpc",
                )
                .unwrap()
                .schema(),
            ),
            defaults: Arc::new(defaults),
        };
        let read = object! {"id" => "vpc-1", "tags" => object! {"Name" => "a", "Env" => "prod"}};
        let out = d.outward(read.clone(), None);
        assert_eq!(out["tags"], Value::Object(object! {"Name" => "a"}));
        assert_eq!(out["tags_all"], read["tags"]);
        // A tag the resource sets itself stays its own, even when equal to a default.
        let own = Value::Object(object! {"Env" => "prod"});
        let out = d.outward(read, Some(&own));
        assert_eq!(
            out["tags"],
            Value::Object(object! {"Name" => "a", "Env" => "prod"})
        );
        let inward = d.inward(&out);
        assert_eq!(inward["tags"], out["tags_all"]);
        assert!(!inward.contains_key("tags_all"));
    }
}
