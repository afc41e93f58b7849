//! Policies in `recon plan` and `recon apply`: evaluated over the plan's values,
//! shown after the plan, and consulted again by the executor before each create or
//! update for the results that depended on values known only after apply.

use super::check::plan_instances;
use super::context::{instance_data, instance_value, Index};
use super::eval::{decide, evaluate};
use super::source::{self, BlockSource};
use super::{Outcome, PolicySet, Report, Severity};
use crate::addr::{InstanceAddr, Mode, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::Stack;
use crate::diag::Diags;
use crate::plan::planner::{expand, schema_of, Instance};
use crate::provider::Provider;
use crate::value::{Object, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// A plan's policy results, and what apply must look at again.
pub struct PlanPolicies<'a> {
    stack: &'a Stack,
    vars: &'a Object,
    provider: &'a dyn Provider,
    pub report: Report,
    /// Policies (at or above the threshold) that were UNKNOWN per instance.
    pending: HashMap<InstanceAddr, Vec<usize>>,
    pub threshold: Severity,
    /// The plan's index, brought up to date as instances land during apply.
    live: Mutex<Live<'a>>,
}

/// The policy index kept across an apply: updated with each instance that landed
/// (and the one being asked about) rather than rebuilt, so that asking costs the
/// change, not the stack.
struct Live<'a> {
    index: Index<'a>,
    /// How much of the executor's log of landed instances the index has taken in.
    seen: usize,
    /// Each block's instances (count index, each), expanded once.
    expansions: HashMap<ResourceAddr, Vec<Instance>>,
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
            parse_errors: Vec::new(),
            instances: evaluated,
        };
        Ok(PlanPolicies {
            stack,
            vars,
            provider,
            report,
            pending,
            threshold,
            live: Mutex::new(Live {
                index,
                seen: 0,
                expansions: HashMap::new(),
            }),
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

    /// Re-evaluates instance `addr` against `values` (its planned object `after`,
    /// or the one in `values`) and puts it in the index.
    fn refresh(
        &self,
        live: &mut Live<'a>,
        values: &BTreeMap<ResourceAddr, Value>,
        addr: &InstanceAddr,
        after: Option<Object>,
    ) {
        let (Some(block), Some(schema)) = (
            self.stack.resources.get(&addr.resource),
            schema_of(self.provider, &addr.resource),
        ) else {
            return;
        };
        let Some(i) = live.index.position(addr) else {
            return;
        };
        let scope = Scope::new(self.stack, self.vars, values);
        let expansion = live
            .expansions
            .entry(addr.resource.clone())
            .or_insert_with(|| expand(block, &scope).unwrap_or_default());
        let Some(instance) = expansion.iter().find(|x| x.key == addr.key) else {
            return;
        };
        let after = after.or_else(|| {
            values
                .get(&addr.resource)
                .and_then(|v| instance_value(block, v, &addr.key))
        });
        let data = instance_data(block, schema, &scope, instance, after);
        live.index.replace(i, data);
    }
}

impl crate::apply::Gate for PlanPolicies<'_> {
    fn check(
        &self,
        addr: &InstanceAddr,
        planned: &Object,
        values: &BTreeMap<ResourceAddr, Value>,
        landed: &[InstanceAddr],
    ) -> Result<(), String> {
        let Some(pending) = self.pending.get(addr) else {
            return Ok(());
        };
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let fresh: BTreeSet<&InstanceAddr> =
            landed.get(live.seen..).unwrap_or_default().iter().collect();
        live.seen = landed.len();
        for other in fresh {
            self.refresh(&mut live, values, other, None);
        }
        self.refresh(&mut live, values, addr, Some(planned.clone()));
        let index = &live.index;
        let Some(me) = index.position(addr) else {
            return Ok(());
        };
        let mut failed = Vec::new();
        for &p in pending {
            let policy = &self.report.policies.policies[p];
            let (outcome, detail) = decide(policy, self.vars, index, me);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::progress::Progress;
    use crate::apply::{Applier, ApplyOptions, Summary};
    use crate::config::vars::{self, VarInputs};
    use crate::graph::ConfigGraph;
    use crate::plan::{self, PlanOptions};
    use crate::policy::load::from_sources;
    use crate::policy::Origin;
    use crate::state::{LocalBackend, State};
    use crate::testing::MemoryProvider;

    const STACK: &str = r#"
resource "mem_key" "k" {}

resource "mem_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  kms_key_id    = mem_key.k.arn
}
"#;

    fn policy(condition: &str) -> PolicySet {
        let text = format!(
            "policy \"key_naming\" {{\n  resource_types = [\"mem_instance\"]\n  severity = \"high\"\n  condition = {condition}\n  message = \"the key must be an alias\"\n}}\n"
        );
        from_sources(vec![("policies/test.hcl".into(), text, Origin::Stack)]).unwrap()
    }

    /// Plans STACK, evaluates the policy (UNKNOWN at plan time: the key's ARN is
    /// known only after apply), then applies with the gate.
    fn plan_and_apply(condition: &str) -> (Outcome, Summary, MemoryProvider) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("web");
        std::fs::create_dir(&dir).unwrap();
        let stack =
            Stack::from_sources(&dir, vec![(dir.join("main.hcl"), STACK.to_string())]).unwrap();
        let graph = ConfigGraph::build(&stack).unwrap();
        let vars = vars::resolve(&stack, &VarInputs::default()).unwrap();
        let provider = MemoryProvider::new();
        let backend = LocalBackend::new(tmp.path().join("state.json"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out = rt
            .block_on(plan::plan(
                &stack,
                &graph,
                &vars,
                &provider,
                &State::new(),
                &PlanOptions::default(),
            ))
            .unwrap();
        let gate = PlanPolicies::with_policies(
            &stack,
            &vars,
            &provider,
            &out.values,
            policy(condition),
            Severity::High,
        )
        .unwrap();
        let outcome = gate.report.findings[0].outcome;
        assert!(gate.refusal().is_none());
        let progress = Progress::quiet();
        let applier = Applier {
            stack: &stack,
            vars: &vars,
            provider: &provider,
            backend: &backend,
            progress: &progress,
        };
        let summary = rt.block_on(applier.apply_gated(
            &out.plan,
            State::new(),
            false,
            &out.values,
            &ApplyOptions {
                parallelism: 2,
                snapshot_data_loss: false,
            },
            Some(&gate as &dyn crate::apply::Gate),
        ));
        (outcome, summary, provider)
    }

    #[test]
    fn unknown_at_plan_and_failing_once_known_fails_that_create() {
        let (outcome, summary, provider) =
            plan_and_apply("startswith(self.kms_key_id, \"alias/\")");
        assert_eq!(outcome, Outcome::Unknown);
        assert_eq!(summary.added, 1, "the key is created: {summary:?}");
        assert_eq!(summary.failures.len(), 1, "{summary:?}");
        let (addr, message) = (
            summary.failures[0].address(),
            summary.failures[0].to_string(),
        );
        assert_eq!(addr, "mem_instance.i");
        assert!(message.contains("policy key_naming (high) fails now that its values are known: the key must be an alias"), "{message}");
        assert_eq!(
            provider.ids().len(),
            1,
            "no instance was created: {:?}",
            provider.ids()
        );
    }

    #[test]
    fn unknown_at_plan_and_passing_once_known_creates() {
        let (outcome, summary, provider) = plan_and_apply("startswith(self.kms_key_id, \"arn:\")");
        assert_eq!(outcome, Outcome::Unknown);
        assert!(summary.failures.is_empty(), "{summary:?}");
        assert_eq!(summary.added, 2);
        assert_eq!(provider.ids().len(), 2);
    }

    #[test]
    fn a_policy_reading_a_dependency_sees_it_as_it_landed() {
        // The key's ARN is unknown at plan time; by the time the instance is asked
        // about, the key has landed and the gate's index must have taken it in.
        let reads_key = "alltrue([for k in referenced(\"kms_key_id\") : startswith(k.arn, \"arn:\")]) && length(referenced(\"kms_key_id\")) == 1";
        let (outcome, summary, _) = plan_and_apply(reads_key);
        assert_eq!(outcome, Outcome::Unknown);
        assert!(summary.failures.is_empty(), "{summary:?}");
        assert_eq!(summary.added, 2);

        let wrong_key =
            "alltrue([for k in referenced(\"kms_key_id\") : startswith(k.arn, \"alias/\")])";
        let (outcome, summary, _) = plan_and_apply(wrong_key);
        assert_eq!(outcome, Outcome::Unknown);
        assert_eq!(summary.failures.len(), 1, "{summary:?}");
        assert_eq!(summary.failures[0].address(), "mem_instance.i");
    }

    #[test]
    fn failing_at_plan_is_a_refusal() {
        let tmp = tempfile::tempdir().unwrap();
        let stack = Stack::from_sources(
            tmp.path(),
            vec![(tmp.path().join("main.hcl"), STACK.to_string())],
        )
        .unwrap();
        let graph = ConfigGraph::build(&stack).unwrap();
        let vars = Object::new();
        let provider = MemoryProvider::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let out = rt
            .block_on(plan::plan(
                &stack,
                &graph,
                &vars,
                &provider,
                &State::new(),
                &PlanOptions::default(),
            ))
            .unwrap();
        let gate = PlanPolicies::with_policies(
            &stack,
            &vars,
            &provider,
            &out.values,
            policy("self.instance_type != \"t3.micro\""),
            Severity::High,
        )
        .unwrap();
        assert_eq!(
            gate.refusal(),
            Some(vec!["mem_instance.i (key_naming high)".to_string()])
        );
        let low = PlanPolicies::with_policies(
            &stack,
            &vars,
            &provider,
            &out.values,
            policy("self.instance_type != \"t3.micro\""),
            Severity::Critical,
        )
        .unwrap();
        assert_eq!(low.refusal(), None, "below the threshold only shows");
    }
}
