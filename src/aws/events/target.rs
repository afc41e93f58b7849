//! aws_cloudwatch_event_target: where an EventBridge rule sends its events (a
//! Lambda function, a queue, ...), with the input it sends.

use crate::aws::prelude::*;
use crate::provider::{BlockType, Default, Nesting};
use aws_sdk_eventbridge::types::{InputTransformer, Target};
use std::collections::HashMap;

use super::rule::DEFAULT_BUS;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_cloudwatch_event_target",
    attributes: &[
        ID,
        Attribute::required("rule", Type::String).force_new(),
        Attribute::optional_computed("target_id", Type::String).force_new(),
        Attribute::required("arn", Type::String),
        Attribute::optional("input", Type::Json),
        Attribute::optional("input_path", Type::String),
        Attribute::optional("role_arn", Type::String),
        Attribute::optional("event_bus_name", Type::String)
            .default(Default::Str(DEFAULT_BUS))
            .force_new(),
    ],
    blocks: &[BlockType::new(
        TRANSFORMER,
        Nesting::Single,
        &[
            Attribute::optional("input_paths", Type::Map(&Type::String)),
            Attribute::required("input_template", Type::String),
        ],
    )],
};

const TRANSFORMER: &str = "input_transformer";

/// Target ids recon makes up start with this, like Terraform's "terraform-".
const DEFAULT_PREFIX: &str = "recon-";

client_type!(EventTarget: events);

#[async_trait]
impl ResourceType for EventTarget {
    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    async fn create(&self, planned: &Object, meta: &Meta) -> Result<Object> {
        let prior = with_target_id(planned, meta);
        let target_id = prior.str("target_id").unwrap_or_default();
        // PutTargets would silently overwrite a target with this id: refuse unless it
        // already is exactly this target (an earlier attempt of this create).
        if let Created::NotOurs { id } = self.find_created(planned, meta).await? {
            let rule = prior.str("rule").unwrap_or_default();
            let what = format!("a target with id {target_id} on rule {rule}");
            return Err(not_ours("ResourceAlreadyExistsException", &what, meta, &id));
        }
        self.put_target(&prior).await?;
        read_single(self, &prior).await?.ok_or_else(|| {
            let mut partial = prior.clone();
            partial.retain(|_, v| !v.is_unknown());
            ProviderError::new(format!(
                "EventBridge target {target_id} was put on rule {} but could not be read back",
                prior.str("rule").unwrap_or_default()
            ))
            .with_partial(partial)
        })
    }

    /// PutTargets is an idempotent put (it overwrites the target of that id), so
    /// trying it again makes nothing twice; but a generated id differs per token,
    /// so the target of the id this create asks for is looked up: a forgotten
    /// create then leaves nothing behind. One with other settings is another's.
    async fn find_created(&self, planned: &Object, meta: &Meta) -> Result<Created> {
        let prior = with_target_id(planned, meta);
        let same = |found: &Object| same_target(found, &prior);
        let id = || import_id(&prior);
        let read = read_single(self, &prior);
        find_at_key(planned.str("target_id"), meta, read, same, id).await
    }

    async fn read(&self, priors: &[Object]) -> Result<Vec<Option<Object>>> {
        // One listing per rule, however many of its targets are asked for.
        let mut by_rule: HashMap<(String, String), Option<Vec<Target>>> = HashMap::new();
        for prior in priors {
            let Some(rule) = prior.str("rule") else {
                continue;
            };
            let key = (bus_name(prior), rule.to_string());
            if let std::collections::hash_map::Entry::Vacant(slot) = by_rule.entry(key) {
                let (bus, rule) = slot.key();
                let targets = list_targets(&self.client, bus, rule).await?;
                slot.insert(targets);
            }
        }
        Ok(priors
            .iter()
            .map(|prior| {
                let rule = prior.str("rule")?;
                let targets = by_rule
                    .get(&(bus_name(prior), rule.to_string()))?
                    .as_ref()?;
                let target_id = prior.str("target_id")?;
                let target = targets.iter().find(|t| t.id() == target_id)?;
                Some(to_state(target, prior))
            })
            .collect())
    }

