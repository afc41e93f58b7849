//! Reading policy files: `policy "ID" { ... }` blocks, from the built-in baseline and
//! from a stack's own `policies/` directory.
//!
//! ```hcl
//! policy "ec2_imdsv2_required" {
//!   resource_types = ["aws_instance"]
//!   severity       = "high"
//!   checkov_id     = "CKV_AWS_79"
//!   condition      = try(self.metadata_options[0].http_tokens, "optional") == "required"
//!   message        = "Instances must require IMDSv2"
//! }
//! ```

use super::{baseline, Origin, Policy, PolicySet, Severity};
use crate::config::refs::Ref;
use crate::config::{literal, Expr};
use crate::diag::{did_you_mean, display_path, Diag, Diags, SourceFile, Span};
use crate::value::Value;
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const ARGUMENTS: &[&str] = &[
    "resource_types",
    "severity",
    "checkov_id",
    "condition",
    "message",
    "description",
];

/// The baseline plus the stack's `policies/*.hcl` (if the directory exists).
pub fn load(stack_dir: &Path) -> Result<PolicySet, Diags> {
    let mut sources: Vec<(PathBuf, String, Origin)> = baseline::FILES
        .iter()
        .map(|(name, text)| (PathBuf::from(name), text.to_string(), Origin::Baseline))
        .collect();
    let dir = stack_dir.join("policies");
    if dir.is_dir() {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| Diag::plain(format!("cannot read {}: {e}", display_path(&dir))))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("hcl"))
            .collect();
        paths.sort();
        for path in paths {
            let text = crate::diag::read_text(&path, "")?;
            sources.push((path, text, Origin::Stack));
        }
    }
    from_sources(sources)
}

/// Parses policy files given as (path, text, origin).
pub fn from_sources(sources: Vec<(PathBuf, String, Origin)>) -> Result<PolicySet, Diags> {
    let mut errors = Vec::new();
    let mut policies: Vec<Policy> = Vec::new();
    for (path, text, origin) in sources {
        let name = match origin {
            Origin::Baseline => path.display().to_string(),
            Origin::Stack => display_path(&path),
        };
        let file = Arc::new(SourceFile {
            name,
            path,
            text: Arc::new(text),
        });
        let body = match hcl_edit::parser::parse_body(&file.text) {
            Ok(body) => body,
            Err(e) => {
                let at = e.location().offset();
                errors.push(Diag::at(
                    &Span::new(&file, Some(at..at + 1)),
                    format!(
                        "malformed HCL in policy file: {}",
                        e.message().lines().next().unwrap_or("syntax error")
                    ),
                    "here",
                ));
                continue;
            }
        };
        for structure in body {
            match structure {
                Structure::Block(block) if block.ident.as_str() == "policy" => {
                    match policy(&file, block, origin.clone()) {
                        Ok(p) => {
                            if let Some(prev) = policies.iter().find(|q| q.id == p.id) {
                                errors.push(
                                    Diag::at(&p.span, format!("duplicate policy \"{}\"", p.id), "declared again here")
                                        .with_help(format!("it is already declared at {}; policy ids must be unique (a stack cannot redefine a baseline policy: waive it with # recon:skip=ID REASON instead)", prev.span.location())),
                                );
                            } else {
                                policies.push(p);
                            }
                        }
                        Err(mut e) => errors.append(&mut e),
                    }
                }
                Structure::Block(block) => errors.push(
                    Diag::at(
                        &Span::new(&file, block.ident.span()),
                        format!(
                            "unsupported block \"{}\" in a policy file",
                            block.ident.as_str()
                        ),
                        "not a policy",
                    )
                    .with_help("policy files hold only policy \"ID\" { ... } blocks"),
                ),
                Structure::Attribute(attr) => errors.push(
                    Diag::at(
                        &Span::new(&file, attr.key.span()),
                        format!(
                            "unexpected argument \"{}\" at the top of a policy file",
                            attr.key.as_str()
                        ),
                        "not allowed here",
                    )
                    .with_help("policy files hold only policy \"ID\" { ... } blocks"),
                ),
            }
        }
    }
    if errors.is_empty() {
        Ok(PolicySet::new(policies))
    } else {
        Err(Diags(errors))
    }
}

