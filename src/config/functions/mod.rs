//! The built-in functions of the stack language, with Terraform's names, arguments,
//! results and (mostly) error messages, over [`Value`].
//!
//! `try`, `can` and `templatefile` take expressions rather than values, so the
//! evaluator implements them.
//!
//! Unknown values: a function returns Unknown when an argument it needs is not known
//! yet. Functions registered with `handles_unknowns` look inside their arguments and
//! answer where Terraform can (the length of a list whose elements are unknown, the
//! first known argument of coalesce, ...). `Value::Unknown` carries no type, so where
//! Terraform would use the type of an unknown value (flatten of an unknown element)
//! the result stays Unknown.

use crate::value::{format_number, Object, Value};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::Path;

mod collection;
mod conversion;
mod encoding;
mod file;
mod format;
mod json;
mod network;
mod numeric;
mod string;
#[cfg(test)]
mod tests;
mod time;

use self::{
    collection::*, conversion::*, encoding::*, file::*, format::*, json::*, network::*, numeric::*,
    string::*, time::*,
};

/// What a function call may depend on besides its arguments.
pub struct FnContext<'a> {
    /// The stack directory: relative file paths start here.
    pub base_dir: &'a Path,
}

/// Calls the built-in function `name`. Errors are messages that start with the
/// function's name, e.g. `join: argument 1 (separator) must be a string, got list`.
pub fn call(name: &str, args: Vec<Value>, ctx: &FnContext) -> Result<Value, String> {
    let func = FUNCS
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| format!("there is no function named \"{name}\""))?;
    func.call(args, ctx)
        .and_then(|v| super::limits::check_size(&v).map(|()| v))
        .map_err(|e| format!("{name}: {e}"))
}

pub fn is_known_function(name: &str) -> bool {
    FUNCS.iter().any(|f| f.name == name)
}

/// Every function name, for "did you mean" suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCS.iter().map(|f| f.name)
}

// ---------------------------------------------------------------------------
// The table and the generic argument checks
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ty {
    Str,
    Num,
    List,
    Map,
    Any,
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::Num => "a number",
            Ty::List => "a list",
            Ty::Map => "a map or object",
            Ty::Any => "a value",
        }
    }
}

#[derive(Clone, Copy)]
struct Param {
    name: &'static str,
    ty: Ty,
    nullable: bool,
}

const fn p(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        nullable: false,
    }
}

const fn nullable(name: &'static str, ty: Ty) -> Param {
    Param {
        name,
        ty,
        nullable: true,
    }
}

type Impl = fn(&[Value], &FnContext) -> Result<Value, String>;

struct Func {
    name: &'static str,
    params: &'static [Param],
    /// How many trailing `params` may be left out.
    optional: usize,
    variadic: Option<Param>,
    /// False: any Unknown anywhere in the arguments makes the result Unknown before
    /// the implementation runs. True: the implementation decides.
    handles_unknowns: bool,
    imp: Impl,
}

const fn func(name: &'static str, params: &'static [Param], imp: Impl) -> Func {
    Func {
        name,
        params,
        optional: 0,
        variadic: None,
        handles_unknowns: false,
        imp,
    }
}

impl Func {
    const fn optional(self, n: usize) -> Func {
        Func {
            optional: n,
            ..self
        }
    }

    const fn variadic(self, param: Param) -> Func {
        Func {
            variadic: Some(param),
            ..self
        }
    }

    const fn handles_unknowns(self) -> Func {
        Func {
            handles_unknowns: true,
            ..self
        }
    }

    fn signature(&self) -> String {
        let required = self.params.len() - self.optional;
        let mut parts: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i < required {
                    p.name.to_string()
                } else {
                    format!("[{}]", p.name)
                }
            })
            .collect();
        if let Some(v) = &self.variadic {
            parts.push(format!("{}...", v.name));
        }
        format!("{}({})", self.name, parts.join(", "))
    }

    fn call(&self, mut args: Vec<Value>, ctx: &FnContext) -> Result<Value, String> {
        let min = self.params.len() - self.optional;
        let max = if self.variadic.is_some() {
            None
        } else {
            Some(self.params.len())
        };
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let expected = match max {
                Some(m) if m == min => format!("exactly {}", plural(m, "argument")),
                Some(m) => format!("{min} to {m} arguments"),
                None => format!("at least {}", plural(min, "argument")),
            };
            return Err(format!(
                "expects {expected}, as in {}, but got {}",
                self.signature(),
                args.len()
            ));
        }
        for (i, arg) in args.iter_mut().enumerate() {
            if let Some(param) = self.params.get(i).or(self.variadic.as_ref()) {
                check_arg(param, i, arg)?;
            }
        }
        if !self.handles_unknowns && args.iter().any(|a| !a.is_wholly_known()) {
            return Ok(Value::Unknown);
        }
        (self.imp)(&args, ctx)
    }
}

