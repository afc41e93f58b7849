//! Input variable values: defaults, `RECON_VAR_<name>` environment variables,
//! `--var-file` files (tfvars syntax) and `--var NAME=VALUE`, in rising precedence
//! as Terraform does; then type conversion and validation rules.

use super::eval::Scope;
use super::{literal, Stack, Variable};
use crate::diag::{did_you_mean, display_path, Diag, Diags, SourceFile, Span};
use crate::value::{Object, Value};
use hcl_edit::structure::Structure;
use hcl_edit::Span as _;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Where a value came from, for error messages.
#[derive(Clone, Debug)]
enum Origin {
    Default,
    Env(String),
    File(Span),
    Flag(String),
    /// An argument of a module block.
    Argument(Span),
}

/// Raw inputs from the command line and environment.
#[derive(Clone, Debug, Default)]
pub struct VarInputs {
    /// `--var NAME=VALUE`, in order.
    pub flags: Vec<String>,
    /// `--var-file FILE`, in order (plus an environment's `<env>.tfvars`).
    pub files: Vec<std::path::PathBuf>,
    /// `RECON_VAR_<name>` pairs.
    pub env: Vec<(String, String)>,
}

impl VarInputs {
    /// `TF_VAR_name` (as Terraform reads them), then `RECON_VAR_name`, which wins.
    pub fn from_env() -> Vec<(String, String)> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        ["TF_VAR_", "RECON_VAR_"]
            .iter()
            .flat_map(|prefix| {
                vars.iter()
                    .filter_map(|(k, v)| k.strip_prefix(prefix).map(|n| (n.to_string(), v.clone())))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The variables files Terraform loads by itself, in its order (later wins):
    /// terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars and
    /// *.auto.tfvars.json in name order.
    pub fn auto_files(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out: Vec<std::path::PathBuf> = ["terraform.tfvars", "terraform.tfvars.json"]
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        let mut auto: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                    })
            })
            .collect();
        auto.sort();
        out.extend(auto);
        out
    }
}

type Raw = BTreeMap<String, (Value, Origin)>;

pub fn resolve(stack: &Stack, inputs: &VarInputs) -> Result<Object, Diags> {
    let (mut raw, defaults_failed) = defaults(stack);
    let mut errors: Vec<Diag> = defaults_failed.into_iter().map(|(_, d)| d).collect();
    given(stack, inputs, &mut raw, &mut errors);
    if !errors.is_empty() {
        return Err(Diags(errors));
    }
    finish(stack, raw)
}

/// Variables as `recon check` reads them: a variable whose value cannot be had
/// (no value anywhere, a default that does not evaluate or convert to its type, a
/// validation rule it fails) is unknown, and returned with why, instead of
/// stopping the whole check. Mistakes in the operator's own inputs (`--var`,
/// `--var-file`, `RECON_VAR_*`) are still errors.
pub fn resolve_tolerant(
    stack: &Stack,
    inputs: &VarInputs,
) -> Result<(Object, Vec<(String, Diag)>), Diags> {
    let (mut raw, mut unread) = defaults(stack);
    let mut errors = Vec::new();
    given(stack, inputs, &mut raw, &mut errors);
    if !errors.is_empty() {
        return Err(Diags(errors));
    }
    let mut out = Object::new();
    for (name, var) in &stack.variables {
        if unread.iter().any(|(n, _)| n == name) {
            out.insert(name.clone(), Value::Unknown);
            continue;
        }
        match raw.remove(name) {
            None => {
                let d = Diag::at(
                    &var.span,
                    format!("variable \"{name}\" has no value"),
                    "declared here without a default",
                )
                .with_help(format!("pass --var {name}=... to check with a value"));
                unread.push((name.clone(), d));
                out.insert(name.clone(), Value::Unknown);
            }
            Some((value, origin)) => match convert(var, value) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(msg) => {
                    let message = format!("invalid value for variable \"{name}\": {msg}");
                    unread.push((name.clone(), at_origin(var, &origin, message)));
                    out.insert(name.clone(), Value::Unknown);
                }
            },
        }
    }
    for (name, var) in &stack.variables {
        let failed = validate(stack, var, &out);
        if let Some(d) = failed.into_iter().next() {
            unread.push((name.clone(), d));
        }
    }
    for (name, _) in &unread {
        out.insert(name.clone(), Value::Unknown);
    }
    Ok((out, unread))
}

