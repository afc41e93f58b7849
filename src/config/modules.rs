//! Modules in the engine: local module sources loaded as child configurations,
//! then expanded — once the root's variables are known — into one flat stack
//! whose resources carry their module instance path
//! (`module.net["a"].aws_subnet.main`). Expressions of a module instance
//! evaluate in its scope (see [`super::eval::Scope::in_module`]): its variables
//! come from the call's arguments, evaluated in the caller's scope.
//! Also the `moved` and `removed` blocks, which speak in such addresses.

use super::eval::Scope;
use super::instances::expand_meta;
use super::{read_sources, ModuleCall, Stack};
use crate::addr::{InstanceAddr, ModulePath, ResourceAddr};
use crate::diag::{did_you_mean, display_path, Diag, Diags, SourceFile, Span};
use crate::value::{Object, Value};
use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Modules nested deeper than this are refused (a chain this long is a mistake).
const MAX_DEPTH: usize = 32;

/// One instance of a module call in the flat stack.
#[derive(Clone, Debug)]
pub struct ModuleInstance {
    /// The `module` block, as written in the caller.
    pub call: ModuleCall,
    /// The module's own configuration: variables, locals, outputs, its calls.
    pub config: Arc<Stack>,
    /// `count.index` / `each` of this instance, seen by the call's arguments.
    pub count_index: Option<i64>,
    pub each: Option<(Value, Value)>,
}

/// Loads the child configuration of every module call of `stack`, recursively.
/// With `overlay` (a saved plan's copy), module files are taken from it.
pub fn load_children(
    stack: &mut Stack,
    overlay: Option<&[(PathBuf, String)]>,
) -> Result<(), Diags> {
    let root = vec![stack.dir.clone()];
    load_calls(stack, overlay, &root)
}

fn load_calls(
    stack: &mut Stack,
    overlay: Option<&[(PathBuf, String)]>,
    chain: &[PathBuf],
) -> Result<(), Diags> {
    let mut errors = Vec::new();
    let dir = stack.dir.clone();
    for call in stack.modules.values_mut() {
        match load_call(&dir, call, overlay, chain) {
            Ok(child) => call.child = Some(Arc::new(child)),
            Err(mut d) => errors.append(&mut d.0),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors))
    }
}

fn load_call(
    caller_dir: &Path,
    call: &ModuleCall,
    overlay: Option<&[(PathBuf, String)]>,
    chain: &[PathBuf],
) -> Result<Stack, Diags> {
    let at_source = |message: String, help: &str| {
        Diags::from(
            Diag::at(&call.source_span, message, "module source").with_help(help.to_string()),
        )
    };
    if !call.is_local() {
        return Err(at_source(
            format!(
                "module \"{}\": source \"{}\" is not a local path; recon supports only local module sources",
                call.name, call.source
            ),
            "copy the module into the stack's tree and write source = \"./modules/NAME\" (a path starting with ./ or ../)",
        ));
    }
    let help =
        "a local module source is a directory of .tf or .hcl files, relative to the calling module";
    let dir = caller_dir.join(&call.source);
    let dir = dir.canonicalize().map_err(|e| {
        at_source(
            format!(
                "module \"{}\": cannot read {}: {e}",
                call.name,
                display_path(&dir)
            ),
            help,
        )
    })?;
    if chain.contains(&dir) {
        return Err(at_source(
            format!(
                "module \"{}\" includes itself: {}",
                call.name,
                chain
                    .iter()
                    .chain([&dir])
                    .map(|d| display_path(d))
                    .collect::<Vec<_>>()
                    .join(" -> ")
            ),
            "a module cannot call itself, directly or through others",
        ));
    }
    if chain.len() > MAX_DEPTH {
        return Err(at_source(
            format!(
                "module \"{}\": modules nest more than {MAX_DEPTH} deep",
                call.name
            ),
            "flatten the module tree",
        ));
    }
    let saved: Vec<(PathBuf, String)> = overlay
        .into_iter()
        .flatten()
        .filter(|(p, _)| {
            p.parent()
                .and_then(|d| d.canonicalize().ok())
                .is_some_and(|d| d == dir)
        })
        .cloned()
        .collect();
    let sources = if saved.is_empty() {
        read_sources(&dir)?
    } else {
        saved
    };
    let mut child = Stack::parse_module(&dir, sources)?;
    if let Some(backend) = child.backend.take() {
        child
            .terraform_ignored
            .push(("backend (in a module)".into(), backend.span));
    }
    let mut chain = chain.to_vec();
    chain.push(dir);
    load_calls(&mut child, overlay, &chain)?;
    check_arguments(call, &child)?;
    Ok(child)
}

