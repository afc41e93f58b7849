//! The terminal view: results grouped by resource with file:line, failures first.

use crate::policy::{Finding, Outcome, Report, Severity};
use owo_colors::OwoColorize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Renders every result that is not a plain PASS, grouped by resource, then a summary.
pub fn render(report: &Report, threshold: Severity, color: bool) -> String {
    let mut out = String::new();
    let mut by_resource: BTreeMap<(String, usize, String), Vec<&Finding>> = BTreeMap::new();
    let mut all_passed: Vec<String> = Vec::new();
    let mut grouped: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        grouped.entry(f.full_address()).or_default().push(f);
    }
    for (addr, findings) in grouped {
        if findings.iter().all(|f| f.outcome == Outcome::Pass) {
            all_passed.push(addr);
            continue;
        }
        let loc = &findings[0].location;
        by_resource.insert((loc.file.clone(), loc.start_line, addr), findings);
    }
    for ((_, _, addr), mut findings) in by_resource {
        findings.sort_by_key(|f| {
            (
                order(f.outcome),
                std::cmp::Reverse(report.policy(f).severity),
                report.policy(f).id.clone(),
            )
        });
        let passed = findings
            .iter()
            .filter(|f| f.outcome == Outcome::Pass)
            .count();
        let loc = findings[0].location.to_string();
        if color {
            let _ = writeln!(out, "{}  {}", addr.bold(), loc.dimmed());
        } else {
            let _ = writeln!(out, "{addr}  {loc}");
        }
        for f in findings.iter().filter(|f| f.outcome != Outcome::Pass) {
            let p = report.policy(f);
            let label = format!("{:<8}", f.outcome.as_str());
            let label = if !color {
                label
            } else {
                match f.outcome {
                    Outcome::Fail | Outcome::Error if p.severity >= threshold => {
                        label.red().bold().to_string()
                    }
                    Outcome::Fail | Outcome::Error => label.red().to_string(),
                    Outcome::Unknown => label.yellow().to_string(),
                    _ => label.cyan().to_string(),
                }
            };
            let id = match &p.checkov_id {
                Some(c) => format!("{} ({c})", p.id),
                None => p.id.clone(),
            };
            let _ = writeln!(out, "  {label} {:<8} {id}", p.severity.as_str());
            let _ = writeln!(out, "           {}", p.message);
            match (f.outcome, &f.waiver, &f.detail) {
                (Outcome::Skipped, Some(reason), _) => {
                    let _ = writeln!(out, "           waived: {reason}");
                }
                (_, _, Some(detail)) => {
                    let _ = writeln!(out, "           {detail}");
                }
                _ => {}
            }
        }
        if passed > 0 {
            let _ = writeln!(
                out,
                "  {passed} other polic{} passed",
                if passed == 1 { "y" } else { "ies" }
            );
        }
        out.push('\n');
    }
    if !all_passed.is_empty() {
        let shown = if all_passed.len() > 20 {
            format!(
                "{}, ... ({} resources)",
                all_passed[..20].join(", "),
                all_passed.len()
            )
        } else {
            all_passed.join(", ")
        };
        let _ = writeln!(out, "Passed every policy: {shown}\n");
    }
    for (title, notes) in [
        ("Could not be parsed (not checked):", &report.parse_errors),
        ("Notes:", &report.notes),
    ] {
        if notes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        for n in notes {
            let at = n
                .location
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            match &n.address {
                Some(a) => {
                    let _ = writeln!(out, "  {a}{at}: {}", n.message);
                }
                None => {
                    let _ = writeln!(out, "  {}{at}", n.message);
                }
            }
        }
        out.push('\n');
    }
    out.push_str(&summary(report, threshold, color));
    out.push('\n');
    out
}

fn order(o: Outcome) -> u8 {
    match o {
        Outcome::Error => 0,
        Outcome::Fail => 1,
        Outcome::Unknown => 2,
        Outcome::Skipped => 3,
        Outcome::Pass => 4,
    }
}

/// One line: counts and whether anything fails at or above the threshold.
pub fn summary(report: &Report, threshold: Severity, color: bool) -> String {
    let failing = report.failing(threshold).len();
    let mut parts = vec![
        format!("{} passed", report.count(Outcome::Pass)),
        format!("{} failed", report.count(Outcome::Fail)),
    ];
    if report.count(Outcome::Error) > 0 {
        parts.push(format!("{} errors", report.count(Outcome::Error)));
    }
    parts.push(format!(
        "{} unknown until apply",
        report.count(Outcome::Unknown)
    ));
    parts.push(format!("{} skipped", report.count(Outcome::Skipped)));
    let head = format!(
        "Policies: {} ({} polic{} on {} resource instance{}).",
        parts.join(", "),
        report.policies.policies.len(),
        if report.policies.policies.len() == 1 {
            "y"
        } else {
            "ies"
        },
        report.instances,
        if report.instances == 1 { "" } else { "s" },
    );
    let verdict = if failing == 0 {
        format!("No failures at or above severity {threshold}.")
    } else {
        format!(
            "{failing} failure{} at or above severity {threshold}.",
            if failing == 1 { "" } else { "s" }
        )
    };
    let verdict = if report.incomplete() {
        let unread = report.notes.iter().filter(|n| n.invalid).count() + report.parse_errors.len();
        format!(
            "{verdict} Incomplete: {unread} thing{} could not be read (see above).",
            if unread == 1 { "" } else { "s" }
        )
    } else {
        verdict
    };
    if color && failing > 0 {
        format!("{head} {}", verdict.red().bold())
    } else if color && report.incomplete() {
        format!("{head} {}", verdict.yellow())
    } else if color {
        format!("{head} {}", verdict.green())
    } else {
        format!("{head} {verdict}")
    }
}
