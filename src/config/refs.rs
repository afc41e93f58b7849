//! What an expression refers to: the edges of the dependency graph, and the
//! references the validator checks against what is declared.

use crate::addr::ResourceAddr;
use hcl_edit::expr::{Expression, ForExpr, Traversal, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::ForTemplateExpr;
use hcl_edit::visit::{self, Visit};
use hcl_edit::Span as _;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Var(String),
    Local(String),
    Resource(ResourceAddr),
    CountIndex,
    Each,
    Path,
    SelfRef,
    /// `module.NAME...`: a module call, and the output read when the reference
    /// names one (`module.NAME.OUT`, `module.NAME[KEY].OUT`).
    Module(String, Option<String>),
    /// Something that is not a valid reference (`var` alone, `data.x`, `count.foo`).
    Invalid {
        text: String,
        why: &'static str,
    },
}

const RESERVED: &[&str] = &[
    "var",
    "local",
    "data",
    "count",
    "each",
    "path",
    "self",
    "module",
    "terraform",
];

/// Every reference in `expr`, with the byte range where it is written.
pub fn references(expr: &Expression) -> Vec<(Ref, Range<usize>)> {
    let mut collector = Collector::default();
    collector.visit_expr(expr);
    collector.found
}

/// Every reference in a block body (attributes and nested blocks).
pub fn body_references(body: &Body) -> Vec<(Ref, Range<usize>)> {
    let mut collector = Collector::default();
    collector.visit_body(body);
    collector.found
}

#[derive(Default)]
struct Collector {
    bound: Vec<String>,
    found: Vec<(Ref, Range<usize>)>,
}

impl Visit for Collector {
    fn visit_expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(v) => {
                let name = v.as_str();
                if !self.bound.iter().any(|b| b == name) {
                    let why = if RESERVED.contains(&name) {
                        "incomplete reference"
                    } else {
                        "a resource reference needs TYPE.NAME"
                    };
                    self.found.push((
                        Ref::Invalid {
                            text: name.to_string(),
                            why,
                        },
                        v.span().unwrap_or(0..0),
                    ));
                }
            }
            Expression::Traversal(t) => self.traversal(t),
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_for_expr(&mut self, node: &ForExpr) {
        self.visit_expr(&node.intro.collection_expr);
        let depth = self.bound.len();
        if let Some(k) = &node.intro.key_var {
            self.bound.push(k.as_str().to_string());
        }
        self.bound.push(node.intro.value_var.as_str().to_string());
        if let Some(k) = &node.key_expr {
            self.visit_expr(k);
        }
        self.visit_expr(&node.value_expr);
        if let Some(c) = &node.cond {
            self.visit_expr(&c.expr);
        }
        self.bound.truncate(depth);
    }

    /// Inside `dynamic "x" { content { ... } }` the iterator (x, or `iterator = y`)
    /// is a bound name, not a resource reference.
    fn visit_block(&mut self, node: &hcl_edit::structure::Block) {
        let Some(iterator) = crate::config::body::dynamic_iterator(node)
            .filter(|_| node.ident.as_str() == "dynamic")
        else {
            return visit::visit_block(self, node);
        };
        if let Some(for_each) = node.body.get_attribute("for_each") {
            self.visit_expr(&for_each.value);
        }
        let depth = self.bound.len();
        self.bound.push(iterator);
        for block in node.body.get_blocks("content") {
            self.visit_body(&block.body);
        }
        self.bound.truncate(depth);
    }

    fn visit_for_template_expr(&mut self, node: &ForTemplateExpr) {
        self.visit_expr(&node.collection_expr);
        let depth = self.bound.len();
        if let Some(k) = &node.key_var {
            self.bound.push(k.as_str().to_string());
        }
        self.bound.push(node.value_var.as_str().to_string());
        self.visit_template(&node.template);
        self.bound.truncate(depth);
    }
}

