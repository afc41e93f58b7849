//! Evaluating policies: every policy × every managed instance of a type it names.

use super::context::{Index, PolicyScope};
use super::source::BlockSource;
use super::{Finding, Location, Outcome, Policy, PolicySet};
use crate::addr::{Mode, ResourceAddr};
use crate::config::eval::{BlockValues, Scope};
use crate::value::{Object, Value};
use std::collections::{BTreeMap, HashMap};

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
    static NO_BLOCKS: BTreeMap<ResourceAddr, Value> = BTreeMap::new();
    let blocks: &dyn BlockValues = if policy.reads_blocks {
        index.view_values()
    } else {
        &NO_BLOCKS
    };
    let mut scope = Scope::new(index.stack, vars, blocks);
    scope.self_value = Some(&index.instances[me].view);
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

#[cfg(test)]
mod tests {
    use crate::aws::{AwsProvider, Clients};
    use crate::config::Stack;
    use crate::policy::load::from_sources;
    use crate::policy::{check_stack, Origin, Outcome};
    use crate::value::Object;
    use std::path::Path;

    /// Conditions that read other blocks, directly or through a local, see their
    /// values; those that read only `self` are not given them (and need not be).
    #[test]
    fn conditions_read_other_blocks_and_locals() {
        let stack = Stack::from_sources(
            Path::new("."),
            vec![(
                "main.tf".into(),
                r#"
resource "aws_kms_key" "a" {
  description = "shared"
}
resource "aws_kms_key" "b" {
  description = "shared"
}
resource "aws_kms_key" "c" {
  description = "other"
}
locals {
  expected = aws_kms_key.a.description
}
"#
                .into(),
            )],
        )
        .unwrap();
        let policy = |id: &str, condition: &str| {
            format!("policy \"{id}\" {{\n  resource_types = [\"aws_kms_key\"]\n  severity = \"low\"\n  condition = {condition}\n  message = \"m\"\n}}\n")
        };
        let policies = from_sources(vec![(
            "p.hcl".into(),
            policy("same_as_a", "self.description == aws_kms_key.a.description")
                + &policy("same_as_local", "self.description == local.expected")
                + &policy("self_only", "self.description != \"\""),
            Origin::Stack,
        )])
        .unwrap();
        assert!(policies.policies[0].reads_blocks && policies.policies[1].reads_blocks);
        assert!(!policies.policies[2].reads_blocks);
        let loaded = crate::policy::check::Loaded::new(stack);
        let provider = AwsProvider::new(&Clients::offline());
        let report = check_stack(&loaded, &Object::new(), &provider, &policies).unwrap();
        let mut got: Vec<(String, String, Outcome)> = report
            .findings
            .iter()
            .map(|f| {
                (
                    report.policy(f).id.clone(),
                    f.address.to_string(),
                    f.outcome,
                )
            })
            .collect();
        got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let want = |id: &'static str, outcomes: [Outcome; 3]| {
            ["a", "b", "c"]
                .into_iter()
                .zip(outcomes)
                .map(move |(n, o)| (id.to_string(), format!("aws_kms_key.{n}"), o))
        };
        let expected: Vec<_> = want("same_as_a", [Outcome::Pass, Outcome::Pass, Outcome::Fail])
            .chain(want(
                "same_as_local",
                [Outcome::Pass, Outcome::Pass, Outcome::Fail],
            ))
            .chain(want("self_only", [Outcome::Pass; 3]))
            .collect();
        assert_eq!(got, expected);
    }
}