/// Checks one argument against its parameter and converts it the way Terraform's
/// automatic conversions do (number or bool -> string, "5" -> 5).
fn check_arg(param: &Param, index: usize, arg: &mut Value) -> Result<(), String> {
    let what = || format!("argument {} ({})", index + 1, param.name);
    match arg {
        Value::Unknown => return Ok(()),
        Value::Null if param.nullable => return Ok(()),
        Value::Null => return Err(format!("{} must not be null", what())),
        _ => {}
    }
    let converted = match (param.ty, &*arg) {
        (Ty::Any, _)
        | (Ty::Str, Value::String(_))
        | (Ty::Num, Value::Number(_))
        | (Ty::List, Value::List(_))
        | (Ty::Map, Value::Object(_)) => return Ok(()),
        (Ty::Str, other) => primitive_string(other).map(Value::String),
        (Ty::Num, Value::String(s)) => parse_number(s).map(Value::Number),
        _ => None,
    };
    match converted {
        Some(v) => {
            *arg = v;
            Ok(())
        }
        None => Err(format!(
            "{} must be {}, got {}",
            what(),
            param.ty.describe(),
            describe(arg)
        )),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A value's type for error messages, with the value itself when it is short.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 40 => format!("string {s:?}"),
        Value::Number(n) => format!("number {}", format_number(*n)),
        other => other.type_name().to_string(),
    }
}

fn primitive_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Terraform converts only decimal notation to numbers: no "inf", "nan", hex or spaces.
fn parse_number(s: &str) -> Option<f64> {
    let plausible = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !plausible {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

// Accessors for arguments already converted by `check_arg`.
fn str_arg(args: &[Value], i: usize) -> &str {
    args[i].as_str().unwrap_or_default()
}

fn num_arg(args: &[Value], i: usize) -> f64 {
    args[i].as_f64().unwrap_or_default()
}

fn list_arg(args: &[Value], i: usize) -> &[Value] {
    args[i].as_list().unwrap_or_default()
}

fn whole(n: f64, what: &str) -> Result<i64, String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return Err(format!(
            "{what} must be a whole number, got {}",
            format_number(n)
        ));
    }
    if n.abs() > 9.0e15 {
        return Err(format!("{what} {} is too large", format_number(n)));
    }
    Ok(n as i64)
}

use Ty::{Any, List, Map, Num, Str};