impl Collector {
    fn traversal(&mut self, t: &Traversal) {
        // Index expressions inside the traversal may hold references of their own.
        for op in &t.operators {
            if let TraversalOperator::Index(e) = op.value() {
                self.visit_expr(e);
            }
        }
        let Expression::Variable(root) = &t.expr else {
            self.visit_expr(&t.expr);
            return;
        };
        let root = root.as_str();
        if self.bound.iter().any(|b| b == root) {
            return;
        }
        let span = t.span().unwrap_or(0..0);
        let attrs: Vec<Option<&str>> = t
            .operators
            .iter()
            .map(|op| match op.value() {
                TraversalOperator::GetAttr(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let attr = |i: usize| attrs.get(i).copied().flatten();
        let text = |n: usize| {
            std::iter::once(root)
                .chain((0..n).filter_map(attr))
                .collect::<Vec<_>>()
                .join(".")
        };
        let reference = match root {
            "var" => attr(0).map(|n| Ref::Var(n.to_string())),
            "local" => attr(0).map(|n| Ref::Local(n.to_string())),
            "data" => match (attr(0), attr(1)) {
                (Some(ty), Some(name)) => Some(Ref::Resource(ResourceAddr::data(ty, name))),
                _ => None,
            },
            "count" => (attr(0) == Some("index")).then_some(Ref::CountIndex),
            "each" => matches!(attr(0), Some("key") | Some("value")).then_some(Ref::Each),
            "path" => {
                matches!(attr(0), Some("module") | Some("root") | Some("cwd")).then_some(Ref::Path)
            }
            "self" => Some(Ref::SelfRef),
            "module" => attr(0).map(|n| {
                // The output follows the name, or the name and one index.
                let output = match t.operators.get(1).map(|o| o.value()) {
                    Some(TraversalOperator::GetAttr(o)) => Some(o.as_str()),
                    Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => {
                        attr(2)
                    }
                    _ => None,
                };
                Ref::Module(n.to_string(), output.map(str::to_string))
            }),
            "terraform" => Some(Ref::Invalid {
                text: text(1),
                why: "terraform.* is not supported",
            }),
            ty => attr(0).map(|n| Ref::Resource(ResourceAddr::managed(ty, n))),
        };
        let reference = reference.unwrap_or_else(|| Ref::Invalid {
            text: text(2),
            why: match root {
                "var" => "expected var.NAME",
                "local" => "expected local.NAME",
                "data" => "expected data.TYPE.NAME",
                "count" => "only count.index exists",
                "each" => "only each.key and each.value exist",
                "path" => "only path.module, path.root and path.cwd exist",
                "module" => "expected module.NAME",
                _ => "a resource reference needs TYPE.NAME",
            },
        });
        self.found.push((reference, span));
    }
}

/// `aws_kms_key.ebs` or `data.aws_ami.x` written as a bare reference (depends_on).
pub fn static_resource_ref(expr: &Expression) -> Option<ResourceAddr> {
    let Expression::Traversal(t) = expr else {
        return None;
    };
    match references(expr).as_slice() {
        [(Ref::Resource(addr), _)] if t.operators.len() <= 3 => Some(addr.clone()),
        _ => None,
    }
}

/// `aws_instance.web`, `aws_instance.web[0]` or `aws_instance.web["a"]` written as
/// a bare reference (an import block's `to`).
pub fn static_instance_ref(expr: &Expression) -> Option<crate::addr::InstanceAddr> {
    use crate::addr::InstanceKey;
    let Expression::Traversal(t) = expr else {
        return None;
    };
    let resource = match references(expr).as_slice() {
        [(Ref::Resource(addr), _)] => addr.clone(),
        _ => return None,
    };
    let name_ops = if resource.mode == crate::addr::Mode::Data {
        2
    } else {
        1
    };
    let key = match t.operators.get(name_ops).map(|o| o.value()) {
        None => InstanceKey::None,
        Some(TraversalOperator::Index(Expression::Number(n))) => {
            InstanceKey::Int(n.value().as_i64()?)
        }
        Some(TraversalOperator::Index(Expression::String(s))) => {
            InstanceKey::Str(s.value().to_string())
        }
        Some(TraversalOperator::LegacyIndex(i)) => InstanceKey::Int(*i.value() as i64),
        _ => return None,
    };
    (t.operators.len() <= name_ops + 1).then(|| resource.instance(key))
}

/// The attribute named by an `ignore_changes` entry: `tags`, `tags["x"]` or "ami".
pub fn attribute_path_name(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Traversal(t) => match &t.expr {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<Ref> {
        references(&hcl_edit::parser::parse_expr(text).unwrap())
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    #[test]
    fn finds_each_kind_of_reference() {
        assert_eq!(
            refs("\"${var.a}-${local.b}\""),
            vec![Ref::Var("a".into()), Ref::Local("b".into())]
        );
        assert_eq!(
            refs("aws_kms_key.ebs.arn"),
            vec![Ref::Resource(ResourceAddr::managed("aws_kms_key", "ebs"))]
        );
        assert_eq!(
            refs("data.aws_ami.al2023.id"),
            vec![Ref::Resource(ResourceAddr::data("aws_ami", "al2023"))]
        );
        assert_eq!(
            refs("aws_subnet.a[count.index].id"),
            vec![
                Ref::CountIndex,
                Ref::Resource(ResourceAddr::managed("aws_subnet", "a"))
            ]
        );
    }

    #[test]
    fn import_targets_parse_with_their_key() {
        let addr = |t: &str| {
            static_instance_ref(&hcl_edit::parser::parse_expr(t).unwrap()).map(|a| a.to_string())
        };
        assert_eq!(addr("aws_vpc.main").as_deref(), Some("aws_vpc.main"));
        assert_eq!(addr("aws_subnet.a[2]").as_deref(), Some("aws_subnet.a[2]"));
        assert_eq!(
            addr("aws_subnet.a[\"x\"]").as_deref(),
            Some("aws_subnet.a[\"x\"]")
        );
        assert_eq!(addr("aws_subnet.a.id"), None);
        assert_eq!(addr("var.x"), None);
    }

    #[test]
    fn dynamic_iterators_are_not_references() {
        let body = hcl_edit::parser::parse_body(
            "dynamic \"ingress\" {\n  for_each = var.rules\n  content {\n    from_port = ingress.value.port\n  }\n}\n",
        )
        .unwrap();
        let found: Vec<Ref> = body_references(&body).into_iter().map(|(r, _)| r).collect();
        assert_eq!(found, vec![Ref::Var("rules".into())]);
    }

    #[test]
    fn for_expression_names_are_not_references() {
        assert_eq!(
            refs("[for s in var.subnets : s.id]"),
            vec![Ref::Var("subnets".into())]
        );
    }

    #[test]
    fn module_outputs_name_their_module() {
        let web = |out: Option<&str>| vec![Ref::Module("web".into(), out.map(Into::into))];
        assert_eq!(refs("module.web.sg_id"), web(Some("sg_id")));
        assert_eq!(refs("module.web[0].sg_id"), web(Some("sg_id")));
        assert_eq!(refs("module.web[\"a\"].sg_id.x"), web(Some("sg_id")));
        assert_eq!(refs("module.web"), web(None));
        assert_eq!(refs("module.web[*].sg_id"), web(None));
        assert!(matches!(refs("module")[0], Ref::Invalid { .. }));
    }

    #[test]
    fn incomplete_references_are_invalid() {
        assert!(matches!(refs("var")[0], Ref::Invalid { .. }));
        assert!(matches!(refs("count.foo")[0], Ref::Invalid { .. }));
    }
}