/// Every argument names a variable of the module, and every variable without a
/// default is set.
fn check_arguments(call: &ModuleCall, child: &Stack) -> Result<(), Diags> {
    let mut errors = Vec::new();
    for (name, expr) in &call.arguments {
        if child.variables.contains_key(name) {
            continue;
        }
        let d = Diag::at(
            &expr.span(),
            format!("module \"{}\" has no variable \"{name}\"", call.name),
            "unexpected argument",
        );
        errors.push(
            match did_you_mean(name, child.variables.keys().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                None => d.with_help(format!(
                    "declare variable \"{name}\" in {} or remove the argument",
                    display_path(&child.dir)
                )),
            },
        );
    }
    for (name, var) in &child.variables {
        if var.default.is_none() && !call.arguments.contains_key(name) {
            errors.push(
                Diag::at(
                    &call.span,
                    format!(
                        "module \"{}\": no value for required variable \"{name}\"",
                        call.name
                    ),
                    "argument missing",
                )
                .with_help(format!(
                    "add {name} = ... to the module block (the variable is declared at {})",
                    var.span.location()
                )),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors))
    }
}

/// The flat stack: every module instance's resources in `resources` with their
/// path, `instances` filled in. `count` / `for_each` of a module call must be
/// known from variables and locals. A stack without modules is returned as it is.
pub fn expand(root: Stack, vars: &Object) -> Result<Stack, Diags> {
    if root.modules.is_empty() {
        return Ok(root);
    }
    let mut flat = root.clone();
    let root = &root;
    let mut errors = Vec::new();
    let aliases: BTreeMap<Option<String>, Option<String>> = std::iter::once((None, None))
        .chain(
            root.providers
                .iter()
                .filter_map(|p| p.alias.clone())
                .map(|a| (Some(a.clone()), Some(a))),
        )
        .collect();
    expand_calls(
        &mut flat,
        root,
        &ModulePath::root(),
        vars,
        &[],
        &aliases,
        &mut errors,
    );
    if errors.is_empty() {
        Ok(flat)
    } else {
        Err(Diags(errors))
    }
}

/// What a module instance passes on to what it contains.
type Aliases = BTreeMap<Option<String>, Option<String>>;

