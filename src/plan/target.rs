//! `--target`: plan only some resources. Creating or changing a target brings what
//! it depends on; destroying one brings what depends on it. Everything else keeps
//! the value it has now, so outputs and later plans see what really exists.

use super::planner::block_value;
use super::{Action, Plan, ResourceChange};
use crate::addr::{InstanceAddr, ResourceAddr};
use crate::config::Stack;
use crate::diag::{did_you_mean, Diag, Diags};
use crate::state::State;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Drops the changes outside the targets (and their dependencies, or dependents
/// when destroying) and gives the resources they belong to their current values.
pub fn restrict(
    plan: &mut Plan,
    values: &mut BTreeMap<ResourceAddr, Value>,
    stack: &Stack,
    state: &State,
    targets: &[InstanceAddr],
) -> Result<(), Diags> {
    check_known(plan, stack, state, targets)?;
    let targeted = |c: &ResourceChange| targets.iter().any(|t| t.covers(&c.addr));
    let seeds: BTreeSet<ResourceAddr> = plan
        .changes
        .iter()
        .filter(|c| targeted(c))
        .map(|c| c.addr.resource.clone())
        .collect();
    // Resource-level, as references are: a dependency brings all its instances.
    let mut brought: BTreeSet<ResourceAddr> = BTreeSet::new();
    if !plan.destroy {
        plan.changes
            .iter()
            .filter(|c| targeted(c))
            .for_each(|c| brought.extend(c.depends_on.iter().cloned()));
    }
    loop {
        let before = brought.len();
        for c in &plan.changes {
            if plan.destroy {
                if c.depends_on
                    .iter()
                    .any(|d| seeds.contains(d) || brought.contains(d))
                {
                    brought.insert(c.addr.resource.clone());
                }
            } else if brought.contains(&c.addr.resource) {
                brought.extend(c.depends_on.iter().cloned());
            }
        }
        if brought.len() == before {
            break;
        }
    }
    let kept = |c: &ResourceChange| targeted(c) || brought.contains(&c.addr.resource);

    let dropped: Vec<ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp && !kept(c))
        .cloned()
        .collect();
    let touched: BTreeSet<ResourceAddr> = dropped.iter().map(|c| c.addr.resource.clone()).collect();
    for resource in &touched {
        let Some(block) = stack.resources.get(resource) else {
            continue;
        };
        let instances = plan
            .changes
            .iter()
            .filter(|c| {
                &c.addr.resource == resource && c.deposed.is_none() && c.action != Action::Delete
            })
            .map(|c| {
                let value = if kept(c) || c.action == Action::NoOp {
                    c.after.clone().map(Value::Object).unwrap_or(Value::Unknown)
                } else {
                    c.before
                        .clone()
                        .map(Value::Object)
                        .unwrap_or(Value::Unknown)
                };
                (c.addr.key.clone(), value)
            })
            .collect();
        values.insert(resource.clone(), block_value(block, instances));
    }
    plan.changes.retain(|c| c.action == Action::NoOp || kept(c));
    Ok(())
}

/// Every target must name a resource of the configuration or the state.
fn check_known(
    plan: &Plan,
    stack: &Stack,
    state: &State,
    targets: &[InstanceAddr],
) -> Result<(), Diags> {
    let mut names: Vec<String> = stack.resources.keys().map(ToString::to_string).collect();
    names.extend(
        state
            .resources
            .iter()
            .map(|r| r.addr().resource.to_string()),
    );
    let errors: Vec<Diag> = targets
        .iter()
        .filter(|t| {
            !stack.resources.contains_key(&t.resource)
                && !plan.changes.iter().any(|c| t.covers(&c.addr))
        })
        .map(|t| {
            let d = Diag::plain(format!(
                "--target {t}: no such resource in the configuration or the state"
            ));
            match did_you_mean(&t.resource.to_string(), names.iter().map(String::as_str)) {
                Some(near) => d.with_help(format!("did you mean {near}?")),
                None => d.with_help("run `recon state list` for what the state holds"),
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors))
    }
}
