//! Security policies: rules written in the stack expression language, evaluated
//! over each resource instance's planned values (`self`) before anything is applied.
//!
//! The flow: [`load`] reads the baseline (shipped in the binary, from `policies/`)
//! and the stack's own `policies/` directory; [`source`] finds each resource
//! block's lines and its `# recon:skip=` waivers; [`context`] builds the values a
//! condition sees (with cross-resource lookups); [`eval`] decides PASS / FAIL /
//! UNKNOWN / SKIPPED for every policy × instance; [`report`] renders the result.
//! [`check`] evaluates a stack statically (`recon check`), following local modules
//! ([`modules`]); [`gate`] ties policies into plan and apply.

pub mod baseline;
pub mod check;
pub mod context;
pub mod eval;
pub mod functions;
pub mod gate;
pub mod load;
pub mod modules;
pub mod report;
pub mod source;

use crate::addr::InstanceAddr;
use crate::config::Expr;
use crate::diag::Span;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

pub use check::check_stack;
pub use eval::evaluate;
pub use load::load;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown severity {s:?}: expected low, medium, high or critical")
            })
    }
}

/// Where a policy was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// recon's own baseline (`policies/` of the recon repository, built in).
    Baseline,
    /// The stack's `policies/` directory.
    Stack,
}

/// One `policy "ID" { ... }` block.
#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub resource_types: Vec<String>,
    pub severity: Severity,
    /// The equivalent Checkov check, where there is one (`CKV_AWS_79`).
    pub checkov_id: Option<String>,
    /// What a failing resource must do, shown with every failure.
    pub message: String,
    /// Longer text for reports (SARIF rule help); the message when absent.
    pub description: Option<String>,
    pub condition: Expr,
    /// The condition may read resource blocks (`aws_kms_key.ebs.arn`) or locals
    /// (which may): only then are the stack's block values built for it.
    pub reads_blocks: bool,
    /// The block header, for diagnostics.
    pub span: Span,
    pub origin: Origin,
}

impl Policy {
    pub fn applies_to(&self, type_name: &str) -> bool {
        self.resource_types.iter().any(|t| t == type_name)
    }
}

/// Every policy in force, in load order (baseline first).
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    by_type: HashMap<String, Vec<usize>>,
}

impl PolicySet {
    pub fn new(policies: Vec<Policy>) -> PolicySet {
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in policies.iter().enumerate() {
            for t in &p.resource_types {
                by_type.entry(t.clone()).or_default().push(i);
            }
        }
        PolicySet { policies, by_type }
    }

    /// Indexes of the policies that apply to a resource type.
    pub fn for_type(&self, type_name: &str) -> &[usize] {
        self.by_type
            .get(type_name)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Pass,
    Fail,
    /// Depends on values known only after apply (or cannot be decided statically).
    Unknown,
    /// Waived by a `# recon:skip=` comment in the resource block.
    Skipped,
    /// The condition could not be evaluated (a mistake in the policy or an
    /// unexpected shape of the resource); counts as a failure.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Unknown => "UNKNOWN",
            Outcome::Skipped => "SKIPPED",
            Outcome::Error => "ERROR",
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Error)
    }
}

/// Lines of a resource block in its file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    pub start_line: usize,
    pub end_line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.end_line > self.start_line {
            write!(f, "{}:{}-{}", self.file, self.start_line, self.end_line)
        } else {
            write!(f, "{}:{}", self.file, self.start_line)
        }
    }
}

/// The result of one policy for one resource instance.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index into [`PolicySet::policies`].
    pub policy: usize,
    pub address: InstanceAddr,
    pub outcome: Outcome,
    pub location: Location,
    /// Why it is UNKNOWN or ERROR.
    pub detail: Option<String>,
    /// The waiver's reason when SKIPPED.
    pub waiver: Option<String>,
    /// The module instance the resource belongs to (`module.web[0]`); empty in the
    /// root stack.
    pub module: String,
}

impl Finding {
    /// The address with its module path: `module.web[0].aws_security_group.this`.
    pub fn full_address(&self) -> String {
        self.display_address().to_string()
    }

    /// [`Finding::full_address`] as something to write, not a new string.
    pub fn display_address(&self) -> FullAddress<'_> {
        FullAddress(self)
    }
}

/// See [`Finding::display_address`].
pub struct FullAddress<'f>(&'f Finding);

impl fmt::Display for FullAddress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.module.is_empty() {
            write!(f, "{}", self.0.address)
        } else {
            write!(f, "{}.{}", self.0.module, self.0.address)
        }
    }
}

/// Something the check could not look at, said once.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Note {
    pub address: Option<String>,
    pub location: Option<String>,
    pub message: String,
    /// A mistake in the input (an undeclared reference, a duplicate block, ...):
    /// what it concerns could not be read and is unknown or left out.
    pub invalid: bool,
}

impl Note {
    /// What stays unchecked at `address` because of `diag` (an error of the
    /// input when `invalid`).
    pub fn not_checked(address: impl ToString, diag: &crate::diag::Diag, invalid: bool) -> Note {
        Note {
            address: Some(address.to_string()),
            location: diag.location.clone(),
            message: format!("not checked: {}", diag.message),
            invalid,
        }
    }
}

/// Everything one evaluation found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub policies: PolicySet,
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    /// Files that could not be parsed, one note each: none of their resources is
    /// in `findings`.
    pub parse_errors: Vec<Note>,
    /// Resource instances that were evaluated.
    pub instances: usize,
}

impl Report {
    pub fn policy(&self, f: &Finding) -> &Policy {
        &self.policies.policies[f.policy]
    }

    /// Failures (FAIL or ERROR) of policies at or above `threshold`.
    pub fn failing(&self, threshold: Severity) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.outcome.is_failure() && self.policy(f).severity >= threshold)
            .collect()
    }

    /// Adds the results of another stack's check; policies they share (the
    /// baseline) are listed once.
    pub fn merge(&mut self, other: Report) {
        let mut policies = std::mem::take(&mut self.policies).policies;
        let same = |a: &Policy, b: &Policy| a.id == b.id && a.span.location() == b.span.location();
        let new_index: Vec<usize> = other
            .policies
            .policies
            .iter()
            .map(|p| match policies.iter().position(|q| same(q, p)) {
                Some(i) => i,
                None => {
                    policies.push(p.clone());
                    policies.len() - 1
                }
            })
            .collect();
        self.policies = PolicySet::new(policies);
        self.findings
            .extend(other.findings.into_iter().map(|mut f| {
                f.policy = new_index[f.policy];
                f
            }));
        self.notes.extend(other.notes);
        self.parse_errors.extend(other.parse_errors);
        self.instances += other.instances;
    }

    /// Shows file paths relative to `root` (as displayed), as `checkov -d` does.
    pub fn relative_to(&mut self, root: &str) {
        if root.is_empty() {
            return;
        }
        let prefix = format!("{}/", root.trim_end_matches('/'));
        let strip = |s: &mut String| {
            if let Some(rest) = s.strip_prefix(&prefix) {
                *s = rest.to_string();
            }
        };
        for f in &mut self.findings {
            strip(&mut f.location.file);
        }
        for n in self.notes.iter_mut().chain(&mut self.parse_errors) {
            if let Some(location) = &mut n.location {
                strip(location);
            }
        }
    }

    /// Some input could not be read: a file did not parse, or a mistake in it left
    /// values unknown or blocks out.
    pub fn incomplete(&self) -> bool {
        !self.parse_errors.is_empty() || self.notes.iter().any(|n| n.invalid)
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.findings
            .iter()
            .filter(|f| f.outcome == outcome)
            .count()
    }
}
