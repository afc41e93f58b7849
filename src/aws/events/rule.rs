//! aws_cloudwatch_event_rule: an EventBridge rule, on a schedule or an event pattern.

use crate::aws::prelude::*;
use crate::provider::Default;
use aws_sdk_eventbridge::operation::describe_rule::DescribeRuleOutput;
use aws_sdk_eventbridge::types::{RuleState, Tag};

pub static SCHEMA: Schema = Schema {
    type_name: "aws_cloudwatch_event_rule",
    attributes: &[
        ID,
        Attribute::computed("arn", Type::String),
        Attribute::optional_computed("name", Type::String).force_new(),
        Attribute::optional_computed("name_prefix", Type::String).force_new(),
        Attribute::optional("schedule_expression", Type::String),
        Attribute::optional("event_pattern", Type::Json),
        Attribute::optional("description", Type::String),
        Attribute::optional("state", Type::String).default(Default::Str("ENABLED")),
        Attribute::optional("event_bus_name", Type::String)
            .default(Default::Str(DEFAULT_BUS))
            .force_new(),
        Attribute::optional("role_arn", Type::String),
        TAGS,
    ],
    blocks: &[],
};

pub const DEFAULT_BUS: &str = "default";
/// Names recon makes up start with this, like Terraform's "terraform-".
const DEFAULT_PREFIX: &str = "recon-";
/// How long delete waits for targets that something else is removing.
const TARGETS_WAIT: Duration = Duration::from_secs(60);

pub struct EventRule {
    client: aws_sdk_eventbridge::Client,
    /// For the create call alone: never retried by the SDK (see `Clients::once`).
    once: aws_sdk_eventbridge::Client,
    targets_wait: Duration,
}

impl EventRule {
    pub fn new(clients: &Clients) -> Self {
        EventRule {
            client: clients.events.clone(),
            once: clients.once().events.clone(),
            targets_wait: TARGETS_WAIT,
        }
    }

    /// How long delete waits for the rule's targets to go before it gives up.
    pub fn with_targets_wait(mut self, wait: Duration) -> Self {
        self.targets_wait = wait;
        self
    }
}

#[async_trait]
impl ResourceType for EventRule {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let name = rule_name(planned, meta);
        let bus = bus_name(planned);
        // PutRule would silently take over a rule of the same name: refuse unless it
        // is the one an earlier attempt of this very create made.
        let what = || format!("an EventBridge rule named {name} on bus {bus}");
        let code = "ResourceAlreadyExistsException";
        if let Some(adopted) = look_before_create(self, code, what, planned, meta).await? {
            return Ok(adopted);
        }
        let rule_tags = event_tags(tags::with_recon_tags(planned, meta))?;
        put_rule(&self.once, &name, planned)
            .set_tags(Some(rule_tags))
            .send()
            .await
            .map_err(sdk_error)?;

