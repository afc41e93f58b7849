//! `--format sarif`: SARIF 2.1.0 for code-scanning tools. One rule per policy; a
//! result per FAIL / ERROR (kind "fail"), UNKNOWN (kind "review") and SKIPPED (a
//! "fail" with an in-source suppression carrying the waiver's reason). PASS results
//! are left out, as scanners do.

use crate::policy::{Outcome, Report, Severity};
use serde_json::{json, Value as Json};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) from rule properties.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// A file name as a relative URI reference (forward slashes, spaces escaped).
fn uri(file: &str) -> String {
    let mut out = String::new();
    for c in file.replace('\\', "/").chars() {
        match c {
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report, threshold: Severity) -> Json {
    let rules: Vec<Json> = report
        .policies
        .policies
        .iter()
        .map(|p| {
            let mut tags = vec![Json::from("security")];
            if let Some(c) = &p.checkov_id {
                tags.push(Json::from(c.clone()));
            }
            json!({
                "id": p.id,
                "name": p.id,
                "shortDescription": { "text": p.message },
                "fullDescription": { "text": p.description.clone().unwrap_or_else(|| p.message.clone()) },
                "help": { "text": format!("{} Applies to: {}. Waive for one resource with a comment in its block: # recon:skip={} REASON", p.message, p.resource_types.join(", "), p.id) },
                "defaultConfiguration": { "level": level(p.severity) },
                "properties": {
                    "tags": tags,
                    "severity": p.severity.as_str(),
                    "security-severity": security_severity(p.severity),
                    "checkov_id": p.checkov_id,
                    "resource_types": p.resource_types,
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &report.findings {
        if f.outcome == Outcome::Pass {
            continue;
        }
        let p = report.policy(f);
        let mut message = format!("{}: {}", f.full_address(), p.message);
        if let Some(d) = &f.detail {
            message.push_str(&format!(" ({d})"));
        }
        let mut region = json!({ "startLine": f.location.start_line.max(1) });
        if f.location.end_line >= f.location.start_line && f.location.end_line > 0 {
            region["endLine"] = json!(f.location.end_line);
        }
        let mut result = json!({
            "ruleId": p.id,
            "ruleIndex": f.policy,
            "message": { "text": message },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&f.location.file) },
                    "region": region,
                },
                "logicalLocations": [{ "fullyQualifiedName": f.full_address(), "kind": "resource" }],
            }],
            "properties": { "result": f.outcome.as_str(), "severity": p.severity.as_str(), "address": f.full_address() },
        });
        match f.outcome {
            Outcome::Unknown => {
                result["kind"] = json!("review");
                result["level"] = json!("none");
            }
            _ => {
                result["kind"] = json!("fail");
                result["level"] = json!(level(p.severity));
            }
        }
        if let (Outcome::Skipped, Some(reason)) = (f.outcome, &f.waiver) {
            result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
        }
        results.push(result);
    }
    let notifications: Vec<Json> = report
        .parse_errors
        .iter()
        .chain(&report.notes)
        .map(|n| {
            let mut text = match &n.address {
                Some(a) => format!("{a}: {}", n.message),
                None => n.message.clone(),
            };
            if let Some(at) = &n.location {
                text.push_str(&format!(" ({at})"));
            }
            let level = if n.invalid { "warning" } else { "note" };
            json!({ "level": level, "message": { "text": text } })
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "recon",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
                "properties": { "policy_fail_on": threshold.as_str(), "passed": report.failing(threshold).is_empty() },
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}
