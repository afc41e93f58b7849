//! Where each resource block is written (file and lines, for reports) and the
//! waivers in it: a comment `# recon:skip=<policy id> <reason>` anywhere inside the
//! block skips that policy for that resource. Checkov's own
//! `#checkov:skip=<CKV id>:<reason>` is honoured too, for every policy with that
//! checkov_id, so a Terraform repository's existing waivers keep working.

use super::{Location, PolicySet};
use crate::addr::ResourceAddr;
use crate::config::Stack;
use crate::diag::{did_you_mean, Diag, Diags, SourceFile, Span};
use hcl_edit::expr::Expression;
use hcl_edit::visit::{self, Visit};
use hcl_edit::Span as _;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaiverTarget {
    /// `recon:skip=<policy id>`
    Policy(String),
    /// `checkov:skip=<CKV id>`
    Checkov(String),
}

#[derive(Clone, Debug)]
pub struct Waiver {
    pub target: WaiverTarget,
    pub reason: String,
    pub span: Span,
}

/// A resource block's place and waivers.
#[derive(Clone, Debug, Default)]
pub struct BlockSource {
    pub location: Location,
    pub waivers: Vec<Waiver>,
}

impl BlockSource {
    /// The reason `policy_id` (with `checkov_id`) is waived here, if it is.
    pub fn waiver(&self, policy_id: &str, checkov_id: Option<&str>) -> Option<&Waiver> {
        self.waivers.iter().find(|w| match &w.target {
            WaiverTarget::Policy(id) => id == policy_id,
            WaiverTarget::Checkov(id) => checkov_id == Some(id.as_str()),
        })
    }
}

const RECON_MARKER: &str = "recon:skip=";
const CHECKOV_MARKER: &str = "checkov:skip=";

/// Every resource and data block of the stack with its lines and waivers. A waiver
/// without a reason, or naming a policy that does not exist, is an error.
pub fn scan(
    stack: &Stack,
    policies: &PolicySet,
) -> Result<HashMap<ResourceAddr, BlockSource>, Diags> {
    let mut out = HashMap::with_capacity(stack.resources.len());
    let mut errors = Vec::new();
    // The loader parsed each file once and kept every block's extent; lines come
    // from one index per file, built when the file's first block is placed.
    let mut line_indexes: HashMap<*const SourceFile, LineIndex> = HashMap::new();
    for (addr, block) in &stack.resources {
        let file = &block.body.file;
        let lines = line_indexes
            .entry(Arc::as_ptr(file))
            .or_insert_with(|| LineIndex::new(&file.text));
        let range = block.extent.clone();
        let location = Location {
            file: file.name.clone(),
            start_line: lines.line_of(range.start),
            end_line: lines.line_of(range.end.saturating_sub(1).max(range.start)),
        };
        let text = &file.text[range.clone()];
        let waivers = if text.contains(RECON_MARKER) || text.contains(CHECKOV_MARKER) {
            let mut strings = StringSpans::default();
            strings.visit_body(&block.body.body);
            for expr in block.count.iter().chain(&block.for_each) {
                strings.visit_expr(&expr.expr);
            }
            waivers_in(file, range, &strings.ranges, policies, &mut errors)
        } else {
            Vec::new()
        };
        out.insert(addr.clone(), BlockSource { location, waivers });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diags(errors))
    }
}

/// Where each line of a file starts: a block's line is found by binary search
/// instead of by counting newlines from the top of the file for every block
/// (which made a check quadratic in the size of a file).
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line of byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// Byte ranges of string literals, templates and heredocs: a marker inside one is
/// data (user_data, a policy document), not a comment.
#[derive(Default)]
struct StringSpans {
    ranges: Vec<Range<usize>>,
}

