//! The `configuration` section of Terraform's JSON plan: every block's
//! expressions as written — a constant, or the references it makes — so that
//! tools which follow references between resources (Checkov's connection checks,
//! conftest policies) read a recon plan as they read Terraform's.

use crate::config::refs::{references, Ref};
use crate::config::{literal, BodyIn, Expr, ResourceBlock, Stack};
use crate::diag::SourceFile;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Body, Structure};
use serde_json::{json, Map, Value as Json};

/// The provider every recon resource belongs to, in Terraform's spelling.
pub const PROVIDER_NAME: &str = "registry.terraform.io/hashicorp/aws";

/// Meta-arguments: Terraform lists them apart from a resource's expressions.
const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "provisioner",
    "connection",
];

pub fn render(stack: &Stack) -> Json {
    json!({
        "provider_config": {
            "aws": { "name": "aws", "full_name": PROVIDER_NAME }
        },
        "root_module": module(stack),
    })
}

/// One module's configuration: its own blocks (the root's only, in a flat
/// stack) and `module_calls`, each with the called module's configuration.
fn module(stack: &Stack) -> Json {
    let resources: Vec<Json> = stack
        .resources
        .values()
        .filter(|b| b.addr.module.is_root())
        .map(resource)
        .collect();
    let outputs: Map<String, Json> = stack
        .outputs
        .values()
        .map(|o| {
            let mut m = Map::new();
            m.insert("expression".into(), expr_in(&o.value));
            if o.sensitive {
                m.insert("sensitive".into(), Json::Bool(true));
            }
            if let Some(d) = &o.description {
                m.insert("description".into(), Json::from(d.clone()));
            }
            (o.name.clone(), Json::Object(m))
        })
        .collect();
    let variables: Map<String, Json> = stack
        .variables
        .values()
        .map(|v| {
            let mut m = Map::new();
            if let Some(default) = v.default.as_ref().and_then(|d| literal(&d.expr)) {
                m.insert("default".into(), default.to_json());
            }
            if let Some(d) = &v.description {
                m.insert("description".into(), Json::from(d.clone()));
            }
            if v.sensitive {
                m.insert("sensitive".into(), Json::Bool(true));
            }
            (v.name.clone(), Json::Object(m))
        })
        .collect();
    let calls: Map<String, Json> = stack
        .modules
        .values()
        .map(|call| {
            let mut m = Map::new();
            m.insert("source".into(), Json::from(call.source.clone()));
            let expressions: Map<String, Json> = call
                .arguments
                .iter()
                .map(|(name, e)| (name.clone(), expr_in(e)))
                .collect();
            m.insert("expressions".into(), Json::Object(expressions));
            if let Some(count) = &call.count {
                m.insert("count_expression".into(), expr_in(count));
            }
            if let Some(for_each) = &call.for_each {
                m.insert("for_each_expression".into(), expr_in(for_each));
            }
            if let Some(child) = &call.child {
                m.insert("module".into(), module(child));
            }
            (call.name.clone(), Json::Object(m))
        })
        .collect();
    let mut m = Map::new();
    m.insert("resources".into(), Json::Array(resources));
    m.insert("outputs".into(), Json::Object(outputs));
    m.insert("variables".into(), Json::Object(variables));
    if !calls.is_empty() {
        m.insert("module_calls".into(), Json::Object(calls));
    }
    Json::Object(m)
}

fn resource(block: &ResourceBlock) -> Json {
    let addr = &block.addr;
    let mut m = Map::new();
    m.insert("address".into(), Json::from(addr.to_string()));
    let mode = match addr.mode {
        crate::addr::Mode::Managed => "managed",
        crate::addr::Mode::Data => "data",
    };
    m.insert("mode".into(), Json::from(mode));
    m.insert("type".into(), Json::from(addr.type_name.clone()));
    m.insert("name".into(), Json::from(addr.name.clone()));
    m.insert("provider_config_key".into(), Json::from("aws"));
    m.insert("expressions".into(), Json::Object(body(&block.body)));
    m.insert("schema_version".into(), Json::from(0));
    if let Some(count) = &block.count {
        m.insert("count_expression".into(), expr_in(count));
    }
    if let Some(for_each) = &block.for_each {
        m.insert("for_each_expression".into(), expr_in(for_each));
    }
    if !block.depends_on.is_empty() {
        let deps: Vec<String> = block
            .depends_on
            .iter()
            .map(|(a, _)| a.to_string())
            .collect();
        m.insert("depends_on".into(), json!(deps));
    }
    Json::Object(m)
}

fn body(body: &BodyIn) -> Map<String, Json> {
    expressions(&body.file, &body.body)
}

/// A body's attributes as expressions and its nested blocks as lists of bodies.
/// `dynamic` blocks are left out: what they expand to is known only at plan time.
fn expressions(file: &SourceFile, body: &Body) -> Map<String, Json> {
    let mut m = Map::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key = attr.key.as_str();
                if !META.contains(&key) {
                    m.insert(key.to_string(), expression(file, &attr.value));
                }
            }
            Structure::Block(block) => {
                let kind = block.ident.as_str();
                if META.contains(&kind) || kind == "dynamic" {
                    continue;
                }
                let nested = Json::Object(expressions(file, &block.body));
                match m
                    .entry(kind.to_string())
                    .or_insert_with(|| Json::Array(Vec::new()))
                {
                    Json::Array(list) => list.push(nested),
                    other => *other = Json::Array(vec![nested]),
                }
            }
        }
    }
    m
}

fn expr_in(e: &Expr) -> Json {
    expression(&e.file, &e.expr)
}

/// `{"constant_value": v}` for a literal, otherwise `{"references": [...]}` with
/// each reference as written and the object it names (`aws_vpc.main.id`,
/// `aws_vpc.main`), as Terraform lists them.
fn expression(file: &SourceFile, expr: &Expression) -> Json {
    if let Some(value) = literal(expr) {
        return json!({ "constant_value": value.to_json() });
    }
    let mut found: Vec<String> = Vec::new();
    let mut add = |r: String| {
        if !found.contains(&r) {
            found.push(r);
        }
    };
    for (reference, range) in references(expr) {
        let written = file
            .text
            .get(range)
            .map(|t| t.split_whitespace().collect::<String>())
            .filter(|t| !t.is_empty());
        match reference {
            Ref::Resource(addr) => {
                if let Some(written) = written {
                    add(written);
                }
                add(addr.to_string());
            }
            Ref::Var(name) => add(format!("var.{name}")),
            Ref::Local(name) => add(format!("local.{name}")),
            Ref::Module(name, _) => {
                if let Some(written) = written {
                    add(written);
                }
                add(format!("module.{name}"));
            }
            Ref::CountIndex => add("count.index".into()),
            Ref::Each | Ref::Path => {
                if let Some(written) = written {
                    add(written);
                }
            }
            Ref::SelfRef | Ref::Invalid { .. } => {}
        }
    }
    json!({ "references": found })
}

/// The plan's top-level `variables`: each input variable's value.
pub fn variables(vars: &crate::value::Object) -> Json {
    Json::Object(
        vars.iter()
            .map(|(name, v)| (name.clone(), json!({ "value": v.to_json() })))
            .collect(),
    )
}
