//! Which EventBridge schedules start and stop which instance.
//!
//! The rule (README, "Cost"): an `aws_cloudwatch_event_target` whose `rule` is a
//! scheduled `aws_cloudwatch_event_rule` and whose `arn` is an
//! `aws_lambda_function` powers every `aws_instance` whose id is in that
//! function's `environment` variables. Start or stop comes from the target's
//! `input` (a value "start" or "stop", such as `{"action": "start"}`), else from
//! the word start or stop in the rule's name or instance key. Values link where
//! known (state, or set in configuration); where apply alone knows them (a
//! create), the references written in the configuration link instead.

use super::cron::Cron;
use super::schedule::Power;
use crate::addr::{InstanceAddr, InstanceKey, ResourceAddr};
use crate::config::refs::{body_references, references, Ref};
use crate::config::Stack;
use crate::value::{Object, ObjectExt, Value};
use std::collections::BTreeMap;

/// One side of a plan (before or after): every managed instance's object.
pub type Side<'a> = BTreeMap<&'a InstanceAddr, &'a Object>;

/// A schedule that starts or stops an instance.
#[derive(Clone, Debug)]
pub struct PowerSchedule {
    pub power: Power,
    pub rule: InstanceAddr,
    /// The parsed cron, or why it cannot be used.
    pub cron: Result<Cron, String>,
}

/// The schedules powering each instance of `side`.
pub fn power_schedules(side: &Side, stack: &Stack) -> BTreeMap<InstanceAddr, Vec<PowerSchedule>> {
    let mut found: BTreeMap<InstanceAddr, Vec<PowerSchedule>> = BTreeMap::new();
    for (target, obj) in of_type(side, "aws_cloudwatch_event_target") {
        let rules = linked(
            side,
            stack,
            (target, obj),
            "rule",
            "aws_cloudwatch_event_rule",
        );
        let functions = linked(side, stack, (target, obj), "arn", "aws_lambda_function");
        let instances: Vec<&InstanceAddr> = functions
            .iter()
            .flat_map(|f| powered_instances(side, stack, *f))
            .collect();
        for (rule, rule_obj) in rules {
            let enabled = rule_obj.str("state") != Some("DISABLED");
            let Some(expression) = rule_obj.str("schedule_expression").filter(|_| enabled) else {
                continue;
            };
            let Some(power) = power_of(obj, rule, rule_obj) else {
                continue;
            };
            for instance in &instances {
                found
                    .entry((*instance).clone())
                    .or_default()
                    .push(PowerSchedule {
                        power,
                        rule: rule.clone(),
                        cron: Cron::parse(expression),
                    });
            }
        }
    }
    found
}

fn of_type<'s, 'a>(
    side: &'s Side<'a>,
    type_name: &'s str,
) -> impl Iterator<Item = (&'a InstanceAddr, &'a Object)> + 's {
    side.iter()
        .filter(move |(a, _)| a.resource.type_name == type_name)
        .map(|(a, o)| (*a, *o))
}

/// The objects of `type_name` that `from`'s attribute `attr` names: by value
/// (an id, arn or name) when known, else by the reference written in configuration.
pub fn linked<'a>(
    side: &Side<'a>,
    stack: &Stack,
    from: (&InstanceAddr, &Object),
    attr: &str,
    type_name: &str,
) -> Vec<(&'a InstanceAddr, &'a Object)> {
    match from.1.get(attr) {
        Some(Value::String(wanted)) => of_type(side, type_name)
            .filter(|(_, o)| names(o).any(|n| n == wanted))
            .collect(),
        Some(Value::Unknown) => {
            let written = stack
                .resources
                .get(&from.0.resource)
                .and_then(|block| block.body.body.get_attribute(attr))
                .map(|a| references(&a.value))
                .unwrap_or_default();
            by_reference(
                side,
                written.into_iter().map(|(r, _)| r),
                type_name,
                &from.0.key,
            )
        }
        _ => Vec::new(),
    }
}

/// What identifies an object when another one refers to it.
fn names(o: &Object) -> impl Iterator<Item = &str> {
    ["id", "arn", "name", "function_name"]
        .into_iter()
        .filter_map(|k| o.str(k))
}

/// The instances of the referenced resources of `type_name`: the one with the
/// referrer's key when there is one (`rule[each.key]`), else all of them.
fn by_reference<'a>(
    side: &Side<'a>,
    refs: impl Iterator<Item = Ref>,
    type_name: &str,
    key: &InstanceKey,
) -> Vec<(&'a InstanceAddr, &'a Object)> {
    let resources: Vec<ResourceAddr> = refs
        .filter_map(|r| match r {
            Ref::Resource(addr) if addr.type_name == type_name => Some(addr),
            _ => None,
        })
        .collect();
    let mut found = Vec::new();
    for resource in resources {
        let instances: Vec<_> = of_type(side, type_name)
            .filter(|(a, _)| a.resource == resource)
            .collect();
        match instances.iter().find(|(a, _)| &a.key == key) {
            Some(same_key) if *key != InstanceKey::None => found.push(*same_key),
            _ => found.extend(instances),
        }
    }
    found.sort_by(|a, b| a.0.cmp(b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    found
}

/// The instances a function's environment names.
fn powered_instances<'a>(
    side: &Side<'a>,
    stack: &Stack,
    (function, obj): (&InstanceAddr, &Object),
) -> Vec<&'a InstanceAddr> {
    let variables = obj.block("environment").and_then(|e| e.get("variables"));
    let known = variables.is_none_or(Value::is_wholly_known);
    let found = if known {
        let ids: Vec<&str> = variables
            .and_then(Value::as_object)
            .map(|m| m.values().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        of_type(side, "aws_instance")
            .filter(|(_, o)| o.str("id").is_some_and(|id| ids.contains(&id)))
            .collect()
    } else {
        let written = stack
            .resources
            .get(&function.resource)
            .map(|block| {
                block
                    .body
                    .body
                    .get_blocks("environment")
                    .flat_map(|b| body_references(&b.body))
                    .map(|(r, _)| r)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        by_reference(side, written.into_iter(), "aws_instance", &function.key)
    };
    found.into_iter().map(|(a, _)| a).collect()
}

/// Start or stop: the target's input, else the rule's name or key.
fn power_of(target: &Object, rule: &InstanceAddr, rule_obj: &Object) -> Option<Power> {
    let input = match target.get("input") {
        Some(Value::String(text)) => serde_json::from_str(text).ok(),
        Some(v @ Value::Object(_)) => Some(v.to_json()),
        _ => None,
    };
    let input_words: Vec<String> = match input {
        Some(serde_json::Value::Object(m)) => m
            .values()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s],
        _ => Vec::new(),
    };
    let key = match &rule.key {
        InstanceKey::Str(s) => s.clone(),
        _ => String::new(),
    };
    let name_words: Vec<String> = [rule_obj.str("name").unwrap_or_default(), &key]
        .iter()
        .flat_map(|s| s.split(|c: char| !c.is_ascii_alphanumeric()))
        .map(str::to_string)
        .collect();
    one_power(&input_words).or_else(|| one_power(&name_words))
}

/// The one power word among `words`; None when there is none or both.
fn one_power(words: &[String]) -> Option<Power> {
    let has = |w: &str| words.iter().any(|x| x.eq_ignore_ascii_case(w));
    match (has("start"), has("stop")) {
        (true, false) => Some(Power::Start),
        (false, true) => Some(Power::Stop),
        _ => None,
    }
}
