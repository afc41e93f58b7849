//! Usage a stack declares for the cost estimate:
//! `recon { usage "aws_instance.sync" { hours_per_month = 12 } }`.

use crate::addr::{InstanceAddr, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::Stack;
use crate::value::{Object, Value};
use hcl_edit::structure::Structure;
use std::collections::BTreeMap;

/// The usage keys each resource type takes.
pub const KEYS: &[(&str, &[&str])] = &[
    ("aws_instance", &["hours_per_month"]),
    ("aws_nat_gateway", &["hours_per_month"]),
    ("aws_s3_bucket", &["storage_gb"]),
    (
        "aws_lambda_function",
        &["requests_per_month", "duration_ms"],
    ),
    ("aws_sqs_queue", &["requests_per_month"]),
    ("aws_cloudwatch_event_rule", &["events_per_month"]),
];

/// What one instance is declared to use: key → number.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage(BTreeMap<String, f64>);

impl<const N: usize> From<[(&str, f64); N]> for Usage {
    fn from(pairs: [(&str, f64); N]) -> Usage {
        Usage(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }
}

impl Usage {
    pub fn get(&self, key: &str) -> Option<f64> {
        self.0.get(key).copied()
    }
}

/// Every `usage` block, evaluated (variables and resource values may be used).
#[derive(Debug, Default)]
pub struct DeclaredUsage {
    by_address: BTreeMap<String, Usage>,
    /// Blocks or keys that were not used, and why.
    pub notes: Vec<String>,
}

impl DeclaredUsage {
    pub fn evaluate(
        stack: &Stack,
        vars: &Object,
        values: &BTreeMap<ResourceAddr, Value>,
    ) -> DeclaredUsage {
        let scope = Scope::new(stack, vars, values);
        let mut declared = DeclaredUsage::default();
        for decl in &stack.usage {
            let Some(type_name) = declared_type(stack, &decl.address) else {
                declared.notes.push(format!(
                    "usage \"{}\" ({}): no such resource in the stack",
                    decl.address,
                    decl.span.location()
                ));
                continue;
            };
            let keys = KEYS
                .iter()
                .find(|(t, _)| *t == type_name)
                .map(|(_, k)| *k)
                .unwrap_or(&[]);
            let usage = declared.by_address.entry(decl.address.clone()).or_default();
            for structure in decl.body.body.iter() {
                let Structure::Attribute(attr) = structure else {
                    continue;
                };
                let key = attr.key.as_str();
                if !keys.contains(&key) {
                    declared.notes.push(format!(
                        "usage \"{}\": {type_name} takes {}, not {key}",
                        decl.address,
                        if keys.is_empty() {
                            "no usage".to_string()
                        } else {
                            keys.join(", ")
                        }
                    ));
                    continue;
                }
                match scope.eval_in(&decl.body.file, &attr.value) {
                    Ok(v) => match v.as_f64() {
                        Some(n) if n >= 0.0 => {
                            usage.0.insert(key.to_string(), n);
                        }
                        _ => declared.notes.push(format!(
                            "usage \"{}\": {key} is not a known number of zero or more",
                            decl.address
                        )),
                    },
                    Err(d) => declared
                        .notes
                        .push(format!("usage \"{}\": {key}: {}", decl.address, d.message)),
                }
            }
        }
        declared
    }

    /// The usage of one instance: its own block over its resource's.
    pub fn of(&self, addr: &InstanceAddr) -> Usage {
        let mut usage = self
            .by_address
            .get(&addr.resource.to_string())
            .cloned()
            .unwrap_or_default();
        if let Some(own) = self.by_address.get(&addr.to_string()) {
            usage.0.extend(own.0.iter().map(|(k, v)| (k.clone(), *v)));
        }
        usage
    }
}

/// The resource type an address names, when the stack has that resource.
fn declared_type<'s>(stack: &'s Stack, address: &str) -> Option<&'s str> {
    let resource = address.split('[').next().unwrap_or(address);
    stack
        .resources
        .keys()
        .find(|r| r.mode == crate::addr::Mode::Managed && r.to_string() == resource)
        .map(|r| r.type_name.as_str())
}