        let mut prior = planned.clone();
        prior.insert("name".into(), Value::from(name.as_str()));
        if prior.get("name_prefix").is_some_and(Value::is_unknown) {
            prior.insert("name_prefix".into(), Value::Null);
        }
        let id = rule_id(&bus, &name);
        prior.insert("id".into(), Value::from(id.as_str()));
        // PutRule is eventually consistent: DescribeRule may not see it at once.
        let pace = Pace::every(Duration::from_secs(2), Duration::from_secs(120));
        if let Some(state) = poll_until(pace, || self.read_one(&prior)).await? {
            return Ok(state);
        }
        let mut partial = prior.clone();
        partial.retain(|_, v| !v.is_unknown());
        Err(ProviderError::new(format!(
            "EventBridge rule {id} was created but could not be read back"
        ))
        .with_partial(partial))
    }

    /// The rule of the name the create asks for on its bus, when its tags say it
    /// was made for `meta` (a generated name is derived from the token).
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        if !name_is_known(planned.str("name"), meta) {
            return Ok(Created::Unknowable);
        }
        let name = rule_name(planned, meta);
        let bus = bus_name(planned);
        let Some(rule) = find_rule(&self.client, &bus, &name).await? else {
            return Ok(Created::Absent);
        };
        let Some(found) = self.rule_tags(rule.arn().unwrap_or_default()).await? else {
            return Ok(Created::Absent);
        };
        if !tags::made_for(found.iter().map(|(k, v)| (k.as_str(), v.as_str())), meta) {
            return Ok(Created::NotOurs {
                id: rule_id(&bus, &name),
            });
        }
        Ok(Created::Found(to_state(&rule, &bus, found, planned)))
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        read_concurrently(priors.iter().map(|prior| self.read_one(prior)).collect()).await
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let (_, name) = split_id(prior);
        let name = name.ok_or_else(|| ProviderError::new("aws_cloudwatch_event_rule has no id"))?;
        let settings = [
            "schedule_expression",
            "event_pattern",
            "description",
            "state",
            "role_arn",
        ];
        if settings.iter().any(|k| prior.get(*k) != planned.get(*k)) {
            // PutRule replaces every setting of an existing rule (tags stay).
            put_rule(&self.client, &name, planned)
                .send()
                .await
                .map_err(sdk_error)?;
        }
        let arn = || {
            prior
                .str("arn")
                .ok_or_else(|| ProviderError::new("aws_cloudwatch_event_rule has no arn in state"))
        };
        tags::sync_tags!(prior => planned;
            self.client, untag_resource / tag_resource;
            resource_arn(arn()?), event_tags)
        .await?;
        let mut next = planned.clone();
        next.insert("id".into(), prior.get("id").cloned().unwrap_or_default());
        next.insert("name".into(), Value::from(name.as_str()));
        self.read_one(&next).await?.ok_or_else(|| {
            ProviderError::new(format!("EventBridge rule {name} disappeared during update"))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let (bus, name) = split_id(prior);
        let Some(name) = name else {
            return Ok(());
        };
        // Targets go first; ones managed elsewhere in this run may still be leaving.
        let has_targets = |err: &ProviderError| err.message.contains("has targets");
        let pace = Pace::every(Duration::from_secs(2), self.targets_wait);
        let deleted = retry_while(pace, has_targets, || async {
            self.client
                .delete_rule()
                .name(&name)
                .set_event_bus_name(non_default(&bus))
                .send()
                .await
                .map_err(sdk_error)
        });
        match deleted.await {
            Ok(_) => Ok(()),
            Err(err) if is_not_found(&err) => Ok(()),
            Err(err) if has_targets(&err) => {
                let ids = self.target_ids(&bus, &name).await.unwrap_or_default();
                Err(ProviderError {
                    message: format!(
                        "EventBridge rule {name} still has targets ({}) that are not managed here; \
                         remove them (aws events remove-targets --rule {name} --ids ...) \
                         or add them to the stack as aws_cloudwatch_event_target, then retry",
                        if ids.is_empty() { "unknown ids".to_string() } else { ids.join(", ") }
                    ),
                    ..err
                })
            }
            Err(err) => Err(err),
        }
    }

    /// `NAME`, or `BUS/NAME` for a rule on another bus.
    fn import_stub(&self, id: &str) -> Object {
        let mut stub = crate::object! { "id" => id };
        let (bus, name) = split_id(&stub);
        stub.insert("name".into(), Value::from(name));
        stub.insert("event_bus_name".into(), Value::from(bus));
        stub
    }
}

impl EventRule {
    async fn read_one(&self, prior: &Object) -> Result<Option<Object>> {
        let (bus, name) = split_id(prior);
        let Some(name) = name else {
            return Ok(None);
        };
        let Some(rule) = find_rule(&self.client, &bus, &name).await? else {
            return Ok(None);
        };
        let Some(found) = self.rule_tags(rule.arn().unwrap_or_default()).await? else {
            return Ok(None);
        };
        Ok(Some(to_state(&rule, &bus, found, prior)))
    }

    /// The tags of the rule `arn`; None when it is gone.
    async fn rule_tags(&self, arn: &str) -> Result<Option<Vec<(String, String)>>> {
        let call = self.client.list_tags_for_resource().resource_arn(arn);
        let found = none_if_gone(call.send().await.map_err(sdk_error))?;
        Ok(found.map(|out| {
            (out.tags().iter())
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        }))
    }

    async fn target_ids(&self, bus: &str, name: &str) -> Result<Vec<String>> {
        let out = self
            .client
            .list_targets_by_rule()
            .rule(name)
            .set_event_bus_name(non_default(bus))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(out.targets().iter().map(|t| t.id().to_string()).collect())
    }
}

