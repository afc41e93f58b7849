//! Policies in `recon plan` and `recon apply`: evaluated over the plan's values,
//! shown after the plan, and consulted again by the executor before each create or
//! update for the results that depended on values known only after apply.

use super::check::plan_instances;
use super::context::{Index, InstanceData};
use super::eval::{decide, evaluate};
use super::source::{self, BlockSource};
use super::{Outcome, PolicySet, Report, Severity};
use crate::addr::{InstanceAddr, Mode, ResourceAddr};
use crate::config::Stack;
use crate::diag::Diags;
use crate::plan::planner::schema_of;
use crate::provider::Provider;
use crate::value::{Object, Value};
use std::collections::{BTreeMap, HashMap};

/// A plan's policy results, and what apply must look at again.
pub struct PlanPolicies<'a> {
    stack: &'a Stack,
    vars: &'a Object,
    provider: &'a dyn Provider,
    pub report: Report,
    /// Policies (at or above the threshold) that were UNKNOWN per instance.
    pending: HashMap<InstanceAddr, Vec<usize>>,
    pub threshold: Severity,
}

impl<'a> PlanPolicies<'a> {
    /// Evaluates the stack's policies (baseline + `policies/`) over the planned
    /// values of every block (`PlanOutput::values`).
    pub fn evaluate(
        stack: &'a Stack,
        vars: &'a Object,
        provider: &'a dyn Provider,
        values: &BTreeMap<ResourceAddr, Value>,
        threshold: Severity,
    ) -> Result<PlanPolicies<'a>, Diags> {
        let policies = super::load(&stack.dir)?;
        Self::with_policies(stack, vars, provider, values, policies, threshold)
    }

    pub fn with_policies(
        stack: &'a Stack,
        vars: &'a Object,
        provider: &'a dyn Provider,
        values: &BTreeMap<ResourceAddr, Value>,
        policies: PolicySet,
        threshold: Severity,
    ) -> Result<PlanPolicies<'a>, Diags> {
        let sources: HashMap<ResourceAddr, BlockSource> = source::scan(stack, &policies)?;
        let mut notes = Vec::new();
        let instances = plan_instances(stack, vars, provider, values, &mut notes);
        let index = Index::new(stack, instances);
        let findings = evaluate(&policies, vars, &index, &sources, None);
        let mut pending: HashMap<InstanceAddr, Vec<usize>> = HashMap::new();
        for f in &findings {
            if f.outcome == Outcome::Unknown && policies.policies[f.policy].severity >= threshold {
                pending.entry(f.address.clone()).or_default().push(f.policy);
            }
        }
        let evaluated = index
            .instances
            .iter()
            .filter(|i| i.addr.resource.mode == Mode::Managed)
            .count();
        let report = Report {
            policies,
            findings,
            notes,
            instances: evaluated,
        };
        Ok(PlanPolicies {
            stack,
            vars,
            provider,
            report,
            pending,
            threshold,
        })
    }

    /// Refuses the apply when a policy at or above the threshold fails.
    pub fn refusal(&self) -> Option<Vec<String>> {
        let failing = self.report.failing(self.threshold);
        if failing.is_empty() {
            return None;
        }
        Some(
            failing
                .iter()
                .map(|f| {
                    format!(
                        "{} ({} {})",
                        f.address,
                        self.report.policy(f).id,
                        self.report.policy(f).severity
                    )
                })
                .collect(),
        )
    }
}

impl crate::apply::Gate for PlanPolicies<'_> {
    fn check(
        &self,
        addr: &InstanceAddr,
        planned: &Object,
        values: &BTreeMap<ResourceAddr, Value>,
    ) -> Result<(), String> {
        let Some(pending) = self.pending.get(addr) else {
            return Ok(());
        };
        let mut notes = Vec::new();
        let mut instances =
            plan_instances(self.stack, self.vars, self.provider, values, &mut notes);
        let schema = schema_of(self.provider, &addr.resource);
        if let Some(inst) = instances.iter_mut().find(|i| &i.addr == addr) {
            *inst = InstanceData::new(addr.clone(), schema, inst.config.clone(), planned.clone());
        }
        let index = Index::new(self.stack, instances);
        let Some(me) = index.position(addr) else {
            return Ok(());
        };
        let mut failed = Vec::new();
        for &p in pending {
            let policy = &self.report.policies.policies[p];
            let (outcome, detail) = decide(policy, self.vars, &index, me);
            if outcome.is_failure() {
                let why = detail.map(|d| format!(" ({d})")).unwrap_or_default();
                failed.push(format!(
                    "policy {} ({}) fails now that its values are known: {}{why}",
                    policy.id, policy.severity, policy.message
                ));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{addr}: refused before it was created or changed: {}",
                failed.join("; ")
            ))
        }
    }
}
