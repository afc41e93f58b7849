//! `--format json`: one record per policy × resource instance.

use crate::policy::{Note, Outcome, Report, Severity};
use serde_json::{json, Value as Json};

pub fn render(report: &Report, threshold: Severity) -> Json {
    let count = |o: Outcome| report.count(o);
    let results: Vec<Json> = report
        .findings
        .iter()
        .map(|f| {
            let p = report.policy(f);
            json!({
                "policy_id": p.id,
                "checkov_id": p.checkov_id,
                "address": f.full_address(),
                "resource_type": f.address.resource.type_name,
                "file": f.location.file,
                "start_line": f.location.start_line,
                "end_line": f.location.end_line,
                "result": f.outcome.as_str(),
                "severity": p.severity.as_str(),
                "message": p.message,
                "waiver_reason": f.waiver,
                "detail": f.detail,
            })
        })
        .collect();
    let policies: Vec<Json> = report
        .policies
        .policies
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "checkov_id": p.checkov_id,
                "severity": p.severity.as_str(),
                "resource_types": p.resource_types,
                "message": p.message,
                "source": p.span.location(),
            })
        })
        .collect();
    let notes = |notes: &[Note]| -> Vec<Json> {
        notes
            .iter()
            .map(|n| {
                json!({
                    "address": n.address,
                    "location": n.location,
                    "message": n.message,
                    "invalid": n.invalid,
                })
            })
            .collect()
    };
    json!({
        "format_version": "1.0",
        "threshold": threshold.as_str(),
        "passed": report.failing(threshold).is_empty(),
        "complete": !report.incomplete(),
        "summary": {
            "pass": count(Outcome::Pass),
            "fail": count(Outcome::Fail),
            "unknown": count(Outcome::Unknown),
            "skipped": count(Outcome::Skipped),
            "error": count(Outcome::Error),
            "parse_errors": report.parse_errors.len(),
        },
        "results": results,
        "parse_errors": notes(&report.parse_errors),
        "notes": notes(&report.notes),
        "policies": policies,
    })
}