/// Values from the environment, variable files and `--var` flags, over `raw`.
fn given(stack: &Stack, inputs: &VarInputs, raw: &mut Raw, errors: &mut Vec<Diag>) {
    for (name, text) in &inputs.env {
        if let Some(var) = stack.variables.get(name) {
            match parse_raw(var, text) {
                Ok(v) => {
                    raw.insert(name.clone(), (v, Origin::Env(format!("RECON_VAR_{name}"))));
                }
                Err(msg) => errors.push(Diag::plain(format!("RECON_VAR_{name}: {msg}"))),
            }
        }
    }
    for path in &inputs.files {
        match read_tfvars(stack, path) {
            Ok(values) => {
                for (name, value, span) in values {
                    raw.insert(name, (value, Origin::File(span)));
                }
            }
            Err(mut d) => errors.append(&mut d.0),
        }
    }
    for flag in &inputs.flags {
        let Some((name, text)) = flag.split_once('=') else {
            errors.push(Diag::plain(format!("--var {flag:?}: expected NAME=VALUE")));
            continue;
        };
        match stack.variables.get(name) {
            Some(var) => match parse_raw(var, text) {
                Ok(v) => {
                    raw.insert(name.to_string(), (v, Origin::Flag(format!("--var {name}"))));
                }
                Err(msg) => errors.push(Diag::plain(format!("--var {name}: {msg}"))),
            },
            None => errors.push(undeclared_flag(stack, name)),
        }
    }
}

/// The variables of a module called with `arguments` (values the caller evaluated,
/// with where each is written; every name is a declared variable). A required
/// variable the call does not set is unknown, and named in the second result.
pub fn resolve_arguments(
    stack: &Stack,
    arguments: Vec<(String, Value, Span)>,
) -> Result<(Object, Vec<String>), Diags> {
    let (mut raw, errors) = defaults(stack);
    if !errors.is_empty() {
        return Err(Diags(errors.into_iter().map(|(_, d)| d).collect()));
    }
    for (name, value, span) in arguments {
        // As in Terraform: null for a non-nullable variable means its default.
        let not_nullable = stack.variables.get(&name).is_some_and(|v| !v.nullable);
        if value.is_null() && not_nullable && raw.contains_key(&name) {
            continue;
        }
        raw.insert(name, (value, Origin::Argument(span)));
    }
    let mut missing = Vec::new();
    for name in stack.variables.keys() {
        if !raw.contains_key(name) {
            missing.push(name.clone());
            raw.insert(name.clone(), (Value::Unknown, Origin::Default));
        }
    }
    Ok((finish(stack, raw)?, missing))
}

/// One variable of a module instance: `given` is the call's argument (evaluated
/// in the caller, with where it is written), else the default applies. Converted
/// to the variable's type and validated, as a root variable is.
pub fn module_variable(
    module: &Stack,
    var: &Variable,
    given: Option<(Value, Span)>,
) -> Result<Value, Diags> {
    let default = || -> Result<Option<Value>, Diags> {
        let Some(default) = &var.default else {
            return Ok(None);
        };
        let (no_vars, empty) = (Object::new(), BTreeMap::new());
        Ok(Some(Scope::new(module, &no_vars, &empty).eval(default)?))
    };
    let (value, origin) = match given {
        // As in Terraform: null for a non-nullable variable means its default.
        Some((value, _)) if value.is_null() && !var.nullable && var.default.is_some() => {
            (default()?.unwrap_or(Value::Null), Origin::Default)
        }
        Some((value, span)) => (value, Origin::Argument(span)),
        None => match default()? {
            Some(v) => (v, Origin::Default),
            None => {
                return Err(Diag::at(
                    &var.span,
                    format!("no value for required variable \"{}\"", var.name),
                    "declared here without a default",
                )
                .with_help("set it in the module block")
                .into())
            }
        },
    };
    let type_name = value.type_name();
    let value = match convert(var, value) {
        Ok(v) => v,
        Err(_) if var.sensitive => {
            return Err(at_origin(
                var,
                &origin,
                format!(
                    "invalid value for sensitive variable \"{}\": a {} value is required, got a {type_name} (the value is not shown)",
                    var.name, var.ty
                ),
            )
            .into())
        }
        Err(msg) => {
            return Err(at_origin(
                var,
                &origin,
                format!("invalid value for variable \"{}\": {msg}", var.name),
            )
            .into())
        }
    };
    let mut only = Object::new();
    only.insert(var.name.clone(), value.clone());
    let failed = validate(module, var, &only);
    if failed.is_empty() {
        Ok(value)
    } else {
        Err(Diags(failed))
    }
}

