//! `--format json`: one record per policy × resource instance.
//!
//! The document is serialised from borrowed views of the report, field by field:
//! at 20,000 resources a `serde_json::Value` tree of it held more memory than the
//! whole evaluation.

use crate::policy::{Finding, Note, Outcome, Report, Severity};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value as Json;

/// The report as a JSON value (the plan's `policy_checks`).
pub fn render(report: &Report, threshold: Severity) -> Json {
    serde_json::to_value(document(report, threshold)).unwrap_or_default()
}

/// The report as pretty-printed JSON text, written without an intermediate tree.
pub fn to_string_pretty(report: &Report, threshold: Severity) -> String {
    serde_json::to_string_pretty(&document(report, threshold)).unwrap_or_default()
}

fn document(report: &Report, threshold: Severity) -> Document<'_> {
    let count = |o: Outcome| report.count(o);
    Document {
        format_version: "1.0",
        threshold: threshold.as_str(),
        passed: report.failing(threshold).is_empty(),
        complete: !report.incomplete(),
        summary: Summary {
            pass: count(Outcome::Pass),
            fail: count(Outcome::Fail),
            unknown: count(Outcome::Unknown),
            skipped: count(Outcome::Skipped),
            error: count(Outcome::Error),
            parse_errors: report.parse_errors.len(),
        },
        results: Results(report),
        parse_errors: Notes(&report.parse_errors),
        notes: Notes(&report.notes),
        policies: Policies(report),
    }
}

#[derive(Serialize)]
struct Document<'r> {
    format_version: &'static str,
    threshold: &'static str,
    passed: bool,
    complete: bool,
    summary: Summary,
    results: Results<'r>,
    parse_errors: Notes<'r>,
    notes: Notes<'r>,
    policies: Policies<'r>,
}

#[derive(Serialize)]
struct Summary {
    pass: usize,
    fail: usize,
    unknown: usize,
    skipped: usize,
    error: usize,
    parse_errors: usize,
}

struct Results<'r>(&'r Report);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(report.findings.iter().map(|f| FindingRecord { report, f }))
    }
}

struct FindingRecord<'r> {
    report: &'r Report,
    f: &'r Finding,
}

impl Serialize for FindingRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, p) = (self.f, self.report.policy(self.f));
        let mut map = s.serialize_map(Some(12))?;
        map.serialize_entry("policy_id", &p.id)?;
        map.serialize_entry("checkov_id", &p.checkov_id)?;
        map.serialize_entry("address", &Displayed(f.display_address()))?;
        map.serialize_entry("resource_type", &f.address.resource.type_name)?;
        map.serialize_entry("file", &f.location.file)?;
        map.serialize_entry("start_line", &f.location.start_line)?;
        map.serialize_entry("end_line", &f.location.end_line)?;
        map.serialize_entry("result", f.outcome.as_str())?;
        map.serialize_entry("severity", p.severity.as_str())?;
        map.serialize_entry("message", &p.message)?;
        map.serialize_entry("waiver_reason", &f.waiver)?;
        map.serialize_entry("detail", &f.detail)?;
        map.end()
    }
}

/// Serialises anything displayable as a JSON string, without building the string.
struct Displayed<D: std::fmt::Display>(D);

impl<D: std::fmt::Display> Serialize for Displayed<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

struct Notes<'r>(&'r [Note]);

impl Serialize for Notes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Record<'n> {
            address: &'n Option<String>,
            location: &'n Option<String>,
            message: &'n str,
            invalid: bool,
        }
        s.collect_seq(self.0.iter().map(|n| Record {
            address: &n.address,
            location: &n.location,
            message: &n.message,
            invalid: n.invalid,
        }))
    }
}

struct Policies<'r>(&'r Report);

impl Serialize for Policies<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Record<'p> {
            id: &'p str,
            checkov_id: &'p Option<String>,
            severity: &'static str,
            resource_types: &'p [String],
            message: &'p str,
            source: String,
        }
        s.collect_seq(self.0.policies.policies.iter().map(|p| Record {
            id: &p.id,
            checkov_id: &p.checkov_id,
            severity: p.severity.as_str(),
            resource_types: &p.resource_types,
            message: &p.message,
            source: p.span.location(),
        }))
    }
}
