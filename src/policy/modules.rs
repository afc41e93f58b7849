//! Module calls in `recon check`. The engine has no modules; the check follows
//! local ones (`source = "./..."` or `"../..."`): each instance is a stack of its
//! own whose variables are the call's arguments evaluated in the caller, and its
//! resources are reported as `module.NAME[KEY].TYPE.NAME`. Remote sources are not
//! fetched: a note says so, unless `terraform init` left a copy under
//! `.terraform/modules` (its `modules.json` names the directory).

use super::check::check_in;
use super::{Note, PolicySet, Report};
use crate::addr::{InstanceKey, ResourceAddr};
use crate::config::eval::Scope;
use crate::config::{vars, ModuleCall, Stack};
use crate::diag::{did_you_mean, display_path, Diag, Diags};
use crate::plan::planner::expand_meta;
use crate::provider::Provider;
use crate::value::{Object, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What stays the same through the whole module tree.
pub struct Cx<'a> {
    pub provider: &'a dyn Provider,
    pub policies: &'a PolicySet,
    /// From the root's `.terraform/modules/modules.json`: module key
    /// (`vpc`, `vpc.nat`) → the source it was installed from and where.
    installed: HashMap<String, (String, PathBuf)>,
}

impl<'a> Cx<'a> {
    pub fn new(provider: &'a dyn Provider, policies: &'a PolicySet, root: &Path) -> Cx<'a> {
        Cx {
            provider,
            policies,
            installed: installed_modules(root),
        }
    }
}

/// Where a stack sits in the module tree.
#[derive(Clone, Debug, Default)]
pub struct Place {
    /// `module.web[0].module.rules`; empty at the root.
    pub module: String,
    /// Module names from the root without instance keys (`modules.json` keys).
    key: Vec<String>,
    /// The directories from the root down to here, each with how to name it:
    /// a module found again on this path includes itself.
    chain: Vec<(PathBuf, String)>,
}

impl Place {
    pub fn root(dir: &Path) -> Place {
        Place {
            chain: vec![(
                dir.to_path_buf(),
                format!("the root stack ({})", shown(dir)),
            )],
            ..Place::default()
        }
    }

    /// A note of this stack as the report shows it: the address with its module path.
    pub fn note(&self, mut note: Note) -> Note {
        if !self.module.is_empty() {
            note.address = Some(match note.address {
                Some(a) => format!("{}.{a}", self.module),
                None => self.module.clone(),
            });
        }
        note
    }

    fn call_address(&self, name: &str) -> String {
        if self.module.is_empty() {
            format!("module.{name}")
        } else {
            format!("{}.module.{name}", self.module)
        }
    }
}

/// Checks every module `stack` calls, each instance into `report`; `values` are the
/// caller's block values (as planned statically) for the calls' arguments.
pub fn check_calls(
    cx: &Cx,
    stack: &Stack,
    vars: &Object,
    values: &BTreeMap<ResourceAddr, Value>,
    place: &Place,
    report: &mut Report,
) -> Result<(), Diags> {
    for call in stack.modules.values() {
        let addr = place.call_address(&call.name);
        let mut key = place.key.clone();
        key.push(call.name.clone());
        let dir = match module_dir(cx, stack, call, &addr, &key, report) {
            Ok(Some(dir)) => dir,
            Ok(None) => continue,
            Err(d) => {
                report.notes.push(Note::not_checked(&addr, &d, true));
                continue;
            }
        };
        let label = format!("{addr} ({})", shown(&dir));
        if let Some(at) = place.chain.iter().position(|(d, _)| *d == dir) {
            let chain: Vec<&str> = place.chain[at..]
                .iter()
                .map(|(_, l)| l.as_str())
                .chain([label.as_str()])
                .collect();
            report.notes.push(Note {
                address: Some(addr.clone()),
                location: Some(call.span.location()),
                message: format!(
                    "not checked: module {addr} includes itself: {}",
                    chain.join(" -> ")
                ),
                invalid: true,
            });
            continue;
        }
        let loaded = super::check::load(&dir)?;
        let child = &loaded.stack;
        report
            .notes
            .extend(undeclared_arguments(call, child, &addr));
        let mut chain = place.chain.clone();
        chain.push((dir, label));

        let scope = Scope::new(stack, vars, values);
        for (inst_addr, iscope) in instances(call, &scope, &addr, report) {
            let mut arguments = Vec::new();
            let declared = call
                .arguments
                .iter()
                .filter(|(name, _)| child.variables.contains_key(*name));
            for (name, expr) in declared {
                let value = iscope.eval(expr).unwrap_or_else(|d| {
                    report.notes.push(Note {
                        address: Some(inst_addr.clone()),
                        location: d.location.clone(),
                        message: format!("argument \"{name}\" treated as unknown: {}", d.message),
                        invalid: true,
                    });
                    Value::Unknown
                });
                arguments.push((name.clone(), value, expr.span()));
            }
            let (child_vars, missing) = match vars::resolve_arguments(child, arguments) {
                Ok(resolved) => resolved,
                Err(diags) => {
                    report.notes.extend(
                        diags
                            .0
                            .into_iter()
                            .map(|d| Note::not_checked(&inst_addr, &d, true)),
                    );
                    continue;
                }
            };
            for name in missing {
                report.notes.push(Note {
                    address: Some(inst_addr.clone()),
                    location: child.variables.get(&name).map(|v| v.span.location()),
                    message: format!(
                        "variable \"{name}\" has no value (the module block does not set it): treated as unknown"
                    ),
                    invalid: false,
                });
            }
            let child_place = Place {
                module: inst_addr,
                key: key.clone(),
                chain: chain.clone(),
            };
            check_in(cx, &loaded, &child_vars, &child_place, report)?;
        }
    }
    Ok(())
}