/// A PutRule request carrying every setting of `planned`.
fn put_rule(
    client: &aws_sdk_eventbridge::Client,
    name: &str,
    planned: &Object,
) -> aws_sdk_eventbridge::operation::put_rule::builders::PutRuleFluentBuilder {
    client
        .put_rule()
        .name(name)
        .set_event_bus_name(non_default(&bus_name(planned)))
        .set_schedule_expression(planned.str("schedule_expression").map(str::to_string))
        .set_event_pattern(planned.str("event_pattern").map(str::to_string))
        .description(planned.str("description").unwrap_or_default())
        .state(RuleState::from(planned.str("state").unwrap_or("ENABLED")))
        .set_role_arn(planned.str("role_arn").map(str::to_string))
}

/// The name to create: `name`, else `name_prefix` (default "recon-") plus a
/// unique suffix (the same for every attempt of one create).
fn rule_name(planned: &Object, meta: &Meta) -> String {
    match (planned.str("name"), planned.str("name_prefix")) {
        (Some(name), _) => name.to_string(),
        (None, Some(prefix)) => format!("{prefix}{}", unique_suffix(meta)),
        (None, None) => format!("{DEFAULT_PREFIX}{}", unique_suffix(meta)),
    }
}

/// DescribeRule; None when the rule (or its bus) does not exist.
async fn find_rule(
    client: &aws_sdk_eventbridge::Client,
    bus: &str,
    name: &str,
) -> Result<Option<DescribeRuleOutput>> {
    let call = client
        .describe_rule()
        .name(name)
        .set_event_bus_name(non_default(bus));
    none_if_gone(call.send().await.map_err(sdk_error))
}

/// Terraform's id: the name on the default bus, `BUS/NAME` elsewhere.
pub fn rule_id(bus: &str, name: &str) -> String {
    if bus.is_empty() || bus == DEFAULT_BUS {
        name.to_string()
    } else {
        format!("{bus}/{name}")
    }
}

/// (bus, name) from an object's id, falling back to its attributes.
fn split_id(obj: &Object) -> (String, Option<String>) {
    match obj.str("id") {
        // A bus given by ARN holds slashes itself: the name follows the last one.
        Some(id) => match id.rsplit_once('/') {
            Some((bus, name)) => (bus.to_string(), Some(name.to_string())),
            None => (DEFAULT_BUS.to_string(), Some(id.to_string())),
        },
        None => (bus_name(obj), obj.str("name").map(str::to_string)),
    }
}

fn bus_name(obj: &Object) -> String {
    obj.str("event_bus_name").unwrap_or(DEFAULT_BUS).to_string()
}

/// The bus to name in a request: None for the default bus.
fn non_default(bus: &str) -> Option<String> {
    (!bus.is_empty() && bus != DEFAULT_BUS).then(|| bus.to_string())
}

fn event_tags(tags: BTreeMap<String, String>) -> Result<Vec<Tag>> {
    let tag = |(key, value)| Tag::builder().key(key).value(value).build();
    let tags = tags.into_iter().map(tag).collect::<Result<_, _>>();
    tags.map_err(|e| ProviderError::new(format!("invalid EventBridge tag: {e}")))
}

fn non_empty(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

fn to_state(
    rule: &DescribeRuleOutput,
    bus: &str,
    rule_tags: Vec<(String, String)>,
    prior: &Object,
) -> Object {
    let name = rule.name().unwrap_or_default();
    let prefix = match prior.get("name_prefix") {
        Some(Value::String(p)) => Value::from(p.as_str()),
        _ => Value::Null,
    };
    // The id keeps the bus as written (a name or an ARN); AWS may report either.
    let bus = match prior.get("event_bus_name") {
        Some(Value::String(b)) if !b.is_empty() => b.clone(),
        _ => bus.to_string(),
    };
    crate::object! {
        "id" => rule_id(&bus, name),
        "arn" => rule.arn(),
        "name" => name,
        "name_prefix" => prefix,
        "schedule_expression" => non_empty(rule.schedule_expression()),
        "event_pattern" => non_empty(rule.event_pattern()),
        "description" => non_empty(rule.description()),
        "state" => rule.state().map(|s| s.as_str()).unwrap_or("ENABLED"),
        "event_bus_name" => bus.as_str(),
        "role_arn" => non_empty(rule.role_arn()),
        "tags" => tags::user_tags(rule_tags),
    }
}