    async fn update(&self, prior: &Object, planned: &Object, _meta: &Meta) -> Result<Object> {
        let mut next = planned.clone();
        for key in ["id", "target_id"] {
            next.insert(key.into(), prior.get(key).cloned().unwrap_or_default());
        }
        // PutTargets with a known id replaces that target's settings.
        self.put_target(&next).await?;
        read_single(self, &next).await?.ok_or_else(|| {
            ProviderError::new(format!(
                "EventBridge target {} disappeared during update",
                next.str("id").unwrap_or_default()
            ))
        })
    }

    async fn delete(&self, prior: &Object) -> Result<()> {
        let (Some(rule), Some(target_id)) = (prior.str("rule"), prior.str("target_id")) else {
            return Ok(());
        };
        let out = match self
            .client
            .remove_targets()
            .rule(rule)
            .set_event_bus_name(non_default(&bus_name(prior)))
            .ids(target_id)
            .send()
            .await
            .map_err(sdk_error)
        {
            Ok(out) => out,
            // The rule is gone, and its targets with it.
            Err(err) if is_not_found(&err) => return Ok(()),
            Err(err) => return Err(err),
        };
        match out.failed_entries().first() {
            Some(entry) => Err(ProviderError {
                code: entry.error_code().map(str::to_string),
                message: format!(
                    "removing target {target_id} from rule {rule}: {}",
                    entry.error_message().unwrap_or("failed")
                ),
                ..ProviderError::new("")
            }),
            None => Ok(()),
        }
    }

    /// `RULE/TARGET_ID`, or `BUS/RULE/TARGET_ID` for a rule on another bus.
    fn import_stub(&self, id: &str) -> Object {
        let parts: Vec<&str> = id.split('/').collect();
        let (bus, rule, target_id) = match parts.as_slice() {
            [rule, target] => (DEFAULT_BUS.to_string(), *rule, *target),
            [bus @ .., rule, target] if !bus.is_empty() => (bus.join("/"), *rule, *target),
            _ => return crate::object! { "id" => id },
        };
        let mut stub = crate::object! {
            "rule" => rule,
            "target_id" => target_id,
            "event_bus_name" => bus.as_str(),
        };
        stub.insert("id".into(), Value::from(target_id_of(&stub)));
        stub
    }
}

impl EventTarget {
    async fn put_target(&self, obj: &Object) -> Result<()> {
        let rule = obj
            .str("rule")
            .ok_or_else(|| ProviderError::new("aws_cloudwatch_event_target needs rule"))?;
        let target = Target::builder()
            .id(obj.str("target_id").unwrap_or_default())
            .arn(obj.str("arn").unwrap_or_default())
            .set_input(obj.str("input").map(str::to_string))
            .set_input_path(obj.str("input_path").map(str::to_string))
            .set_role_arn(obj.str("role_arn").map(str::to_string))
            .set_input_transformer(obj.block(TRANSFORMER).map(input_transformer).transpose()?)
            .build()
            .map_err(|e| ProviderError::new(format!("invalid EventBridge target: {e}")))?;
        let out = self
            .client
            .put_targets()
            .rule(rule)
            .set_event_bus_name(non_default(&bus_name(obj)))
            .targets(target)
            .send()
            .await
            .map_err(sdk_error)?;
        match out.failed_entries().first() {
            Some(entry) => Err(ProviderError {
                code: entry.error_code().map(str::to_string),
                message: format!(
                    "putting target {} on rule {rule}: {}",
                    obj.str("target_id").unwrap_or_default(),
                    entry.error_message().unwrap_or("failed")
                ),
                ..ProviderError::new("")
            }),
            None => Ok(()),
        }
    }
}

/// Every target of a rule, following NextToken; None when the rule is gone.
async fn list_targets(
    client: &aws_sdk_eventbridge::Client,
    bus: &str,
    rule: &str,
) -> Result<Option<Vec<Target>>> {
    let mut found = Vec::new();
    let mut token = None;
    loop {
        let call = client
            .list_targets_by_rule()
            .rule(rule)
            .set_event_bus_name(non_default(bus))
            .set_next_token(token);
        let Some(out) = none_if_gone(call.send().await.map_err(sdk_error))? else {
            return Ok(None);
        };
        found.extend(out.targets().iter().cloned());
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(Some(found)),
        }
    }
}