static FUNCS: &[Func] = &[
    // Date and time: the time of evaluation (plan, then again at apply), as Terraform
    // gives the time of apply; a change each plan, as in Terraform.
    func("timestamp", &[], |_, _| {
        Ok(Value::String(utc_now_rfc3339()))
    }),
    // Numbers
    func("abs", &[p("num", Num)], |a, _| {
        Ok(Value::Number(num_arg(a, 0).abs()))
    }),
    func("ceil", &[p("num", Num)], |a, _| {
        Ok(Value::Number(num_arg(a, 0).ceil()))
    }),
    func("floor", &[p("num", Num)], |a, _| {
        Ok(Value::Number(num_arg(a, 0).floor()))
    }),
    func("signum", &[p("num", Num)], signum),
    func("pow", &[p("num", Num), p("power", Num)], pow),
    func("min", &[], min).variadic(p("numbers", Num)),
    func("max", &[], max).variadic(p("numbers", Num)),
    func("parseint", &[p("number", Any), p("base", Num)], parseint),
    func("sum", &[p("list", List)], sum),
    func("range", &[], range).variadic(p("params", Num)),
    // Strings
    func("format", &[p("format", Str)], format).variadic(nullable("args", Any)),
    func("formatlist", &[p("format", Str)], formatlist)
        .variadic(nullable("args", Any))
        .handles_unknowns(),
    func("join", &[p("separator", Str)], join).variadic(p("lists", List)),
    func("split", &[p("separator", Str), p("str", Str)], split),
    func("upper", &[p("str", Str)], |a, _| {
        Ok(Value::String(str_arg(a, 0).to_uppercase()))
    }),
    func("lower", &[p("str", Str)], |a, _| {
        Ok(Value::String(str_arg(a, 0).to_lowercase()))
    }),
    func("title", &[p("str", Str)], |a, _| {
        Ok(Value::String(title(str_arg(a, 0))))
    }),
    func("trimspace", &[p("str", Str)], |a, _| {
        Ok(Value::str(str_arg(a, 0).trim()))
    }),
    func("trim", &[p("str", Str), p("cutset", Str)], trim),
    func("trimprefix", &[p("str", Str), p("prefix", Str)], trimprefix),
    func("trimsuffix", &[p("str", Str), p("suffix", Str)], trimsuffix),
    func(
        "replace",
        &[p("str", Str), p("substr", Str), p("replace", Str)],
        replace,
    ),
    func(
        "substr",
        &[p("str", Str), p("offset", Num), p("length", Num)],
        substr,
    ),
    func("startswith", &[p("str", Str), p("prefix", Str)], |a, _| {
        Ok(Value::Bool(str_arg(a, 0).starts_with(str_arg(a, 1))))
    }),
    func("endswith", &[p("str", Str), p("suffix", Str)], |a, _| {
        Ok(Value::Bool(str_arg(a, 0).ends_with(str_arg(a, 1))))
    }),
    func("strrev", &[p("str", Str)], |a, _| {
        Ok(Value::String(str_arg(a, 0).chars().rev().collect()))
    }),
    // Terraform's chomp strips every trailing newline, \r\n or \r.
    func("chomp", &[p("str", Str)], |a, _| {
        Ok(Value::str(str_arg(a, 0).trim_end_matches(['\r', '\n'])))
    }),
    func("indent", &[p("spaces", Num), p("str", Str)], indent),
    // Collections
    func("length", &[p("value", Any)], length).handles_unknowns(),
    func("element", &[p("list", List), p("index", Num)], element).handles_unknowns(),
    func("index", &[p("list", List), p("value", Any)], index).handles_unknowns(),
    func("contains", &[p("list", List), p("value", Any)], contains).handles_unknowns(),
    func(
        "lookup",
        &[p("inputMap", Map), p("key", Str), nullable("default", Any)],
        lookup,
    )
    .optional(1)
    .handles_unknowns(),
    func("merge", &[], merge)
        .variadic(nullable("maps", Map))
        .handles_unknowns(),
    func("concat", &[], concat)
        .variadic(p("seqs", List))
        .handles_unknowns(),
    func("keys", &[p("inputMap", Map)], keys).handles_unknowns(),
    func("values", &[p("mapping", Map)], values).handles_unknowns(),
    func("coalesce", &[], coalesce)
        .variadic(nullable("vals", Any))
        .handles_unknowns(),
    func("coalescelist", &[], coalescelist)
        .variadic(nullable("vals", Any))
        .handles_unknowns(),
    func("distinct", &[p("list", List)], distinct),
    func("flatten", &[p("list", List)], flatten).handles_unknowns(),
    func("zipmap", &[p("keys", List), p("values", List)], zipmap).handles_unknowns(),
    func(
        "slice",
        &[p("list", List), p("start_index", Num), p("end_index", Num)],
        slice,
    )
    .handles_unknowns(),
    func("reverse", &[p("list", List)], reverse).handles_unknowns(),
    func("sort", &[p("list", List)], sort),
    func("one", &[p("list", List)], one).handles_unknowns(),
    func("compact", &[p("list", List)], compact),
    func("setunion", &[p("first_set", List)], setunion).variadic(p("other_sets", List)),
    func("setintersection", &[p("first_set", List)], setintersection)
        .variadic(p("other_sets", List)),
    func("setsubtract", &[p("a", List), p("b", List)], setsubtract),
    // Type conversions
    func("tostring", &[nullable("v", Any)], tostring).handles_unknowns(),
    func("tonumber", &[nullable("v", Any)], tonumber).handles_unknowns(),
    func("tobool", &[nullable("v", Any)], tobool).handles_unknowns(),
    func("tolist", &[nullable("v", Any)], tolist).handles_unknowns(),
    func("toset", &[nullable("v", Any)], toset).handles_unknowns(),
    func("tomap", &[nullable("v", Any)], tomap).handles_unknowns(),
    // Encoding and hashing
    func("jsonencode", &[nullable("val", Any)], |a, _| {
        Ok(Value::String(json_text(&a[0])))
    }),
    func("jsondecode", &[p("str", Str)], jsondecode),
    func("base64encode", &[p("str", Str)], |a, _| {
        Ok(Value::String(BASE64.encode(str_arg(a, 0).as_bytes())))
    }),
    func("base64decode", &[p("str", Str)], base64decode),
    func("sha256", &[p("str", Str)], |a, _| {
        Ok(Value::String(sha256_hex(str_arg(a, 0).as_bytes())))
    }),
    func("base64sha256", &[p("str", Str)], |a, _| {
        Ok(Value::String(
            BASE64.encode(Sha256::digest(str_arg(a, 0).as_bytes())),
        ))
    }),
    // Files
    func("file", &[p("path", Str)], file),
    func("fileexists", &[p("path", Str)], fileexists),
    func("filebase64", &[p("path", Str)], |a, ctx| {
        Ok(Value::String(BASE64.encode(read_file(ctx, str_arg(a, 0))?)))
    }),
    func("filesha256", &[p("path", Str)], |a, ctx| {
        Ok(Value::String(sha256_hex(&read_file(ctx, str_arg(a, 0))?)))
    }),
    func("filebase64sha256", &[p("path", Str)], |a, ctx| {
        Ok(Value::String(
            BASE64.encode(Sha256::digest(read_file(ctx, str_arg(a, 0))?)),
        ))
    }),
    // Networks
    func(
        "cidrsubnet",
        &[p("prefix", Str), p("newbits", Num), p("netnum", Num)],
        cidrsubnet,
    ),
    func("cidrhost", &[p("prefix", Str), p("hostnum", Num)], cidrhost),
    func("cidrnetmask", &[p("prefix", Str)], cidrnetmask),
];
