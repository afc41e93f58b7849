//! Evaluating policies: every policy × every managed instance of a type it names.

use super::context::{Index, PolicyScope};
use super::source::BlockSource;
use super::{Finding, Location, Outcome, Policy, PolicySet};
use crate::addr::{Mode, ResourceAddr};
use crate::config::eval::Scope;
use crate::value::{Object, Value};
use std::collections::HashMap;

/// Findings for every (policy, instance) pair; `only` limits the instances.
pub fn evaluate(
    policies: &PolicySet,
    vars: &Object,
    index: &Index,
    sources: &HashMap<ResourceAddr, BlockSource>,
    only: Option<&dyn Fn(usize) -> bool>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, inst) in index.instances.iter().enumerate() {
        if inst.addr.resource.mode != Mode::Managed || only.is_some_and(|f| !f(i)) {
            continue;
        }
        let applicable = policies.for_type(&inst.addr.resource.type_name);
        if applicable.is_empty() {
            continue;
        }
        let source = sources.get(&inst.addr.resource);
        let location = source
            .map(|s| s.location.clone())
            .unwrap_or_else(|| Location {
                file: index
                    .stack
                    .resources
                    .get(&inst.addr.resource)
                    .map(|b| b.span.file.name.clone())
                    .unwrap_or_default(),
                ..Location::default()
            });
        for &p in applicable {
            let policy = &policies.policies[p];
            let finding = |outcome, detail: Option<String>, waiver: Option<String>| Finding {
                policy: p,
                address: inst.addr.clone(),
                outcome,
                location: location.clone(),
                detail,
                waiver,
                module: String::new(),
            };
            if let Some(w) = source.and_then(|s| s.waiver(&policy.id, policy.checkov_id.as_deref()))
            {
                out.push(finding(Outcome::Skipped, None, Some(w.reason.clone())));
                continue;
            }
            let (outcome, detail) = match &inst.config {
                Err(e) => (
                    Outcome::Unknown,
                    Some(format!("the configuration could not be evaluated: {e}")),
                ),
                Ok(_) => decide(policy, vars, index, i),
            };
            out.push(finding(outcome, detail, None));
        }
    }
    out
}

/// Evaluates one policy's condition for instance `me`.
pub fn decide(
    policy: &Policy,
    vars: &Object,
    index: &Index,
    me: usize,
) -> (Outcome, Option<String>) {
    let ext = PolicyScope { index, me };
    let mut scope = Scope::new(index.stack, vars, &index.view_values);
    scope.self_value = Some(index.instances[me].view.clone());
    scope.extension = Some(&ext);
    match scope.eval(&policy.condition) {
        Ok(Value::Bool(true)) => (Outcome::Pass, None),
        Ok(Value::Bool(false)) => (Outcome::Fail, None),
        Ok(Value::Unknown) => (
            Outcome::Unknown,
            Some("depends on values known only after apply".into()),
        ),
        // A condition may answer null for "cannot be decided from here".
        Ok(Value::Null) => (
            Outcome::Unknown,
            Some("cannot be decided from the configuration".into()),
        ),
        Ok(other) => (
            Outcome::Error,
            Some(format!(
                "the condition must be a bool, got {} (at {})",
                other.type_name(),
                policy.condition.span().location()
            )),
        ),
        Err(d) => (
            Outcome::Error,
            Some(format!("policy error: {}", super::context::describe(&d))),
        ),
    }
}