/// Terraform's id: `RULE-TARGET_ID`, or `BUS-RULE-TARGET_ID` on another bus.
fn target_id_of(obj: &Object) -> String {
    let bus = bus_name(obj);
    let rule = obj.str("rule").unwrap_or_default();
    let target = obj.str("target_id").unwrap_or_default();
    if bus == DEFAULT_BUS {
        format!("{rule}-{target}")
    } else {
        format!("{bus}-{rule}-{target}")
    }
}

fn bus_name(obj: &Object) -> String {
    match obj.str("event_bus_name") {
        Some(b) if !b.is_empty() => b.to_string(),
        _ => DEFAULT_BUS.to_string(),
    }
}

fn non_default(bus: &str) -> Option<String> {
    (bus != DEFAULT_BUS).then(|| bus.to_string())
}

/// `planned` with the target id to create: `target_id`, else "recon-" plus a
/// unique suffix (the same for every attempt of one create).
fn with_target_id(planned: &Object, meta: &Meta) -> Object {
    let target_id = match planned.str("target_id") {
        Some(id) => id.to_string(),
        None => format!("{DEFAULT_PREFIX}{}", unique_suffix(meta)),
    };
    let mut prior = planned.clone();
    prior.insert("target_id".into(), Value::from(target_id));
    prior.insert("id".into(), Value::from(target_id_of(&prior)));
    prior
}

/// True when `existing` sends where and what `planned` asks for.
fn same_target(existing: &Object, planned: &Object) -> bool {
    ["arn", "input", "input_path", "role_arn", TRANSFORMER]
        .iter()
        .all(|k| existing.get(*k) == Some(planned.get(*k).unwrap_or(&Value::Null)))
}

/// The id `recon import` takes: `RULE/TARGET_ID`, or `BUS/RULE/TARGET_ID`.
fn import_id(obj: &Object) -> String {
    let rule = obj.str("rule").unwrap_or_default();
    let target = obj.str("target_id").unwrap_or_default();
    match bus_name(obj) {
        bus if bus == DEFAULT_BUS => format!("{rule}/{target}"),
        bus => format!("{bus}/{rule}/{target}"),
    }
}

fn input_transformer(block: &Object) -> Result<InputTransformer> {
    let paths = block.string_map("input_paths");
    InputTransformer::builder()
        .set_input_paths_map((!paths.is_empty()).then(|| paths.into_iter().collect()))
        .input_template(block.str("input_template").unwrap_or_default())
        .build()
        .map_err(|e| ProviderError::new(format!("invalid input_transformer: {e}")))
}

fn non_empty(s: Option<&str>) -> Value {
    match s {
        Some(s) if !s.is_empty() => Value::from(s),
        _ => Value::Null,
    }
}

fn to_state(target: &Target, prior: &Object) -> Object {
    let mut state = crate::object! {
        "rule" => prior.str("rule"),
        "target_id" => target.id(),
        "arn" => target.arn(),
        "input" => non_empty(target.input()),
        "input_path" => non_empty(target.input_path()),
        "role_arn" => non_empty(target.role_arn()),
        "event_bus_name" => bus_name(prior),
    };
    let transformer = target.input_transformer().map(|t| {
        let paths: Object = t
            .input_paths_map()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        // An empty map and none are the same to EventBridge.
        let paths = match paths.is_empty() {
            true => prior
                .block(TRANSFORMER)
                .and_then(|b| b.get("input_paths"))
                .filter(|p| p.as_object().is_some_and(|o| o.is_empty()))
                .cloned()
                .unwrap_or(Value::Null),
            false => Value::Object(paths),
        };
        Value::Object(crate::object! {
            "input_paths" => paths,
            "input_template" => t.input_template(),
        })
    });
    state.insert(
        TRANSFORMER.into(),
        Value::List(transformer.into_iter().collect()),
    );
    state.insert("id".into(), Value::from(target_id_of(&state)));
    state
}