fn expand_calls(
    flat: &mut Stack,
    config: &Stack,
    path: &ModulePath,
    vars: &Object,
    inherited: &[(ResourceAddr, Span)],
    aliases: &Aliases,
    errors: &mut Vec<Diag>,
) {
    for call in config.modules.values() {
        let Some(child) = call.child.clone() else {
            errors.push(Diag::at(
                &call.span,
                format!("module \"{}\" was not loaded", call.name),
                "here",
            ));
            continue;
        };
        let what = if path.is_root() {
            format!("module.{}", call.name)
        } else {
            format!("{path}.module.{}", call.name)
        };
        let expanded = {
            let no_values = BTreeMap::new();
            let scope = Scope::new(flat, vars, &no_values).in_module(path);
            expand_meta(&what, call.count.as_ref(), call.for_each.as_ref(), &scope)
        };
        let list = match expanded {
            Ok(list) => list,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        let child_aliases = match module_aliases(call, &child, aliases) {
            Ok(a) => a,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        // What the call waits for, every block inside waits for too.
        let mut waits: Vec<(ResourceAddr, Span)> = inherited.to_vec();
        waits.extend(
            call.depends_on
                .iter()
                .map(|(a, s)| (under(path, a), s.clone())),
        );
        for instance in list {
            let here = path.child(&call.name, instance.key);
            flat.instances.insert(
                here.clone(),
                ModuleInstance {
                    call: call.clone(),
                    config: child.clone(),
                    count_index: instance.count_index,
                    each: instance.each,
                },
            );
            for block in child.resources.values() {
                let mut block = block.clone();
                block.addr = block.addr.in_module(&here);
                for (dep, _) in block.depends_on.iter_mut() {
                    *dep = under(&here, dep);
                }
                block.depends_on.extend(waits.iter().cloned());
                block.provider = child_aliases.get(&block.provider).cloned().flatten();
                flat.resources.insert(block.addr.clone(), block);
            }
            expand_calls(flat, &child, &here, vars, &waits, &child_aliases, errors);
        }
    }
}

/// `addr`, written in module instance `base`, as an address from the root.
pub fn under(base: &ModulePath, addr: &ResourceAddr) -> ResourceAddr {
    let mut module = base.clone();
    module.0.extend(addr.module.0.iter().cloned());
    addr.in_module(&module)
}

/// The caller's provider configuration for each the module's resources name.
fn module_aliases(call: &ModuleCall, child: &Stack, caller: &Aliases) -> Result<Aliases, Diag> {
    let mut out = Aliases::new();
    // Without `providers`, the default configuration is passed on implicitly.
    out.insert(None, caller.get(&None).cloned().flatten());
    for (inner, outer, span) in &call.providers {
        let Some(resolved) = caller.get(outer) else {
            let shown = outer
                .as_deref()
                .map_or("aws".to_string(), |a| format!("aws.{a}"));
            return Err(Diag::at(span, format!("module \"{}\": provider {shown} is not configured", call.name), "here")
                .with_help("declare provider \"aws\" { alias = \"...\" } in the root stack (or pass it down from the caller)"));
        };
        out.insert(inner.clone(), resolved.clone());
    }
    for block in child.resources.values() {
        if !out.contains_key(&block.provider) {
            let alias = block.provider.clone().unwrap_or_default();
            return Err(Diag::at(
                &block.span,
                format!(
                    "{}: provider aws.{alias} is not passed to module \"{}\"",
                    block.addr, call.name
                ),
                "here",
            )
            .with_help(format!(
                "add providers = {{ aws.{alias} = aws.ALIAS }} to the module block at {}",
                call.span.location()
            )));
        }
    }
    Ok(out)
}

/// `moved { from = ADDRESS  to = ADDRESS }`: an object in state takes a new address.
#[derive(Clone, Debug)]
pub struct Moved {
    pub from: InstanceAddr,
    pub to: InstanceAddr,
    pub span: Span,
}

/// `removed { from = ADDRESS  lifecycle { destroy = false } }`: the object leaves
/// the configuration; with `destroy = false` it is forgotten, not destroyed.
#[derive(Clone, Debug)]
pub struct Removed {
    pub from: InstanceAddr,
    pub destroy: bool,
    pub span: Span,
}

/// An address written as an expression: `aws_vpc.main`, `module.net["a"].aws_vpc.main`.
fn address_attr(
    file: &Arc<SourceFile>,
    block: &Block,
    name: &str,
    span: &Span,
    errors: &mut Vec<Diag>,
) -> Option<InstanceAddr> {
    let kind = block.ident.as_str();
    let Some(attr) = block.body.get_attribute(name) else {
        errors.push(
            Diag::at(
                span,
                format!("a {kind} block needs `{name}`"),
                "incomplete block",
            )
            .with_help(format!("write {kind} {{ from = aws_vpc.old ... }}")),
        );
        return None;
    };
    let text = attr.value.to_string();
    match text.trim().parse::<InstanceAddr>() {
        Ok(addr) => Some(addr),
        Err(e) => {
            errors.push(
                Diag::at(
                    &Span::new(file, attr.value.span()),
                    format!("{kind} `{name}`: {}", e.reason),
                    "not an address",
                )
                .with_help(
                    "write TYPE.NAME, TYPE.NAME[KEY], module.NAME or module.NAME[KEY].TYPE.NAME",
                ),
            );
            None
        }
    }
}

impl Moved {
    pub fn read(
        file: &Arc<SourceFile>,
        block: &Block,
        span: &Span,
        errors: &mut Vec<Diag>,
    ) -> Option<Moved> {
        let from = address_attr(file, block, "from", span, errors);
        let to = address_attr(file, block, "to", span, errors);
        let (from, to) = (from?, to?);
        if from.resource.is_module_only() != to.resource.is_module_only()
            || (!from.resource.is_module_only() && from.resource.type_name != to.resource.type_name)
        {
            errors.push(
                Diag::at(span, format!("cannot move {from} to {to}"), "different kinds of objects")
                    .with_help("a moved block renames a resource to one of the same type, or a module to a module"),
            );
            return None;
        }
        Some(Moved {
            from,
            to,
            span: span.clone(),
        })
    }
}

impl Removed {
    pub fn read(
        file: &Arc<SourceFile>,
        block: &Block,
        span: &Span,
        errors: &mut Vec<Diag>,
    ) -> Option<Removed> {
        let from = address_attr(file, block, "from", span, errors)?;
        let mut destroy = true;
        for structure in block.body.iter() {
            let Structure::Block(b) = structure else {
                continue;
            };
            if b.ident.as_str() != "lifecycle" {
                continue;
            }
            if let Some(attr) = b.body.get_attribute("destroy") {
                match attr.value.as_bool() {
                    Some(v) => destroy = v,
                    None => errors.push(Diag::at(
                        &Span::new(file, attr.value.span()),
                        "destroy must be a literal true or false",
                        "not a literal bool",
                    )),
                }
            }
        }
        Some(Removed {
            from,
            destroy,
            span: span.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{ConfigGraph, Node};

    const CHILD: &str = r#"
variable "cidr" {
  type = string
}
variable "tags" {
  type    = map(string)
  default = {}
}
resource "aws_vpc" "main" {
  cidr_block = var.cidr
  tags       = var.tags
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 0)
}
output "vpc_id" {
  value = aws_vpc.main.id
}
output "cidr" {
  value = var.cidr
}
"#;

    /// A stack directory with `root` as main.tf and `modules/net` as CHILD.
    fn tree(root: &str) -> (tempfile::TempDir, Stack) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("modules/net")).unwrap();
        std::fs::write(dir.path().join("modules/net/main.tf"), CHILD).unwrap();
        std::fs::write(dir.path().join("main.tf"), root).unwrap();
        let stack = Stack::load(dir.path()).unwrap();
        (dir, stack)
    }

    const ROOT: &str = r#"
variable "envs" {
  default = { dev = "10.1.0.0/16", prod = "10.2.0.0/16" }
}
resource "aws_kms_key" "k" {}
module "net" {
  source   = "./modules/net"
  for_each = var.envs
  cidr     = each.value
  tags     = { key = aws_kms_key.k.arn }
}
resource "aws_security_group" "sg" {
  vpc_id = module.net["dev"].vpc_id
}
"#;

    fn expanded(root: &str) -> (tempfile::TempDir, Stack) {
        let (dir, stack) = tree(root);
        let vars = super::super::vars::resolve(&stack, &Default::default()).unwrap();
        let flat = expand(stack, &vars).unwrap();
        (dir, flat)
    }

    #[test]
    fn for_each_on_a_module_gives_one_instance_per_key_with_its_resources() {
        let (_dir, flat) = expanded(ROOT);
        let addrs: Vec<String> = flat.resources.keys().map(ToString::to_string).collect();
        assert_eq!(
            addrs,
            [
                "aws_kms_key.k",
                "aws_security_group.sg",
                "module.net[\"dev\"].aws_vpc.main",
                "module.net[\"dev\"].aws_subnet.a",
                "module.net[\"prod\"].aws_vpc.main",
                "module.net[\"prod\"].aws_subnet.a",
            ]
        );
        let block = &flat.resources[&"module.net[\"prod\"].aws_vpc.main"
            .parse::<InstanceAddr>()
            .unwrap()
            .resource];
        // Spans point into the module's own file.
        assert!(
            block.span.location().ends_with("modules/net/main.tf:9:1"),
            "{}",
            block.span.location()
        );
    }

    #[test]
    fn module_expressions_evaluate_in_their_instance() {
        let (_dir, flat) = expanded(ROOT);
        let vars = Object::new();
        let mut values = BTreeMap::new();
        let vpc = |cidr: &str| {
            let mut o = Object::new();
            o.insert("id".into(), Value::from(format!("vpc-{cidr}")));
            Value::Object(o)
        };
        let dev: ModulePath = "module.net[\"dev\"]".parse().unwrap();
        let prod: ModulePath = "module.net[\"prod\"]".parse().unwrap();
        values.insert(
            ResourceAddr::managed("aws_vpc", "main").in_module(&dev),
            vpc("dev"),
        );
        values.insert(
            ResourceAddr::managed("aws_vpc", "main").in_module(&prod),
            vpc("prod"),
        );
        let eval = |path: &ModulePath, text: &str| {
            let scope = Scope::new(&flat, &vars, &values).in_module(path);
            scope.eval_in(&flat.files[0], &hcl_edit::parser::parse_expr(text).unwrap())
        };
        let root = ModulePath::root();
        assert_eq!(eval(&prod, "var.cidr").unwrap(), Value::from("10.2.0.0/16"));
        assert_eq!(
            eval(&prod, "aws_vpc.main.id").unwrap(),
            Value::from("vpc-prod")
        );
        assert_eq!(
            eval(&root, "module.net[\"dev\"].vpc_id").unwrap(),
            Value::from("vpc-dev")
        );
        assert_eq!(
            eval(&root, "module.net[\"prod\"].cidr").unwrap(),
            Value::from("10.2.0.0/16")
        );
        // The KMS key is not planned yet: the module's tag is unknown, not wrong.
        let mut tags = Object::new();
        tags.insert("key".into(), Value::Unknown);
        assert_eq!(eval(&dev, "var.tags").unwrap(), Value::Object(tags));
        let err = eval(&root, "module.net[\"dev\"].nope").unwrap_err();
        assert!(err.message.contains("nope"), "{}", err.message);
    }

    #[test]
    fn edges_cross_modules_through_arguments_and_outputs_only() {
        let (_dir, flat) = expanded(ROOT);
        let graph = ConfigGraph::build(&flat).unwrap();
        let deps = |addr: &str| -> Vec<String> {
            let addr: InstanceAddr = addr.parse().unwrap();
            graph
                .resource_dependencies(&Node::Resource(addr.resource))
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        // The subnet reads var.cidr (a literal per instance) and the VPC; not the key.
        assert_eq!(
            deps("module.net[\"dev\"].aws_subnet.a"),
            ["module.net[\"dev\"].aws_vpc.main"]
        );
        // The VPC reads var.tags, which refers to the key.
        assert_eq!(deps("module.net[\"dev\"].aws_vpc.main"), ["aws_kms_key.k"]);
        // The root group reads one output: that output of each instance (the key
        // is an expression), not the subnets.
        assert_eq!(
            deps("aws_security_group.sg"),
            [
                "module.net[\"dev\"].aws_vpc.main",
                "module.net[\"prod\"].aws_vpc.main"
            ]
        );
    }

    #[test]
    fn module_mistakes_point_where_they_are_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("modules/net")).unwrap();
        std::fs::write(dir.path().join("modules/net/main.tf"), CHILD).unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"a\" {\n  source = \"./modules/net\"\n  cidrr  = \"10.0.0.0/16\"\n}\n",
        )
        .unwrap();
        let err = Stack::load(dir.path()).unwrap_err();
        let found: Vec<(String, String)> = err
            .0
            .iter()
            .map(|d| (d.message.clone(), d.location.clone().unwrap_or_default()))
            .collect();
        assert_eq!(found[0].0, "module \"a\" has no variable \"cidrr\"");
        assert!(found[0].1.ends_with("main.tf:3:12"), "{found:?}");
        assert_eq!(err.0[0].help.as_deref(), Some("did you mean \"cidr\"?"));
        assert_eq!(
            found[1].0,
            "module \"a\": no value for required variable \"cidr\""
        );

        // A module that calls itself.
        std::fs::write(
            dir.path().join("modules/net/loop.tf"),
            "module \"again\" {\n  source = \"../net\"\n  cidr   = var.cidr\n}\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "module \"a\" {\n  source = \"./modules/net\"\n  cidr   = \"10.0.0.0/16\"\n}\n",
        )
        .unwrap();
        let err = Stack::load(dir.path()).unwrap_err();
        assert!(
            err.0[0]
                .message
                .starts_with("module \"again\" includes itself"),
            "{}",
            err.0[0].message
        );
    }

    #[test]
    fn a_type_error_in_an_argument_is_reported_at_the_argument() {
        let (_dir, stack) = tree("module \"a\" {\n  source = \"./modules/net\"\n  cidr   = \"10.0.0.0/16\"\n  tags   = \"oops\"\n}\n");
        let flat = expand(stack, &Object::new()).unwrap();
        let (vars, values) = (Object::new(), BTreeMap::new());
        let path: ModulePath = "module.a".parse().unwrap();
        let scope = Scope::new(&flat, &vars, &values).in_module(&path);
        let err = scope
            .eval_in(
                &flat.files[0],
                &hcl_edit::parser::parse_expr("var.tags").unwrap(),
            )
            .unwrap_err();
        assert!(
            err.message
                .starts_with("invalid value for variable \"tags\""),
            "{}",
            err.message
        );
        assert!(err
            .location
            .as_deref()
            .unwrap_or_default()
            .ends_with("main.tf:4:12"));
    }

    #[test]
    fn import_blocks_and_moved_blocks_take_module_addresses() {
        let root = format!("{ROOT}\nimport {{\n  to = module.net[\"dev\"].aws_vpc.main\n  id = \"vpc-1\"\n}}\nmoved {{\n  from = module.old\n  to   = module.net\n}}\n");
        let (_dir, stack) = tree(&root);
        assert_eq!(
            stack.imports[0].to.to_string(),
            "module.net[\"dev\"].aws_vpc.main"
        );
        assert!(stack.moved[0].from.resource.is_module_only());
        assert_eq!(stack.moved[0].to.to_string(), "module.net");
    }

    #[test]
    fn count_on_a_module_must_be_known_from_variables() {
        let (_dir, stack) = tree("resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nmodule \"a\" {\n  source = \"./modules/net\"\n  count  = length(aws_vpc.v.id)\n  cidr   = \"10.0.0.0/16\"\n}\n");
        let err = expand(stack, &Object::new()).unwrap_err();
        assert_eq!(
            err.0[0].message,
            "module.a: count depends on values known only after apply"
        );
    }
}