/// Each variable's default, evaluated; the defaults that do not evaluate, by name.
fn defaults(stack: &Stack) -> (Raw, Vec<(String, Diag)>) {
    let mut raw = Raw::new();
    let mut errors = Vec::new();
    let empty = BTreeMap::new();
    let no_vars = Object::new();
    for (name, var) in &stack.variables {
        if let Some(default) = &var.default {
            let scope = Scope::new(stack, &no_vars, &empty);
            match scope.eval(default) {
                Ok(v) => {
                    raw.insert(name.clone(), (v, Origin::Default));
                }
                Err(d) => errors.push((name.clone(), d)),
            }
        }
    }
    (raw, errors)
}

/// Converts every value to its variable's type and runs the validation rules; a
/// variable with no value is an error.
fn finish(stack: &Stack, mut raw: Raw) -> Result<Object, Diags> {
    let mut errors = Vec::new();
    let mut out = Object::new();
    for (name, var) in &stack.variables {
        match raw.remove(name) {
            None => errors.push(
                Diag::at(
                    &var.span,
                    format!("no value for required variable \"{name}\""),
                    "declared here without a default",
                )
                .with_help(format!(
                    "pass --var {name}=..., set RECON_VAR_{name}, or add it to a .tfvars file"
                )),
            ),
            Some((value, origin)) => {
                let type_name = value.type_name();
                match convert(var, value) {
                    Ok(v) => {
                        out.insert(name.clone(), v);
                    }
                    // The message of a conversion may quote the value: a
                    // sensitive one is described by its type alone.
                    Err(_) if var.sensitive => errors.push(at_origin(
                        var,
                        &origin,
                        format!(
                            "invalid value for sensitive variable \"{name}\": a {} value is required, got a {type_name} (the value is not shown)",
                            var.ty
                        ),
                    )),
                    Err(msg) => errors.push(at_origin(
                        var,
                        &origin,
                        format!("invalid value for variable \"{name}\": {msg}"),
                    )),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(Diags(errors));
    }
    for var in stack.variables.values() {
        errors.extend(validate(stack, var, &out));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diags(errors))
    }
}

fn undeclared_flag(stack: &Stack, name: &str) -> Diag {
    let d = Diag::plain(format!(
        "--var {name}: the stack declares no variable \"{name}\""
    ));
    match did_you_mean(name, stack.variables.keys().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
        None => d.with_help("declare it with a variable block first"),
    }
}

/// An error about a variable's value, where the value was set. The source of a
/// sensitive value is not shown, nor the lines around a value in a variables
/// file (they may hold secrets).
fn at_origin(var: &Variable, origin: &Origin, message: String) -> Diag {
    match origin {
        Origin::File(span) | Origin::Argument(span) if var.sensitive => {
            Diag::at_secret(span, message)
        }
        Origin::Default if var.sensitive => Diag::at_secret(&var.span, message),
        Origin::File(span) => Diag::at(span, message, "this value").without_context(),
        Origin::Argument(span) => Diag::at(span, message, "this value"),
        Origin::Default => Diag::at(&var.span, message, "default of this variable"),
        Origin::Env(what) | Origin::Flag(what) => Diag::plain(format!("{what}: {message}")),
    }
}

/// A string from the command line: literal for string variables, HCL otherwise.
fn parse_raw(var: &Variable, text: &str) -> Result<Value, String> {
    use super::types::TypeConstraint;
    if var.ty == TypeConstraint::String {
        return Ok(Value::String(text.to_string()));
    }
    match hcl_edit::parser::parse_expr(text)
        .ok()
        .as_ref()
        .and_then(literal)
    {
        Some(v) => Ok(v),
        None if var.ty == TypeConstraint::Any => Ok(Value::String(text.to_string())),
        None if var.sensitive => Err(format!(
            "cannot parse the value as a {} (the variable is sensitive: the value is not shown)",
            var.ty
        )),
        None => Err(format!("cannot parse {text:?} as a {} value", var.ty)),
    }
}

fn convert(var: &Variable, value: Value) -> Result<Value, String> {
    if value.is_null() && !var.nullable {
        return Err("the variable is not nullable".to_string());
    }
    var.ty.convert(value)
}

fn validate(stack: &Stack, var: &Variable, vars: &Object) -> Vec<Diag> {
    let empty = BTreeMap::new();
    let scope = Scope::new(stack, vars, &empty);
    let mut errors = Vec::new();
    for rule in &var.validations {
        match scope.eval(&rule.condition) {
            Ok(Value::Bool(true)) | Ok(Value::Unknown) => {}
            Ok(Value::Bool(false)) => errors.push(Diag::at(
                &rule.condition.span(),
                format!(
                    "invalid value for variable \"{}\": {}",
                    var.name, rule.error_message
                ),
                "this validation rule failed",
            )),
            Ok(other) => errors.push(Diag::at(
                &rule.condition.span(),
                format!(
                    "a validation condition must be a bool, got {}",
                    other.type_name()
                ),
                "here",
            )),
            // The error may quote the value.
            Err(_) if var.sensitive => errors.push(Diag::at(
                &rule.condition.span(),
                format!(
                    "the validation rule of sensitive variable \"{}\" failed to evaluate (the value is not shown)",
                    var.name
                ),
                "this validation rule",
            )),
            Err(d) => errors.push(d),
        }
    }
    errors
}

/// `name = value` pairs of a tfvars file.
/// A `.tfvars.json` file (one JSON object) as the HCL attributes it means;
/// any other file as it is.
fn tfvars_text(path: &Path, text: String) -> Result<String, Diags> {
    if path.extension().and_then(|e| e.to_str()) != Some("json") {
        return Ok(text);
    }
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Diag::plain(format!(
            "malformed variables file {}: {e}",
            display_path(path)
        ))
    })?;
    let Some(map) = json.as_object() else {
        return Err(Diag::plain(format!(
            "variables file {} must hold one JSON object",
            display_path(path)
        ))
        .into());
    };
    let mut out = String::new();
    for (k, v) in map {
        // JSON is HCL expression syntax, but for template sequences.
        let value = serde_json::to_string(v)
            .unwrap_or_default()
            .replace("${", "$${")
            .replace("%{", "%%{");
        out.push_str(&format!("{k} = {value}\n"));
    }
    Ok(out)
}