impl Visit for StringSpans {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::String(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_) => {
                if let Some(r) = expr.span() {
                    self.ranges.push(r);
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }
}

fn waivers_in(
    file: &Arc<SourceFile>,
    block: Range<usize>,
    strings: &[Range<usize>],
    policies: &PolicySet,
    errors: &mut Vec<Diag>,
) -> Vec<Waiver> {
    let text = &file.text[block.clone()];
    let in_string = |at: usize| strings.iter().any(|r| r.contains(&at));
    let mut out = Vec::new();
    for (marker, is_checkov) in [(RECON_MARKER, false), (CHECKOV_MARKER, true)] {
        for (rel, _) in text.match_indices(marker) {
            let at = block.start + rel;
            if in_string(at) || !in_comment(&file.text, at, &in_string) {
                continue;
            }
            let rest_start = at + marker.len();
            let line_end = file.text[rest_start..]
                .find('\n')
                .map_or(file.text.len(), |i| rest_start + i);
            let rest = file.text[rest_start..line_end].trim_end();
            let rest = rest.strip_suffix("*/").unwrap_or(rest).trim_end();
            let span = Span::new(file, Some(at..line_end));
            let (target, reason) = if is_checkov {
                // checkov:skip=CKV_AWS_79:reason
                let (id, reason) = rest
                    .split_once(':')
                    .unwrap_or_else(|| rest.split_once(char::is_whitespace).unwrap_or((rest, "")));
                (
                    WaiverTarget::Checkov(id.trim().to_string()),
                    reason.trim().to_string(),
                )
            } else {
                let (id, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                (
                    WaiverTarget::Policy(id.trim().to_string()),
                    reason.trim().to_string(),
                )
            };
            let id = match &target {
                WaiverTarget::Policy(id) | WaiverTarget::Checkov(id) => id.clone(),
            };
            if id.is_empty() {
                errors.push(
                    Diag::at(&span, "waiver without a policy id", "which policy?")
                        .with_help("write # recon:skip=POLICY_ID REASON"),
                );
                continue;
            }
            if reason.is_empty() {
                errors.push(
                    Diag::at(&span, format!("waiver of \"{id}\" without a reason"), "reason missing")
                        .with_help(format!("say why the policy does not apply here: # recon:skip={id} REASON (the reason appears in every report)")),
                );
                continue;
            }
            if let WaiverTarget::Policy(id) = &target {
                if policies.get(id).is_none() {
                    let d = Diag::at(
                        &span,
                        format!("waiver names unknown policy \"{id}\""),
                        "no such policy",
                    );
                    errors.push(
                        match did_you_mean(id, policies.policies.iter().map(|p| p.id.as_str())) {
                            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                            None => d.with_help(
                                "run `recon check --format json` to list the policies in force",
                            ),
                        },
                    );
                    continue;
                }
            }
            // Checkov waivers for checks recon does not have are left alone.
            out.push(Waiver {
                target,
                reason,
                span,
            });
        }
    }
    out
}

/// True when a comment (`#`, `//` or `/*`) starts before `at` on its line.
fn in_comment(text: &str, at: usize, in_string: &dyn Fn(usize) -> bool) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let abs = line_start + i;
        let starts = match c {
            '#' => true,
            '/' => matches!(chars.peek(), Some((_, '/')) | Some((_, '*'))),
            _ => false,
        };
        if starts && !in_string(abs) {
            return true;
        }
    }
    // Inside a multi-line /* ... */ comment that began on an earlier line.
    let open = text[..at].rfind("/*");
    let close = text[..at].rfind("*/");
    matches!((open, close), (Some(o), c) if c.is_none_or(|c| c < o) && !in_string(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load::from_sources;
    use crate::policy::Origin;

    fn policies() -> PolicySet {
        let p = |id: &str, ck: &str| {
            format!("policy \"{id}\" {{\n  resource_types = [\"aws_instance\"]\n  severity = \"high\"\n  checkov_id = \"{ck}\"\n  condition = true\n  message = \"m\"\n}}\n")
        };
        from_sources(vec![(
            "p.hcl".into(),
            p("ec2_imdsv2_required", "CKV_AWS_79") + &p("ec2_no_public_ip", "CKV_AWS_88"),
            Origin::Stack,
        )])
        .unwrap()
    }

    fn scan_src(src: &str) -> Result<HashMap<ResourceAddr, BlockSource>, Diags> {
        let stack = Stack::from_sources(
            std::path::Path::new("."),
            vec![("main.tf".into(), src.to_string())],
        )
        .unwrap();
        scan(&stack, &policies())
    }

    #[test]
    fn finds_lines_and_waivers_with_reasons() {
        let src = "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\nresource \"aws_instance\" \"a\" {\n  # recon:skip=ec2_imdsv2_required legacy agent needs IMDSv1 until March\n  ami = \"ami-1\" // checkov:skip=CKV_AWS_88:public by design\n  user_data = \"# recon:skip=ec2_no_public_ip not a comment\"\n}\n";
        let found = scan_src(src).unwrap();
        let vpc = &found[&ResourceAddr::managed("aws_vpc", "v")];
        assert_eq!(
            vpc.location,
            Location {
                file: "main.tf".into(),
                start_line: 1,
                end_line: 3
            }
        );
        assert!(vpc.waivers.is_empty());
        let inst = &found[&ResourceAddr::managed("aws_instance", "a")];
        assert_eq!((inst.location.start_line, inst.location.end_line), (5, 9));
        assert_eq!(inst.waivers.len(), 2);
        assert_eq!(
            inst.waiver("ec2_imdsv2_required", Some("CKV_AWS_79"))
                .unwrap()
                .reason,
            "legacy agent needs IMDSv1 until March"
        );
        assert_eq!(
            inst.waiver("ec2_no_public_ip", Some("CKV_AWS_88"))
                .unwrap()
                .reason,
            "public by design"
        );
        assert!(inst.waiver("other", None).is_none());
    }

    #[test]
    fn a_waiver_without_reason_or_with_an_unknown_id_is_an_error() {
        let err = scan_src("resource \"aws_instance\" \"a\" {\n  # recon:skip=ec2_imdsv2_required\n  ami = \"x\"\n  # recon:skip=ec2_imdsv2_requird typo\n}\n").unwrap_err();
        let messages: Vec<String> = err
            .0
            .iter()
            .map(|d| format!("{} @ {}", d.message, d.location.clone().unwrap()))
            .collect();
        assert_eq!(
            messages,
            [
                "waiver of \"ec2_imdsv2_required\" without a reason @ main.tf:2:5",
                "waiver names unknown policy \"ec2_imdsv2_requird\" @ main.tf:4:5",
            ]
        );
        assert_eq!(
            err.0[1].help.as_deref(),
            Some("did you mean \"ec2_imdsv2_required\"?")
        );
    }
}