fn policy(file: &Arc<SourceFile>, block: Block, origin: Origin) -> Result<Policy, Vec<Diag>> {
    let header = Span::new(file, block.ident.span());
    let mut errors = Vec::new();
    let labels: Vec<String> = block
        .labels
        .iter()
        .map(|l| l.as_str().to_string())
        .collect();
    let id = match labels.as_slice() {
        [id] if valid_id(id) => id.clone(),
        [id] => {
            errors.push(
                Diag::at(&header, format!("invalid policy id {id:?}"), "here")
                    .with_help("use letters, digits, _ and - (e.g. \"ec2_imdsv2_required\")"),
            );
            id.clone()
        }
        _ => {
            return Err(vec![Diag::at(
                &header,
                "a policy block needs one label: its id",
                "label missing or extra",
            )
            .with_help("write it as policy \"my_policy_id\" { ... }")])
        }
    };
    let mut resource_types = None;
    let mut severity = None;
    let mut checkov_id = None;
    let mut condition = None;
    let mut message = None;
    let mut description = None;
    let mut present: Vec<String> = Vec::new();
    for structure in block.body {
        let attr = match structure {
            Structure::Attribute(a) => a,
            Structure::Block(b) => {
                errors.push(Diag::at(
                    &Span::new(file, b.ident.span()),
                    format!(
                        "unsupported block \"{}\" in policy \"{id}\"",
                        b.ident.as_str()
                    ),
                    "not expected here",
                ));
                continue;
            }
        };
        let key = attr.key.as_str().to_string();
        present.push(key.clone());
        let vspan = Span::new(file, attr.value.span());
        let text = |what: &str, errors: &mut Vec<Diag>| match literal(&attr.value) {
            Some(Value::String(s)) => Some(s),
            _ => {
                errors.push(Diag::at(
                    &vspan,
                    format!("policy \"{id}\": {key} must be a literal string"),
                    format!("expected {what}"),
                ));
                None
            }
        };
        match key.as_str() {
            "resource_types" => match literal(&attr.value) {
                Some(Value::List(items)) if !items.is_empty() && items.iter().all(|v| v.as_str().is_some()) => {
                    resource_types = Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>())
                }
                _ => errors.push(
                    Diag::at(&vspan, format!("policy \"{id}\": resource_types must be a non-empty list of literal type names"), "expected [\"aws_...\", ...]"),
                ),
            },
            "severity" => {
                if let Some(s) = text("low, medium, high or critical", &mut errors) {
                    match s.parse::<Severity>() {
                        Ok(v) => severity = Some(v),
                        Err(msg) => errors.push(Diag::at(&vspan, format!("policy \"{id}\": {msg}"), "unknown severity")),
                    }
                }
            }
            "checkov_id" => checkov_id = text("a check id such as \"CKV_AWS_79\"", &mut errors),
            "message" => message = text("a message", &mut errors),
            "description" => description = text("a description", &mut errors),
            "condition" => condition = Some(Expr { file: file.clone(), expr: attr.value.clone() }),
            other => {
                let d = Diag::at(&Span::new(file, attr.key.span()), format!("policy \"{id}\": unsupported argument \"{other}\""), "unknown argument");
                errors.push(match did_you_mean(other, ARGUMENTS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                    None => d.with_help(format!("a policy takes {}", ARGUMENTS.join(", "))),
                });
            }
        }
    }
    for name in ["resource_types", "severity", "condition", "message"] {
        if !present.iter().any(|p| p == name) {
            errors.push(Diag::at(
                &header,
                format!("policy \"{id}\": missing required argument \"{name}\""),
                "required argument missing",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let condition = condition.expect("checked above");
    let reads_blocks = crate::config::refs::references(&condition.expr)
        .iter()
        .any(|(r, _)| matches!(r, Ref::Resource(_) | Ref::Local(_) | Ref::Invalid { .. }));
    Ok(Policy {
        id,
        resource_types: resource_types.unwrap_or_default(),
        severity: severity.unwrap_or(Severity::High),
        checkov_id,
        message: message.unwrap_or_default(),
        description,
        condition,
        reads_blocks,
        span: header,
        origin,
    })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PolicySet, Diags> {
        from_sources(vec![(
            PathBuf::from("policies/test.hcl"),
            text.to_string(),
            Origin::Stack,
        )])
    }

    #[test]
    fn reads_a_policy() {
        let set = parse(
            r#"
policy "ec2_imdsv2_required" {
  resource_types = ["aws_instance"]
  severity       = "high"
  checkov_id     = "CKV_AWS_79"
  condition      = try(self.metadata_options[0].http_tokens, "optional") == "required"
  message        = "Instances must require IMDSv2"
}
"#,
        )
        .unwrap();
        let p = set.get("ec2_imdsv2_required").unwrap();
        assert_eq!(p.resource_types, ["aws_instance"]);
        assert_eq!(p.severity, Severity::High);
        assert_eq!(p.checkov_id.as_deref(), Some("CKV_AWS_79"));
        assert_eq!(set.for_type("aws_instance"), [0]);
        assert!(set.for_type("aws_vpc").is_empty());
    }

    #[test]
    fn mistakes_are_reported_where_written() {
        let err = parse("policy \"p\" {\n  resource_types = [\"aws_vpc\"]\n  severity = \"urgent\"\n  conditon = true\n}\n").unwrap_err();
        let messages: Vec<String> = err
            .0
            .iter()
            .map(|d| format!("{} @ {}", d.message, d.location.clone().unwrap()))
            .collect();
        assert_eq!(messages, [
            "policy \"p\": unknown severity \"urgent\": expected low, medium, high or critical @ policies/test.hcl:3:14",
            "policy \"p\": unsupported argument \"conditon\" @ policies/test.hcl:4:3",
            "policy \"p\": missing required argument \"condition\" @ policies/test.hcl:1:1",
            "policy \"p\": missing required argument \"message\" @ policies/test.hcl:1:1",
        ]);
        assert_eq!(
            err.0[1].help.as_deref(),
            Some("did you mean \"condition\"?")
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let p = "policy \"p\" {\n  resource_types = [\"aws_vpc\"]\n  severity = \"low\"\n  condition = true\n  message = \"m\"\n}\n";
        let err = parse(&format!("{p}{p}")).unwrap_err();
        assert_eq!(err.0[0].message, "duplicate policy \"p\"");
    }

    #[test]
    fn the_baseline_loads() {
        let set = from_sources(
            baseline::FILES
                .iter()
                .map(|(n, t)| (PathBuf::from(n), t.to_string(), Origin::Baseline))
                .collect(),
        )
        .unwrap();
        assert!(set.policies.len() >= 30, "{}", set.policies.len());
        for p in &set.policies {
            assert!(!p.message.is_empty(), "{}", p.id);
        }
    }
}