fn read_tfvars(stack: &Stack, path: &Path) -> Result<Vec<(String, Value, Span)>, Diags> {
    let text = crate::diag::read_text(path, "variables file ")?;
    let file = Arc::new(SourceFile {
        name: display_path(path),
        path: path.to_path_buf(),
        text: Arc::new(tfvars_text(path, text)?),
    });
    let body = hcl_edit::parser::parse_body(&file.text).map_err(|e| {
        let at = e.location().offset();
        // Any line of the file may be a secret, the one at fault too: its place only.
        Diag::at_secret(
            &Span::new(&file, Some(at..at + 1)),
            format!("malformed variables file: {}", e.message()),
        )
    })?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for structure in body {
        match structure {
            Structure::Attribute(attr) => {
                let name = attr.key.as_str().to_string();
                let span = Span::new(&file, attr.value.span());
                if !stack.variables.contains_key(&name) {
                    let key_span = Span::new(&file, attr.key.span());
                    // Its line only names the place: the value may be a
                    // secret under a misspelt name.
                    let d = Diag::at_secret(
                        &key_span,
                        format!("value for undeclared variable \"{name}\""),
                    );
                    errors.push(
                        match did_you_mean(&name, stack.variables.keys().map(String::as_str)) {
                            Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                            None => d.with_help("declare it with a variable block, or remove it"),
                        },
                    );
                    continue;
                }
                let sensitive = stack.variables.get(&name).is_some_and(|v| v.sensitive);
                match literal(&attr.value) {
                    Some(v) => out.push((name, v, span)),
                    None if sensitive => errors.push(Diag::at_secret(
                        &span,
                        format!("variables files hold literal values only; the value of sensitive variable \"{name}\" is not one"),
                    )),
                    None => errors.push(
                        Diag::at(
                            &span,
                            "variables files hold literal values only",
                            "not a literal",
                        )
                        .without_context(),
                    ),
                }
            }
            Structure::Block(b) => errors.push(
                Diag::at(
                    &Span::new(&file, b.ident.span()),
                    "blocks are not allowed in a variables file",
                    "here",
                )
                .without_context(),
            ),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diags(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(src: &str) -> Stack {
        Stack::from_sources(Path::new("."), vec![("main.hcl".into(), src.to_string())]).unwrap()
    }

    const SRC: &str = r#"
variable "size" {
  type    = number
  default = 8
  validation {
    condition     = var.size >= 8
    error_message = "size must be at least 8 GiB"
  }
}
variable "name" { type = string }
"#;

    #[test]
    fn flags_beat_env_and_defaults_and_convert_types() {
        let s = stack(SRC);
        let inputs = VarInputs {
            flags: vec!["size=16".into(), "name=web".into()],
            env: vec![("size".into(), "12".into())],
            ..Default::default()
        };
        let vars = resolve(&s, &inputs).unwrap();
        assert_eq!(vars["size"], Value::Number(16.0));
        assert_eq!(vars["name"], Value::from("web"));
    }

    #[test]
    fn missing_required_variable_says_how_to_set_it() {
        let err = resolve(&stack(SRC), &VarInputs::default()).unwrap_err();
        assert_eq!(err.0[0].message, "no value for required variable \"name\"");
        assert!(err.0[0].help.as_deref().unwrap().contains("--var name="));
    }

    #[test]
    fn module_arguments_set_variables_and_a_missing_one_is_unknown() {
        let s = stack(SRC);
        let file = s.files[0].clone();
        let at = Span::new(&file, Some(0..1));
        let (vars, missing) =
            resolve_arguments(&s, vec![("size".into(), Value::from("16"), at.clone())]).unwrap();
        assert_eq!(vars["size"], Value::Number(16.0));
        assert_eq!(vars["name"], Value::Unknown);
        assert_eq!(missing, ["name"]);
        let err = resolve_arguments(&s, vec![("size".into(), Value::Number(2.0), at)]).unwrap_err();
        assert_eq!(
            err.0[0].message,
            "invalid value for variable \"size\": size must be at least 8 GiB"
        );
    }

    #[test]
    fn null_for_a_non_nullable_module_variable_means_its_default() {
        let s = stack("variable \"size\" {\n  default  = 8\n  nullable = false\n}\nvariable \"tag\" {\n  default = \"x\"\n}\n");
        let at = Span::new(&s.files[0], Some(0..1));
        let args = vec![
            ("size".into(), Value::Null, at.clone()),
            ("tag".into(), Value::Null, at),
        ];
        let (vars, _) = resolve_arguments(&s, args).unwrap();
        assert_eq!(vars["size"], Value::Number(8.0));
        assert_eq!(vars["tag"], Value::Null);
    }

    #[test]
    fn validation_rules_are_enforced() {
        let inputs = VarInputs {
            flags: vec!["size=4".into(), "name=x".into()],
            ..Default::default()
        };
        let err = resolve(&stack(SRC), &inputs).unwrap_err();
        assert_eq!(
            err.0[0].message,
            "invalid value for variable \"size\": size must be at least 8 GiB"
        );
    }

    #[test]
    fn wrong_type_is_reported() {
        let inputs = VarInputs {
            flags: vec!["size=big".into(), "name=x".into()],
            ..Default::default()
        };
        let err = resolve(&stack(SRC), &inputs).unwrap_err();
        assert!(
            err.0[0].message.contains("--var size"),
            "{}",
            err.0[0].message
        );
    }

    #[test]
    fn tfvars_files_sit_between_env_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prod.tfvars");
        std::fs::write(&file, "size = 32\nname = \"from-file\"\n").unwrap();
        let inputs = VarInputs {
            flags: vec!["name=from-flag".into()],
            files: vec![file.clone()],
            env: vec![("size".into(), "12".into())],
        };
        let vars = resolve(&stack(SRC), &inputs).unwrap();
        assert_eq!(vars["size"], Value::Number(32.0));
        assert_eq!(vars["name"], Value::from("from-flag"));

        std::fs::write(&file, "sise = 32\n").unwrap();
        let err = resolve(
            &stack(SRC),
            &VarInputs {
                files: vec![file],
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            err.0[0]
                .message
                .ends_with("value for undeclared variable \"sise\""),
            "{}",
            err.0[0].message
        );
        assert_eq!(err.0[0].help.as_deref(), Some("did you mean \"size\"?"));
    }

    const SECRET_SRC: &str = r#"
variable "pin" {
  type      = number
  sensitive = true
}
variable "token" {
  type      = string
  sensitive = true
  default   = "x"
}
variable "key" {
  sensitive = true
  default   = "x"
}
"#;

    #[test]
    fn a_type_error_on_a_sensitive_variable_does_not_repeat_the_value() {
        let s = stack(SECRET_SRC);
        for inputs in [
            VarInputs {
                flags: vec!["pin=hunter2-flag".into()],
                ..Default::default()
            },
            VarInputs {
                env: vec![("pin".into(), "hunter2-env".into())],
                ..Default::default()
            },
        ] {
            let err = resolve(&s, &inputs).unwrap_err();
            let text: String = err.0.iter().map(|d| d.render(false)).collect();
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains("pin"), "{text}");
        }
    }

    #[test]
    fn a_variables_file_error_shows_neither_the_secret_nor_the_lines_around_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prod.tfvars");
        std::fs::write(
            &file,
            "token = \"hunter2-above\"\npin = \"hunter2-pin\"\nsise = 3\nkey = \"hunter2-below\"\n",
        )
        .unwrap();
        let inputs = VarInputs {
            files: vec![file],
            ..Default::default()
        };
        let err = resolve(&stack(SECRET_SRC), &inputs).unwrap_err();
        // The undeclared `sise`: its line only.
        let text: String = err.0.iter().map(|d| d.render(false)).collect();
        assert!(text.contains("sise"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        // The wrong type of `pin`: its place, not its value.
        std::fs::write(
            dir.path().join("prod.tfvars"),
            "token = \"hunter2-above\"\npin = \"hunter2-pin\"\n",
        )
        .unwrap();
        let inputs = VarInputs {
            files: vec![dir.path().join("prod.tfvars")],
            ..Default::default()
        };
        let err = resolve(&stack(SECRET_SRC), &inputs).unwrap_err();
        let text: String = err.0.iter().map(|d| d.render(false)).collect();
        assert!(text.contains("prod.tfvars:2:7"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        // A syntax error: its place, not the line (a secret, unterminated).
        std::fs::write(
            dir.path().join("prod.tfvars"),
            "token = \"hunter2-above\"\nkey = \"hunter2-open\n",
        )
        .unwrap();
        let err = resolve(&stack(SECRET_SRC), &inputs).unwrap_err();
        let text: String = err.0.iter().map(|d| d.render(false)).collect();
        assert!(text.contains("malformed variables file"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