/// The directory a call's module is read from, or None (with a note) when it is
/// not on disk.
fn module_dir(
    cx: &Cx,
    stack: &Stack,
    call: &ModuleCall,
    addr: &str,
    key: &[String],
    report: &mut Report,
) -> Result<Option<PathBuf>, Diag> {
    let note = |message: String| Note {
        address: Some(addr.to_string()),
        location: Some(call.source_span.location()),
        message,
        invalid: false,
    };
    let dir = if call.is_local() {
        stack.dir.join(&call.source)
    } else {
        match cx.installed.get(&key.join(".")) {
            Some((source, dir)) if same_source(source, &call.source) && dir.is_dir() => {
                report.notes.push(note(format!(
                    "source \"{}\" is not local; checked from the copy `terraform init` installed in {}",
                    call.source,
                    shown(dir)
                )));
                dir.clone()
            }
            _ => {
                report.notes.push(note(format!(
                    "source \"{}\" is not local; not checked",
                    call.source
                )));
                return Ok(None);
            }
        }
    };
    let unreadable = |why: String| {
        Diag::at(
            &call.source_span,
            format!("module {addr}: {why}"),
            "module source",
        )
        .with_help("a local module source is a directory of .tf or .hcl files, relative to the calling stack")
    };
    let dir = dir
        .canonicalize()
        .map_err(|e| unreadable(format!("cannot read {}: {e}", shown(&dir))))?;
    let has_files = std::fs::read_dir(&dir)
        .map_err(|e| unreadable(format!("cannot read {}: {e}", shown(&dir))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .any(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("tf" | "hcl"))
        });
    if !has_files {
        return Err(unreadable(format!(
            "no .tf or .hcl files in {}",
            shown(&dir)
        )));
    }
    Ok(Some(dir))
}

/// An argument the module declares no variable for is an error in Terraform; here
/// it is left out, with a note.
fn undeclared_arguments(call: &ModuleCall, child: &Stack, addr: &str) -> Vec<Note> {
    call.arguments
        .iter()
        .filter(|(name, _)| !child.variables.contains_key(*name))
        .map(|(name, expr)| {
            let hint = match did_you_mean(name, child.variables.keys().map(String::as_str)) {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => format!(
                    "declare variable \"{name}\" in {} or remove the argument",
                    shown(&child.dir)
                ),
            };
            Note {
                address: Some(addr.to_string()),
                location: Some(expr.span().location()),
                message: format!(
                    "argument \"{name}\" ignored: the module declares no such variable ({hint})"
                ),
                invalid: true,
            }
        })
        .collect()
}

/// Each instance of a call, with its address and the scope its arguments see. A
/// `count` / `for_each` known only after apply gives one instance, with a note,
/// where `count.index` / `each` are unknown.
fn instances<'a>(
    call: &ModuleCall,
    scope: &Scope<'a>,
    addr: &str,
    report: &mut Report,
) -> Vec<(String, Scope<'a>)> {
    let meta = match (&call.count, &call.for_each) {
        (Some(e), _) => Some(("count", "count", "count.index", e)),
        (None, Some(e)) => Some(("for_each", "each", "each.key and each.value", e)),
        (None, None) => None,
    };
    let Some((what, name, names, expr)) = meta else {
        return vec![(addr.to_string(), scope.for_instance(None, None))];
    };
    let mut note = |location: Option<String>, message: String| {
        report.notes.push(Note {
            address: Some(addr.to_string()),
            location,
            message,
            invalid: false,
        })
    };
    let unknown = match scope.eval(expr) {
        Ok(Value::Unknown) => true,
        Ok(Value::List(items)) => items.iter().any(Value::is_unknown),
        Ok(_) => false,
        Err(d) => {
            note(d.location.clone(), format!("not checked: {}", d.message));
            return Vec::new();
        }
    };
    if unknown {
        note(
            Some(expr.span().location()),
            format!("{what} is known only after apply: the module is checked once, with {names} unknown"),
        );
        return vec![(addr.to_string(), scope.with_binding(name, Value::Unknown))];
    }
    match expand_meta(&addr, call.count.as_ref(), call.for_each.as_ref(), scope) {
        Ok(list) => list
            .into_iter()
            .map(|i| {
                let key = match &i.key {
                    InstanceKey::None => String::new(),
                    InstanceKey::Int(n) => format!("[{n}]"),
                    InstanceKey::Str(s) => format!("[{}]", serde_json::Value::from(s.clone())),
                };
                (
                    format!("{addr}{key}"),
                    scope.for_instance(i.count_index, i.each),
                )
            })
            .collect(),
        Err(d) => {
            note(d.location.clone(), format!("not checked: {}", d.message));
            Vec::new()
        }
    }
}

/// `modules.json` records the source as written, or (registry modules, newer
/// Terraform) with the registry host in front.
fn same_source(recorded: &str, written: &str) -> bool {
    recorded == written || recorded.ends_with(&format!("/{written}"))
}

/// Modules a previous `terraform init` installed for the stack in `root`, by key.
fn installed_modules(root: &Path) -> HashMap<String, (String, PathBuf)> {
    let path = root.join(".terraform").join("modules").join("modules.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        return HashMap::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    json["Modules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let key = m["Key"].as_str().filter(|k| !k.is_empty())?;
            let source = m["Source"].as_str()?;
            let dir = m["Dir"].as_str()?;
            Some((key.to_string(), (source.to_string(), root.join(dir))))
        })
        .collect()
}

fn shown(dir: &Path) -> String {
    match display_path(dir) {
        s if s.is_empty() => ".".to_string(),
        s => s,
    }
}
