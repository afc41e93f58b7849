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

use super::cidr::{format_addr, host_mask, Network};
use crate::value::{format_number, Object, Value};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::iter::Peekable;
use std::path::{Path, PathBuf};
use std::str::CharIndices;

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

/// The current UTC time as RFC 3339 (`2026-12-05T14:02:09Z`), Terraform's format.
fn utc_now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339(secs)
}

/// Seconds since the Unix epoch as an RFC 3339 UTC time (days to a civil date by
/// Howard Hinnant's algorithm: no time crate for one function).
fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

fn signum(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let n = num_arg(args, 0);
    Ok(Value::Number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

fn pow(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (base, power) = (num_arg(args, 0), num_arg(args, 1));
    let result = base.powf(power);
    if result.is_nan() {
        return Err(format!(
            "{} to the power of {} is not a real number",
            format_number(base),
            format_number(power)
        ));
    }
    Ok(Value::Number(result))
}

fn min(args: &[Value], _: &FnContext) -> Result<Value, String> {
    extreme(args, f64::min)
}

fn max(args: &[Value], _: &FnContext) -> Result<Value, String> {
    extreme(args, f64::max)
}

fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> Result<Value, String> {
    let mut numbers = args.iter().filter_map(Value::as_f64);
    let first = numbers.next().ok_or("must pass at least one number")?;
    Ok(Value::Number(numbers.fold(first, pick)))
}

fn parseint(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let Value::String(text) = &args[0] else {
        return Err(format!(
            "the first argument must be a string, got {}",
            describe(&args[0])
        ));
    };
    let base = num_arg(args, 1);
    if base.fract() != 0.0 || !(2.0..=62.0).contains(&base) {
        return Err("base must be a whole number between 2 and 62 inclusive".into());
    }
    let base = base as u32;
    let fail = || format!("cannot parse {text:?} as a base {base} integer");
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text.as_str()),
    };
    if digits.is_empty() {
        return Err(fail());
    }
    // Exact while it fits in u128; beyond that the f64 result is approximate anyway.
    let mut exact: Option<u128> = Some(0);
    let mut approx = 0f64;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return Err(fail()),
        };
        if d >= base {
            return Err(fail());
        }
        exact = exact
            .and_then(|n| n.checked_mul(base as u128))
            .and_then(|n| n.checked_add(d as u128));
        approx = approx * base as f64 + d as f64;
    }
    let magnitude = exact.map(|n| n as f64).unwrap_or(approx);
    Ok(Value::Number(if negative { -magnitude } else { magnitude }))
}

fn sum(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let list = list_arg(args, 0);
    if list.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    let mut total = 0.0;
    for (i, item) in list.iter().enumerate() {
        let n = match item {
            Value::Number(n) => *n,
            Value::String(s) => parse_number(s)
                .ok_or_else(|| format!("element {i} must be a number, got {}", describe(item)))?,
            other => {
                return Err(format!(
                    "element {i} must be a number, got {}",
                    describe(other)
                ))
            }
        };
        total += n;
    }
    Ok(Value::Number(total))
}

fn range(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let n: Vec<f64> = args.iter().filter_map(Value::as_f64).collect();
    let (start, limit, step) = match n[..] {
        [limit] => (0.0, limit, if limit < 0.0 { -1.0 } else { 1.0 }),
        [start, limit] => (start, limit, if limit < start { -1.0 } else { 1.0 }),
        [start, limit, step] => (start, limit, step),
        _ => {
            return Err(format!(
                "expects one, two or three arguments, as in range(limit), range(start, limit) \
                 or range(start, limit, step), but got {}",
                args.len()
            ))
        }
    };
    if step == 0.0 {
        return Err("step must not be zero".into());
    }
    if step < 0.0 && limit > start {
        return Err("limit must be less than start when step is negative".into());
    }
    if step > 0.0 && limit < start {
        return Err("limit must be greater than start when step is positive".into());
    }
    // Terraform adds in exact decimals: range(0, 1, 0.1) has 0.3, not 0.30000000000000004.
    let places = decimal_places(start).max(decimal_places(step));
    let mut out = Vec::new();
    for i in 0.. {
        let raw = start + step * i as f64;
        let value = format!("{raw:.places$}").parse::<f64>().unwrap_or(raw);
        if (step > 0.0 && value >= limit) || (step < 0.0 && value <= limit) {
            break;
        }
        if out.len() == 1024 {
            return Err(
                "more than 1024 values were generated; either decrease the difference \
                        between start and limit or use a larger step"
                    .into(),
            );
        }
        out.push(Value::Number(value));
    }
    Ok(Value::List(out))
}

fn decimal_places(n: f64) -> usize {
    let text = format_number(n);
    text.split_once('.')
        .map_or(0, |(_, frac)| frac.len().min(17))
}

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

fn join(args: &[Value], _: &FnContext) -> Result<Value, String> {
    if args.len() < 2 {
        return Err("at least one list is required, as in join(\", \", [\"a\", \"b\"])".into());
    }
    let mut parts = Vec::new();
    for (li, list) in args[1..].iter().enumerate() {
        for (ei, item) in list.as_list().unwrap_or_default().iter().enumerate() {
            match primitive_string(item) {
                Some(s) => parts.push(s),
                None if item.is_null() => {
                    return Err(format!("element {ei} of argument {} is null", li + 2))
                }
                None => {
                    return Err(format!(
                        "element {ei} of argument {} must be a string, got {}",
                        li + 2,
                        item.type_name()
                    ))
                }
            }
        }
    }
    Ok(Value::String(parts.join(str_arg(args, 0))))
}

fn split(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (sep, text) = (str_arg(args, 0), str_arg(args, 1));
    // Go's strings.Split: an empty separator splits into characters.
    let parts: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        text.split(sep).map(Value::str).collect()
    };
    Ok(Value::List(parts))
}

/// Go's strings.Title, which Terraform uses: upper-cases every letter that follows
/// a separator (anything but a letter, digit or underscore).
fn title(s: &str) -> String {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !c.is_alphanumeric() && c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut after_separator = true;
    for c in s.chars() {
        if after_separator {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        after_separator = is_separator(c);
    }
    out
}

fn trim(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let cutset = str_arg(args, 1);
    Ok(Value::str(
        str_arg(args, 0).trim_matches(|c| cutset.contains(c)),
    ))
}

fn trimprefix(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, prefix) = (str_arg(args, 0), str_arg(args, 1));
    Ok(Value::str(s.strip_prefix(prefix).unwrap_or(s)))
}

fn trimsuffix(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, suffix) = (str_arg(args, 0), str_arg(args, 1));
    Ok(Value::str(s.strip_suffix(suffix).unwrap_or(s)))
}

fn replace(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, substr, with) = (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2));
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        return Err(format!(
            "{substr} is a regular expression, which recon does not support yet; \
             pass the plain text to replace instead"
        ));
    }
    Ok(Value::String(s.replace(substr, with)))
}

fn substr(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let chars: Vec<char> = str_arg(args, 0).chars().collect();
    let len = chars.len() as i64;
    let mut offset = whole(num_arg(args, 1), "offset")?;
    let length = whole(num_arg(args, 2), "length")?;
    // A negative offset counts from the end; one past either end is clamped.
    if offset < 0 {
        offset = (offset + len).max(0);
    }
    if offset >= len {
        return Ok(Value::str(""));
    }
    let rest = &chars[offset as usize..];
    let take = if length < 0 {
        rest.len()
    } else {
        rest.len().min(length as usize)
    };
    Ok(Value::String(rest[..take].iter().collect()))
}

fn indent(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let spaces = whole(num_arg(args, 0), "spaces")?;
    if spaces < 0 {
        return Err(format!("spaces must not be negative, got {spaces}"));
    }
    let text = str_arg(args, 1);
    let max = super::limits::MAX_STRING;
    let lines = text.matches('\n').count() as f64;
    if text.len() as f64 + lines * spaces as f64 > max as f64 {
        return Err(format!(
            "the result would be longer than the {max} characters recon allows in a string"
        ));
    }
    let pad = format!("\n{}", " ".repeat(spaces as usize));
    Ok(Value::String(text.replace('\n', &pad)))
}

// ---------------------------------------------------------------------------
// format and formatlist: Terraform's printf dialect (cty's format function)
// ---------------------------------------------------------------------------

fn format(args: &[Value], _: &FnContext) -> Result<Value, String> {
    format_values(str_arg(args, 0), &args[1..]).map(Value::String)
}

fn formatlist(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let Value::String(fmt) = &args[0] else {
        return Ok(Value::Unknown);
    };
    let rest = &args[1..];
    let mut length: Option<(usize, usize)> = None;
    for (i, arg) in rest.iter().enumerate() {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) => match length {
                None => length = Some((items.len(), i)),
                Some((len, first)) if len != items.len() => {
                    return Err(format!(
                        "argument {} has length {}, which is inconsistent with argument {} of length {len}",
                        i + 2,
                        items.len(),
                        first + 2
                    ))
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
    let rounds = length.map_or(1, |(len, _)| len);
    let mut out = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let values: Vec<Value> = rest
            .iter()
            .map(|arg| match arg {
                Value::List(items) => items[round].clone(),
                other => other.clone(),
            })
            .collect();
        if values.iter().any(|v| !v.is_wholly_known()) {
            out.push(Value::Unknown);
            continue;
        }
        let text = format_values(fmt, &values)
            .map_err(|e| format!("error on format iteration {round}: {e}"))?;
        out.push(Value::String(text));
    }
    Ok(Value::List(out))
}

#[derive(Default)]
struct Verb<'a> {
    raw: &'a str,
    offset: usize,
    arg: usize,
    mode: char,
    zero: bool,
    sharp: bool,
    plus: bool,
    minus: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn format_values(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = fmt.char_indices().peekable();
    let mut next_arg = 1;
    let mut highest_used = 0;
    while let Some((start, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if let Some((_, '%')) = chars.peek() {
            chars.next();
            out.push('%');
            continue;
        }
        let verb = parse_verb(fmt, start, next_arg, &mut chars)?;
        highest_used = highest_used.max(verb.arg);
        next_arg = verb.arg + 1;
        let arg = args.get(verb.arg - 1).ok_or_else(|| {
            format!(
                "not enough arguments for {:?} at {}: need index {} but have {} total",
                verb.raw,
                verb.offset,
                verb.arg,
                args.len()
            )
        })?;
        out.push_str(&format_one(&verb, arg)?);
    }
    if highest_used < args.len() {
        return Err(format!(
            "too many arguments; only {} used by format string",
            plural(highest_used, "argument")
        ));
    }
    Ok(out)
}

/// Reads one `%[flags][[n]][width][.prec]verb` sequence; `start` is the `%`.
fn parse_verb<'a>(
    fmt: &'a str,
    start: usize,
    next_arg: usize,
    chars: &mut Peekable<CharIndices<'a>>,
) -> Result<Verb<'a>, String> {
    let unterminated = || format!("invalid format string starting at offset {start}");
    let unexpected =
        |(at, c): (usize, char)| format!("unrecognized format character {c:?} at offset {at}");
    let mut verb = Verb {
        offset: start,
        arg: next_arg,
        ..Verb::default()
    };
    while let Some(&(_, c)) = chars.peek() {
        match c {
            '0' => verb.zero = true,
            '#' => verb.sharp = true,
            '-' => verb.minus = true,
            '+' => verb.plus = true,
            ' ' => verb.space = true,
            _ => break,
        }
        chars.next();
    }
    if let Some((_, '[')) = chars.peek() {
        chars.next();
        match read_digits(chars) {
            Some(n) if n > 0 => verb.arg = n,
            _ => return Err(chars.next().map_or_else(unterminated, unexpected)),
        }
        match chars.next() {
            Some((_, ']')) => {}
            Some(other) => return Err(unexpected(other)),
            None => return Err(unterminated()),
        }
    }
    if let Some((_, '1'..='9')) = chars.peek() {
        verb.width = read_digits(chars);
    }
    if let Some((_, '.')) = chars.peek() {
        chars.next();
        verb.prec = Some(read_digits(chars).unwrap_or(0));
    }
    let max = super::limits::MAX_FORMAT_WIDTH;
    if verb.width.into_iter().chain(verb.prec).any(|w| w > max) {
        return Err(format!(
            "the width or precision of the verb at offset {start} is more than the {max} characters recon allows"
        ));
    }
    match chars.next() {
        Some((at, c)) if c.is_ascii_alphabetic() => {
            verb.mode = c;
            verb.raw = &fmt[start..at + 1];
            Ok(verb)
        }
        Some(other) => Err(unexpected(other)),
        None => Err(unterminated()),
    }
}

fn read_digits(chars: &mut Peekable<CharIndices>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c @ '0'..='9')) = chars.peek() {
        n = Some(
            n.unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(c as usize - '0' as usize),
        );
        chars.next();
    }
    n
}

fn format_one(verb: &Verb, arg: &Value) -> Result<String, String> {
    let unsupported = |why: &str| {
        format!(
            "unsupported value for {:?} at {}: {why}",
            verb.raw, verb.offset
        )
    };
    if verb.mode != 'v' && arg.is_null() {
        return Err(unsupported("null value cannot be formatted"));
    }
    let number = || match arg {
        Value::Number(n) => Ok(*n),
        Value::String(s) => parse_number(s).ok_or_else(|| unsupported("a number is required")),
        _ => Err(unsupported("a number is required")),
    };
    match verb.mode {
        'v' => {
            let text = match arg {
                Value::String(s) if !verb.sharp => s.clone(),
                Value::Number(n) if !verb.sharp => go_float_text(*n, 'g', None),
                other => json_text(other),
            };
            Ok(pad_width(verb, text))
        }
        // Terraform ignores width for %t.
        't' => match arg {
            Value::Bool(b) => Ok(b.to_string()),
            Value::String(s) if parse_bool(s).is_some() => Ok(s.clone()),
            _ => Err(unsupported("a bool is required")),
        },
        'b' | 'd' | 'o' | 'x' | 'X' => {
            go_integer(verb, number()?).ok_or_else(|| unsupported("an integer is required"))
        }
        'e' | 'E' | 'f' | 'g' | 'G' => Ok(go_float(verb, number()?)),
        's' | 'q' => {
            let mut text =
                primitive_string(arg).ok_or_else(|| unsupported("a string is required"))?;
            if let Some(prec) = verb.prec.filter(|p| *p > 0) {
                text = text.chars().take(prec).collect();
            }
            if verb.mode == 'q' {
                text = json_text(&Value::String(text));
            }
            Ok(pad_width(verb, text))
        }
        other => Err(format!(
            "unsupported format verb {other:?} in {:?} at offset {}",
            verb.raw, verb.offset
        )),
    }
}

fn pad_width(verb: &Verb, text: String) -> String {
    let len = text.chars().count();
    match verb.width {
        Some(width) if width > len => {
            let pad = if verb.zero { "0" } else { " " }.repeat(width - len);
            if verb.minus {
                text + &pad
            } else {
                pad + &text
            }
        }
        _ => text,
    }
}

/// Go's fmt for a big.Int: `[pad][sign][prefix][zeros][digits][pad]`.
fn go_integer(verb: &Verb, n: f64) -> Option<String> {
    if !n.is_finite() || n.fract() != 0.0 {
        return None;
    }
    let magnitude = n.abs();
    let digits = if magnitude < 3.4e38 {
        let m = magnitude as u128;
        match verb.mode {
            'b' => format!("{m:b}"),
            'o' => format!("{m:o}"),
            'x' => format!("{m:x}"),
            'X' => format!("{m:X}"),
            _ => m.to_string(),
        }
    } else {
        // Beyond u128 only decimal is worth supporting.
        if verb.mode != 'd' {
            return None;
        }
        format!("{magnitude:.0}")
    };
    let prefix = match (verb.sharp, verb.mode) {
        (true, 'b') => "0b",
        (true, 'o') => "0",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let sign = if n < 0.0 {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let mut zeros = 0;
    if let Some(prec) = verb.prec {
        if digits.len() < prec {
            zeros = prec - digits.len();
        } else if digits == "0" && prec == 0 {
            return Some(String::new());
        }
    }
    let (mut left, mut right) = (0, 0);
    let length = sign.len() + prefix.len() + zeros + digits.len();
    if let Some(width) = verb.width.filter(|w| *w > length) {
        let extra = width - length;
        if verb.minus {
            right = extra;
        } else if verb.zero && verb.prec.is_none() {
            zeros = extra;
        } else {
            left = extra;
        }
    }
    Some(format!(
        "{}{sign}{prefix}{}{digits}{}",
        " ".repeat(left),
        "0".repeat(zeros),
        " ".repeat(right)
    ))
}

/// Go's fmt for a big.Float (%e %E %f %g %G), with sign flags and padding.
fn go_float(verb: &Verb, n: f64) -> String {
    let body = go_float_text(n.abs(), verb.mode, verb.prec);
    let sign = if n < 0.0 {
        "-"
    } else if n.is_infinite() {
        if verb.space {
            " "
        } else {
            "+"
        }
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + body.len();
    let padding = verb.width.filter(|w| *w > len).map_or(0, |w| w - len);
    if verb.zero && !n.is_infinite() {
        format!("{sign}{}{body}", "0".repeat(padding))
    } else if verb.minus {
        format!("{sign}{body}{}", " ".repeat(padding))
    } else {
        format!("{}{sign}{body}", " ".repeat(padding))
    }
}

/// big.Float.Text: `mode` is e, E, f, g or G; `prec` None is Go's default (6 for e
/// and f, shortest for g). Negative numbers get a leading '-'.
fn go_float_text(n: f64, mode: char, prec: Option<usize>) -> String {
    let sign = if n < 0.0 { "-" } else { "" };
    let x = n.abs();
    if x.is_infinite() {
        return format!("{}Inf", if n < 0.0 { "-" } else { "+" });
    }
    let body = match mode {
        'f' => format!("{:.*}", prec.unwrap_or(6), x),
        'e' | 'E' => {
            let p = prec.unwrap_or(6);
            let (digits, exp) = decimal_digits(x, Some(p + 1));
            fmt_e(&digits, exp, p, mode == 'E')
        }
        _ => {
            let sig = prec.map(|p| p.max(1));
            let (digits, exp) = decimal_digits(x, sig);
            let mut p = sig.unwrap_or(digits.len());
            let mut eprec = p;
            if eprec > digits.len() && digits.len() as i32 >= exp {
                eprec = digits.len();
            }
            if sig.is_none() {
                eprec = 6;
            }
            let e = exp - 1;
            if e < -4 || e >= eprec as i32 {
                p = p.min(digits.len());
                fmt_e(&digits, exp, p.saturating_sub(1), mode == 'G')
            } else {
                if p as i32 > exp {
                    p = digits.len();
                }
                fmt_f(&digits, exp, (p as i32 - exp).max(0) as usize)
            }
        }
    };
    format!("{sign}{body}")
}

/// The significant decimal digits of `x >= 0` (no trailing zeros) and the position
/// of the decimal point: x = 0.DIGITS × 10^exp. `sig` None means shortest round-trip.
fn decimal_digits(x: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
    if x == 0.0 {
        return (Vec::new(), 0);
    }
    let text = match sig {
        Some(n) => format!("{:.*e}", n.saturating_sub(1), x),
        None => format!("{x:e}"),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

fn fmt_e(digits: &[u8], exp: i32, prec: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(digits.first().map_or('0', |d| *d as char));
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(digits.get(i).map_or('0', |d| *d as char));
        }
    }
    let e = if digits.is_empty() { 0 } else { exp - 1 };
    s.push(if upper { 'E' } else { 'e' });
    s.push(if e < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", e.abs()));
    s
}

fn fmt_f(digits: &[u8], exp: i32, prec: usize) -> String {
    let at = |i: i32| {
        if i >= 0 {
            digits.get(i as usize).map_or('0', |d| *d as char)
        } else {
            '0'
        }
    };
    let mut s = String::new();
    if exp > 0 {
        (0..exp).for_each(|i| s.push(at(i)));
    } else {
        s.push('0');
    }
    if prec > 0 {
        s.push('.');
        (1..=prec as i32).for_each(|i| s.push(at(exp - 1 + i)));
    }
    s
}

// ---------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------

fn length(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let n = match &args[0] {
        Value::Unknown => return Ok(Value::Unknown),
        Value::String(s) => s.chars().count(),
        Value::List(items) => items.len(),
        Value::Object(map) => map.len(),
        other => {
            return Err(format!(
                "argument must be a string, a list or a map, got {}",
                describe(other)
            ))
        }
    };
    Ok(Value::Number(n as f64))
}

fn element(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let index = match &args[1] {
        Value::Number(n) => Some(whole(*n, "index")?),
        _ => None,
    };
    if index.is_some_and(|i| i < 0) {
        return Err("cannot use element function with a negative index".into());
    }
    let (Value::List(list), Some(index)) = (&args[0], index) else {
        return Ok(Value::Unknown);
    };
    if list.is_empty() {
        return Err("cannot use element function with an empty list".into());
    }
    Ok(list[index as usize % list.len()].clone())
}

/// Equality that knows when an Unknown makes the answer unknowable (None).
fn equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Unknown, _) | (_, Value::Unknown) => None,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            all_equal(x.iter().zip(y))
        }
        (Value::Object(x), Value::Object(y)) => {
            if !x.keys().eq(y.keys()) {
                return Some(false);
            }
            all_equal(x.values().zip(y.values()))
        }
        _ => Some(a == b),
    }
}

fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
    let mut unknowable = false;
    for (x, y) in pairs {
        match equal(x, y) {
            Some(false) => return Some(false),
            None => unknowable = true,
            Some(true) => {}
        }
    }
    if unknowable {
        None
    } else {
        Some(true)
    }
}

fn index(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let Value::List(list) = &args[0] else {
        return Ok(Value::Unknown);
    };
    if list.is_empty() {
        return Err("cannot search an empty list".into());
    }
    for (i, item) in list.iter().enumerate() {
        match equal(item, &args[1]) {
            Some(true) => return Ok(Value::Number(i as f64)),
            None => return Ok(Value::Unknown),
            Some(false) => {}
        }
    }
    Err(format!("item {} not found", args[1]))
}

fn contains(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let Value::List(list) = &args[0] else {
        return Ok(Value::Unknown);
    };
    if list.is_empty() {
        return Ok(Value::Bool(false));
    }
    let mut unknowable = false;
    for item in list {
        match equal(item, &args[1]) {
            Some(true) => return Ok(Value::Bool(true)),
            None => unknowable = true,
            Some(false) => {}
        }
    }
    Ok(if unknowable {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

fn lookup(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (Value::Object(map), Value::String(key)) = (&args[0], &args[1]) else {
        return Ok(Value::Unknown);
    };
    match (map.get(key), args.get(2)) {
        (Some(found), _) => Ok(found.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!(
            "the map has no key {key:?}; pass a default as the third argument to use when it is missing"
        )),
    }
}

fn merge(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let mut out = Object::new();
    let mut all_null = !args.is_empty();
    for arg in args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Object(map) => {
                all_null = false;
                out.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {}
        }
    }
    Ok(if all_null {
        Value::Null
    } else {
        Value::Object(out)
    })
}

fn concat(args: &[Value], _: &FnContext) -> Result<Value, String> {
    if args.is_empty() {
        return Err("at least one argument is required".into());
    }
    let mut out = Vec::new();
    for arg in args {
        match arg {
            Value::List(items) => out.extend(items.iter().cloned()),
            _ => return Ok(Value::Unknown),
        }
    }
    Ok(Value::List(out))
}

fn keys(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::Object(map) => Value::List(map.keys().map(|k| Value::str(k.as_str())).collect()),
        _ => Value::Unknown,
    })
}

fn values(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::Object(map) => Value::List(map.values().cloned().collect()),
        _ => Value::Unknown,
    })
}

fn coalesce(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let to_strings = unify(args.iter(), "arguments")?;
    for arg in args {
        let value = match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => continue,
            other if to_strings => {
                primitive_string(other).map_or_else(|| other.clone(), Value::String)
            }
            other => other.clone(),
        };
        if value != Value::str("") {
            return Ok(value);
        }
    }
    Err("no non-null, non-empty-string arguments".into())
}

fn coalescelist(args: &[Value], _: &FnContext) -> Result<Value, String> {
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::List(items) if !items.is_empty() => return Ok(arg.clone()),
            Value::List(_) => {}
            other => {
                return Err(format!(
                    "arguments must be lists, but argument {} is {}",
                    i + 1,
                    describe(other)
                ))
            }
        }
    }
    Err("no non-null arguments".into())
}

/// Terraform's type unification over known, non-null values: true when a mix of
/// primitives that includes a string must all become strings. Numbers and bools do
/// not unify with each other, and collections do not unify with primitives.
fn unify<'a>(values: impl Iterator<Item = &'a Value>, what: &str) -> Result<bool, String> {
    let mut kinds: Vec<&'static str> = Vec::new();
    for v in values {
        if !v.is_null() && !v.is_unknown() && !kinds.contains(&v.type_name()) {
            kinds.push(v.type_name());
        }
    }
    if kinds.len() <= 1 {
        return Ok(false);
    }
    if kinds.contains(&"string")
        && kinds
            .iter()
            .all(|k| matches!(*k, "string" | "number" | "bool"))
    {
        return Ok(true);
    }
    Err(format!(
        "all {what} must have the same type, got {}",
        kinds.join(" and ")
    ))
}

/// Unifies element types in place (see [`unify`]).
fn unified(items: &[Value], what: &str) -> Result<Vec<Value>, String> {
    let to_strings = unify(items.iter(), what)?;
    Ok(items
        .iter()
        .map(|v| match primitive_string(v) {
            Some(s) if to_strings => Value::String(s),
            _ => v.clone(),
        })
        .collect())
}

fn dedupe(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// A set's order, as Terraform shows it: strings lexically, numbers ascending,
/// false before true; anything else in first-seen order.
fn set_order(mut items: Vec<Value>) -> Vec<Value> {
    let key = |v: &Value| match v {
        Value::String(_) => 0,
        Value::Number(_) => 1,
        Value::Bool(_) => 2,
        _ => 3,
    };
    let kind = items.first().map(key);
    if kind != Some(3) && items.iter().all(|v| Some(key(v)) == kind) {
        items.sort_by(|a, b| match (a, b) {
            (Value::String(x), Value::String(y)) => x.cmp(y),
            (Value::Number(x), Value::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
            _ => Ordering::Equal,
        });
    }
    items
}

fn distinct(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(Value::List(dedupe(unified(list_arg(args, 0), "elements")?)))
}

fn flatten(args: &[Value], _: &FnContext) -> Result<Value, String> {
    // An Unknown element might itself be a list, so the result's shape is unknown.
    fn walk(items: &[Value], out: &mut Vec<Value>) -> bool {
        for item in items {
            match item {
                Value::Unknown => return false,
                Value::List(inner) => {
                    if !walk(inner, out) {
                        return false;
                    }
                }
                other => out.push(other.clone()),
            }
        }
        true
    }
    let Value::List(list) = &args[0] else {
        return Ok(Value::Unknown);
    };
    let mut out = Vec::new();
    Ok(if walk(list, &mut out) {
        Value::List(out)
    } else {
        Value::Unknown
    })
}

fn zipmap(args: &[Value], _: &FnContext) -> Result<Value, String> {
    if !args[0].is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let (Value::List(keys), Value::List(values)) = (&args[0], &args[1]) else {
        return Ok(Value::Unknown);
    };
    if keys.len() != values.len() {
        return Err(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        ));
    }
    let mut out = Object::new();
    for (i, (key, value)) in keys.iter().zip(values).enumerate() {
        let key = match key {
            Value::Null => return Err(format!("keys list has null value at index {i}")),
            other => primitive_string(other).ok_or_else(|| {
                format!(
                    "keys must be strings, but the key at index {i} is {}",
                    describe(other)
                )
            })?,
        };
        out.insert(key, value.clone());
    }
    Ok(Value::Object(out))
}

fn slice(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let len = args[0].as_list().map(<[Value]>::len);
    let bound = |v: &Value, what: &str| -> Result<Option<usize>, String> {
        let Value::Number(n) = v else { return Ok(None) };
        let i = whole(*n, what)?;
        if i < 0 {
            return Err(format!("{what} must not be less than zero"));
        }
        if len.is_some_and(|len| i as usize > len) {
            return Err(format!(
                "{what} must not be greater than the length of the list"
            ));
        }
        Ok(Some(i as usize))
    };
    let start = bound(&args[1], "start index")?;
    let end = bound(&args[2], "end index")?;
    let (Value::List(list), Some(start), Some(end)) = (&args[0], start, end) else {
        if let (Some(s), Some(e)) = (start, end) {
            if s > e {
                return Err("start index must not be greater than end index".into());
            }
        }
        return Ok(Value::Unknown);
    };
    if start > end {
        return Err("start index must not be greater than end index".into());
    }
    Ok(Value::List(list[start..end].to_vec()))
}

fn reverse(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::List(items) => Value::List(items.iter().rev().cloned().collect()),
        _ => Value::Unknown,
    })
}

fn sort(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let mut strings = Vec::new();
    for (i, item) in list_arg(args, 0).iter().enumerate() {
        match primitive_string(item) {
            Some(s) => strings.push(s),
            None if item.is_null() => {
                return Err(format!(
                    "given list element {i} is null; a null string cannot be sorted"
                ))
            }
            None => {
                return Err(format!(
                    "sort needs a list of strings, but element {i} is {}",
                    describe(item)
                ))
            }
        }
    }
    strings.sort();
    Ok(Value::List(
        strings.into_iter().map(Value::String).collect(),
    ))
}

fn one(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::List(items) => match items.len() {
            0 => Ok(Value::Null),
            1 => Ok(items[0].clone()),
            n => Err(format!(
                "must be a list, set, or tuple value with either zero or one elements, got {n} elements"
            )),
        },
        _ => Ok(Value::Unknown),
    }
}

fn compact(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let mut out = Vec::new();
    for (i, item) in list_arg(args, 0).iter().enumerate() {
        match primitive_string(item) {
            Some(s) if s.is_empty() => {}
            Some(s) => out.push(Value::String(s)),
            None if item.is_null() => {}
            None => {
                return Err(format!(
                    "compact needs a list of strings, but element {i} is {}",
                    describe(item)
                ))
            }
        }
    }
    Ok(Value::List(out))
}

/// Every set argument with element types unified across all of them.
fn set_args(args: &[Value]) -> Result<Vec<Vec<Value>>, String> {
    let all = args.iter().flat_map(|a| a.as_list().unwrap_or_default());
    let to_strings = unify(all, "set elements")?;
    Ok(args
        .iter()
        .map(|a| {
            a.as_list()
                .unwrap_or_default()
                .iter()
                .map(|v| match primitive_string(v) {
                    Some(s) if to_strings => Value::String(s),
                    _ => v.clone(),
                })
                .collect()
        })
        .collect())
}

fn setunion(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let all = set_args(args)?.into_iter().flatten().collect();
    Ok(Value::List(set_order(dedupe(all))))
}

fn setintersection(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let sets = set_args(args)?;
    let (first, rest) = sets.split_first().ok_or("at least one set is required")?;
    let common = first
        .iter()
        .filter(|v| rest.iter().all(|set| set.contains(v)))
        .cloned()
        .collect();
    Ok(Value::List(set_order(dedupe(common))))
}

fn setsubtract(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let sets = set_args(args)?;
    let left = sets[0]
        .iter()
        .filter(|v| !sets[1].contains(v))
        .cloned()
        .collect();
    Ok(Value::List(set_order(dedupe(left))))
}

// ---------------------------------------------------------------------------
// Type conversions
// ---------------------------------------------------------------------------

fn tostring(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown => Ok(Value::Unknown),
        Value::Null => Ok(Value::Null),
        other => primitive_string(other)
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert {} to string", other.type_name())),
    }
}

fn tonumber(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null | Value::Number(_) => Ok(args[0].clone()),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            format!("cannot convert {s:?} to number; given string must be a decimal representation of a number")
        }),
        other => Err(format!("cannot convert {} to number", other.type_name())),
    }
}

fn tobool(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null | Value::Bool(_) => Ok(args[0].clone()),
        Value::String(s) => parse_bool(s).map(Value::Bool).ok_or_else(|| {
            format!(
                "cannot convert {s:?} to bool; only the strings \"true\" or \"false\" are allowed"
            )
        }),
        other => Err(format!("cannot convert {} to bool", other.type_name())),
    }
}

fn tolist(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null => Ok(args[0].clone()),
        Value::List(items) => Ok(Value::List(unified(items, "list elements")?)),
        other => Err(format!("cannot convert {} to list", other.type_name())),
    }
}

fn toset(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        // Which elements are duplicates is not known yet.
        v if !v.is_wholly_known() => Ok(Value::Unknown),
        Value::List(items) => Ok(Value::List(set_order(dedupe(unified(
            items,
            "set elements",
        )?)))),
        other => Err(format!("cannot convert {} to set", other.type_name())),
    }
}

fn tomap(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null => Ok(args[0].clone()),
        Value::Object(map) => {
            let values: Vec<Value> = map.values().cloned().collect();
            let values = unified(&values, "map values")?;
            Ok(Value::Object(map.keys().cloned().zip(values).collect()))
        }
        other => Err(format!("cannot convert {} to map", other.type_name())),
    }
}

// ---------------------------------------------------------------------------
// Encoding and hashing
// ---------------------------------------------------------------------------

/// Terraform's jsonencode: compact, keys sorted, whole numbers without ".0".
fn json_text(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => out.push_str(&format_number(*n)),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => write_json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // Go's encoder, and so Terraform, escapes these so JSON embeds safely in HTML/JS.
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn jsondecode(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let text = str_arg(args, 0);
    let mut parser = JsonParser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.value().and_then(|v| {
        parser.skip_space();
        match parser.peek() {
            None => Ok(v),
            Some(_) => Err(parser.error("unexpected data after the JSON value")),
        }
    });
    value.map_err(|e| format!("invalid JSON: {e}"))
}

/// A JSON parser that reads numbers with correct rounding (serde_json's default
/// float parsing can be off by one unit in the last place).
struct JsonParser<'a> {
    text: &'a str,
    pos: usize,
    /// Arrays and objects open at `pos`.
    depth: usize,
}

impl JsonParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn error(&self, what: &str) -> String {
        let before = &self.text[..self.pos.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("{what} at line {line} column {column}")
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, word: &str) -> Result<(), String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        match self.peek() {
            Some(b'{' | b'[') => {
                if self.depth >= super::limits::MAX_JSON_DEPTH {
                    return Err(self.error(&format!(
                        "more than {} nested arrays and objects",
                        super::limits::MAX_JSON_DEPTH
                    )));
                }
                self.depth += 1;
                let value = if self.peek() == Some(b'{') {
                    self.object()
                } else {
                    self.array()
                };
                self.depth -= 1;
                value
            }
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect("true").map(|_| Value::Bool(true)),
            Some(b'f') => self.expect("false").map(|_| Value::Bool(false)),
            Some(b'n') => self.expect("null").map(|_| Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut map = Object::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.pos += 1;
            let value = self.value()?;
            map.insert(key, value);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else if !digits(self) {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("invalid number"));
            }
        }
        match self.text[start..self.pos].parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::Number(n)),
            _ => Err(self.error("number out of range")),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(c) = rest.chars().next() else {
                return Err(self.error("unterminated string"));
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => {
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let high = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&high)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&low) {
                                    return Err(self.error("invalid unicode escape"));
                                }
                                0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
                            } else {
                                high
                            };
                            // A lone surrogate becomes U+FFFD, as in Go.
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        _ => return Err(self.error("invalid escape")),
                    };
                    self.pos += 1;
                    out.push(escaped);
                }
                c if (c as u32) < 0x20 => return Err(self.error("control character in string")),
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let code = hex.and_then(|h| u32::from_str_radix(h, 16).ok());
        let code = code.ok_or_else(|| self.error("invalid unicode escape"))?;
        self.pos += 4;
        Ok(code)
    }
}

fn base64decode(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let text = str_arg(args, 0);
    let bytes = BASE64
        .decode(text)
        .map_err(|e| format!("failed to decode base64 data {text:?}: {e}"))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the result of decoding the provided string is not valid UTF-8".into())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn resolve(ctx: &FnContext, path: &str) -> PathBuf {
    // Terraform expands a leading ~ to the home directory.
    let expanded = match (path.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(home).join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        ctx.base_dir.join(expanded)
    }
}

fn read_file(ctx: &FnContext, path: &str) -> Result<Vec<u8>, String> {
    let full = resolve(ctx, path);
    super::limits::read_bounded(&full).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "no file exists at {}; file functions read files that ship with the stack, \
             so read a file that a resource creates from that resource's attributes instead",
            full.display()
        ),
        _ if full.is_dir() => format!("{} is a directory, not a file", full.display()),
        _ => format!("cannot read {}: {e}", full.display()),
    })
}

fn file(args: &[Value], ctx: &FnContext) -> Result<Value, String> {
    let path = str_arg(args, 0);
    String::from_utf8(read_file(ctx, path)?)
        .map(Value::String)
        .map_err(|_| {
            format!(
                "contents of {} are not valid UTF-8; use filebase64 for the Base64-encoded \
             contents or filesha256 for a hash instead",
                resolve(ctx, path).display()
            )
        })
}

fn fileexists(args: &[Value], ctx: &FnContext) -> Result<Value, String> {
    let full = resolve(ctx, str_arg(args, 0));
    match std::fs::metadata(&full) {
        Ok(meta) if meta.is_file() => Ok(Value::Bool(true)),
        Ok(meta) if meta.is_dir() => Err(format!("{} is a directory, not a file", full.display())),
        Ok(_) => Err(format!("{} is not a regular file", full.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(format!("cannot check {}: {e}", full.display())),
    }
}

// ---------------------------------------------------------------------------
fn cidrsubnet(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let net = Network::parse(str_arg(args, 0))?;
    let newbits = whole(num_arg(args, 1), "newbits")?;
    let netnum = whole(num_arg(args, 2), "netnum")?;
    if newbits < 0 {
        return Err(format!("newbits must not be negative, got {newbits}"));
    }
    let new_prefix = net.prefix as i64 + newbits;
    if new_prefix > net.bits as i64 {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let fits = netnum >= 0 && (newbits >= 128 || (netnum as u128) >> newbits == 0);
    if !fits {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = net.bits - new_prefix as u32;
    let addr = net.addr | (netnum as u128).checked_shl(shift).unwrap_or(0);
    Ok(Value::String(format!(
        "{}/{new_prefix}",
        format_addr(addr, net.bits)
    )))
}

fn cidrhost(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let net = Network::parse(str_arg(args, 0))?;
    let hostnum = whole(num_arg(args, 1), "hostnum")?;
    let max = host_mask(net.bits, net.prefix);
    // Negative numbers count back from the last address: -1 is the last one.
    let host = if hostnum >= 0 {
        Some(hostnum as u128).filter(|h| *h <= max)
    } else {
        max.checked_sub((-(hostnum + 1)) as u128)
    };
    let host = host.ok_or_else(|| {
        format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        )
    })?;
    Ok(Value::String(format_addr(net.addr | host, net.bits)))
}

fn cidrnetmask(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let text = str_arg(args, 0);
    let net = Network::parse(text)?;
    if net.bits == 128 {
        return Err(format!("IPv6 addresses cannot have a netmask: {text}"));
    }
    let mask = !host_mask(32, net.prefix) & 0xffff_ffff;
    Ok(Value::String(format_addr(mask, 32)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn run(name: &str, args: Vec<Value>) -> Result<Value, String> {
        call(
            name,
            args,
            &FnContext {
                base_dir: Path::new("."),
            },
        )
    }

    #[track_caller]
    fn ok(name: &str, args: Vec<Value>) -> Value {
        match run(name, args) {
            Ok(v) => v,
            Err(e) => panic!("{name} failed: {e}"),
        }
    }

    #[track_caller]
    fn err(name: &str, args: Vec<Value>) -> String {
        match run(name, args) {
            Ok(v) => panic!("{name} should fail, got {v}"),
            Err(e) => {
                assert!(
                    e.starts_with(&format!("{name}: ")),
                    "error does not name the function: {e}"
                );
                e
            }
        }
    }

    #[track_caller]
    fn err_has(name: &str, args: Vec<Value>, needle: &str) {
        let e = err(name, args);
        assert!(e.contains(needle), "{e:?} does not contain {needle:?}");
    }

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    fn n(x: f64) -> Value {
        Value::Number(x)
    }

    fn strs(items: &[&str]) -> Value {
        Value::List(items.iter().map(|x| s(x)).collect())
    }

    fn nums(items: &[f64]) -> Value {
        Value::List(items.iter().map(|x| n(*x)).collect())
    }

    const U: Value = Value::Unknown;

    // -- registry ------------------------------------------------------------

    #[test]
    fn registry_knows_names_and_rejects_unknown_functions() {
        assert!(is_known_function("cidrsubnet"));
        assert!(!is_known_function("try"));
        assert!(!is_known_function("templatefile"));
        assert!(names().any(|f| f == "jsonencode"));
        let mut all: Vec<_> = names().collect();
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count, "duplicate function names");
        assert_eq!(
            run("nope", vec![]).unwrap_err(),
            "there is no function named \"nope\""
        );
    }

    #[test]
    fn arity_and_type_errors_name_the_function_and_parameter() {
        let e = err("upper", vec![]);
        assert_eq!(
            e,
            "upper: expects exactly 1 argument, as in upper(str), but got 0"
        );
        err_has(
            "lookup",
            vec![Value::Object(Object::new())],
            "expects 2 to 3 arguments, as in lookup(inputMap, key, [default])",
        );
        err_has(
            "join",
            vec![],
            "at least 1 argument, as in join(separator, lists...)",
        );
        assert_eq!(
            err("join", vec![strs(&["a"]), strs(&["b"])]),
            "join: argument 1 (separator) must be a string, got list"
        );
        err_has(
            "cidrsubnet",
            vec![s("10.0.0.0/8"), s("x"), n(1.0)],
            "argument 2 (newbits) must be a number, got string \"x\"",
        );
        err_has(
            "upper",
            vec![Value::Null],
            "argument 1 (str) must not be null",
        );
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_796_479_329), "2026-12-05T14:02:09Z");
        let now = ok("timestamp", vec![]);
        assert!(
            now.as_str()
                .is_some_and(|t| t.len() == 20 && t.ends_with('Z')),
            "{now}"
        );
        // Automatic conversions, as in Terraform.
        assert_eq!(ok("upper", vec![n(5.0)]), s("5"));
        assert_eq!(ok("abs", vec![s("-3")]), n(3.0));
    }

    #[test]
    fn unknown_arguments_make_strict_functions_unknown() {
        assert_eq!(ok("upper", vec![U]), U);
        assert_eq!(ok("join", vec![s(","), Value::List(vec![s("a"), U])]), U);
        assert_eq!(ok("jsonencode", vec![Value::Object(object! {"a" => U})]), U);
        assert_eq!(ok("cidrsubnet", vec![s("10.0.0.0/16"), n(8.0), U]), U);
        assert_eq!(ok("format", vec![s("%s-%s"), s("a"), U]), U);
        assert_eq!(ok("file", vec![U]), U);
        // Type errors in known arguments still surface.
        err_has(
            "cidrsubnet",
            vec![Value::List(vec![]), U, U],
            "must be a string",
        );
    }

    // -- numbers -------------------------------------------------------------

    #[test]
    fn number_functions() {
        assert_eq!(ok("abs", vec![n(-2.5)]), n(2.5));
        assert_eq!(ok("ceil", vec![n(1.2)]), n(2.0));
        assert_eq!(ok("floor", vec![n(-1.2)]), n(-2.0));
        assert_eq!(ok("signum", vec![n(-7.0)]), n(-1.0));
        assert_eq!(ok("signum", vec![n(0.0)]), n(0.0));
        assert_eq!(ok("signum", vec![n(3.0)]), n(1.0));
        assert_eq!(ok("pow", vec![n(2.0), n(10.0)]), n(1024.0));
        err_has("pow", vec![n(-8.0), n(0.5)], "not a real number");
        assert_eq!(ok("min", vec![n(3.0), n(-1.0), s("2")]), n(-1.0));
        assert_eq!(ok("max", vec![n(3.0), n(-1.0), n(2.0)]), n(3.0));
        err_has("min", vec![], "must pass at least one number");
        err_has("max", vec![s("x")], "must be a number");
        assert_eq!(ok("max", vec![n(1.0), U]), U);
        assert_eq!(ok("sum", vec![nums(&[1.0, 2.0, 3.5])]), n(6.5));
        assert_eq!(ok("sum", vec![Value::List(vec![n(1.0), s("2")])]), n(3.0));
        err_has("sum", vec![nums(&[])], "cannot sum an empty list");
        err_has(
            "sum",
            vec![Value::List(vec![n(1.0), Value::Null])],
            "element 1 must be a number",
        );
        assert_eq!(ok("sum", vec![Value::List(vec![n(1.0), U])]), U);
    }

    #[test]
    fn parseint_bases_and_errors() {
        assert_eq!(ok("parseint", vec![s("100"), n(10.0)]), n(100.0));
        assert_eq!(ok("parseint", vec![s("FF"), n(16.0)]), n(255.0));
        assert_eq!(ok("parseint", vec![s("-ff"), n(16.0)]), n(-255.0));
        assert_eq!(ok("parseint", vec![s("1011"), n(2.0)]), n(11.0));
        assert_eq!(ok("parseint", vec![s("zz"), n(36.0)]), n(1295.0));
        assert_eq!(ok("parseint", vec![s("Z"), n(62.0)]), n(61.0));
        err_has(
            "parseint",
            vec![s("12"), n(2.0)],
            "cannot parse \"12\" as a base 2 integer",
        );
        err_has("parseint", vec![s(""), n(10.0)], "cannot parse");
        err_has("parseint", vec![s("0x10"), n(16.0)], "cannot parse");
        err_has(
            "parseint",
            vec![s("1"), n(1.0)],
            "base must be a whole number between 2 and 62",
        );
        err_has("parseint", vec![s("1"), n(63.0)], "between 2 and 62");
        err_has(
            "parseint",
            vec![n(12.0), n(10.0)],
            "first argument must be a string",
        );
        assert_eq!(ok("parseint", vec![U, n(10.0)]), U);
    }

    #[test]
    fn range_like_terraform() {
        assert_eq!(ok("range", vec![n(3.0)]), nums(&[0.0, 1.0, 2.0]));
        assert_eq!(ok("range", vec![n(-3.0)]), nums(&[0.0, -1.0, -2.0]));
        assert_eq!(ok("range", vec![n(1.0), n(4.0)]), nums(&[1.0, 2.0, 3.0]));
        assert_eq!(ok("range", vec![n(3.0), n(1.0)]), nums(&[3.0, 2.0]));
        assert_eq!(
            ok("range", vec![n(0.0), n(10.0), n(4.0)]),
            nums(&[0.0, 4.0, 8.0])
        );
        assert_eq!(
            ok("range", vec![n(0.0), n(0.5), n(0.1)]),
            nums(&[0.0, 0.1, 0.2, 0.3, 0.4])
        );
        assert_eq!(ok("range", vec![n(5.0), n(5.0)]), nums(&[]));
        err_has("range", vec![], "expects one, two or three arguments");
        err_has(
            "range",
            vec![n(1.0), n(2.0), n(3.0), n(4.0)],
            "expects one, two or three",
        );
        err_has(
            "range",
            vec![n(0.0), n(3.0), n(0.0)],
            "step must not be zero",
        );
        err_has(
            "range",
            vec![n(0.0), n(3.0), n(-1.0)],
            "limit must be less than start when step is negative",
        );
        err_has(
            "range",
            vec![n(3.0), n(0.0), n(1.0)],
            "limit must be greater than start",
        );
        assert_eq!(ok("range", vec![n(1024.0)]).as_list().unwrap().len(), 1024);
        err_has(
            "range",
            vec![n(1025.0)],
            "more than 1024 values were generated",
        );
    }

    // -- strings -------------------------------------------------------------

    #[test]
    fn join_and_split() {
        assert_eq!(
            ok("join", vec![s(", "), strs(&["a", "b"]), strs(&["c"])]),
            s("a, b, c")
        );
        assert_eq!(
            ok(
                "join",
                vec![s("-"), Value::List(vec![n(1.0), Value::Bool(true)])]
            ),
            s("1-true")
        );
        assert_eq!(ok("join", vec![s(","), strs(&[])]), s(""));
        err_has("join", vec![s(",")], "at least one list is required");
        err_has(
            "join",
            vec![s(","), Value::List(vec![s("a"), Value::Null])],
            "element 1 of argument 2 is null",
        );
        err_has(
            "join",
            vec![s(","), Value::List(vec![strs(&["a"])])],
            "element 0 of argument 2 must be a string, got list",
        );
        assert_eq!(
            ok("split", vec![s(","), s("a,b,,c")]),
            strs(&["a", "b", "", "c"])
        );
        assert_eq!(ok("split", vec![s(","), s("")]), strs(&[""]));
        assert_eq!(ok("split", vec![s(""), s("ab")]), strs(&["a", "b"]));
        assert_eq!(ok("split", vec![s(","), U]), U);
    }

    #[test]
    fn case_and_trimming() {
        assert_eq!(ok("upper", vec![s("héllo")]), s("HÉLLO"));
        assert_eq!(ok("lower", vec![s("HeLLo")]), s("hello"));
        assert_eq!(
            ok("title", vec![s("hello world-wide web_site")]),
            s("Hello World-Wide Web_site")
        );
        assert_eq!(ok("trimspace", vec![s("  \t hi \n")]), s("hi"));
        assert_eq!(ok("trim", vec![s("?!hello?!"), s("!?")]), s("hello"));
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("hello")]),
            s("world")
        );
        assert_eq!(
            ok("trimprefix", vec![s("helloworld"), s("x")]),
            s("helloworld")
        );
        assert_eq!(
            ok("trimsuffix", vec![s("helloworld"), s("world")]),
            s("hello")
        );
        assert_eq!(ok("chomp", vec![s("hello\r\n\n")]), s("hello"));
        assert_eq!(ok("chomp", vec![s("hello\nworld")]), s("hello\nworld"));
        assert_eq!(ok("strrev", vec![s("héllo")]), s("olléh"));
        assert_eq!(
            ok("startswith", vec![s("hello"), s("he")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("startswith", vec![s("hello"), s("lo")]),
            Value::Bool(false)
        );
        assert_eq!(ok("endswith", vec![s("hello"), s("lo")]), Value::Bool(true));
        assert_eq!(ok("indent", vec![n(2.0), s("a\nb\nc")]), s("a\n  b\n  c"));
        err_has(
            "indent",
            vec![n(99_999_999_999.0), s("a\nb")],
            "longer than the 67108864 characters",
        );
        err_has(
            "indent",
            vec![n(-1.0), s("a")],
            "spaces must not be negative",
        );
        err_has(
            "indent",
            vec![n(1.5), s("a")],
            "spaces must be a whole number",
        );
    }

    #[test]
    fn replace_plain_and_regex_refused() {
        assert_eq!(
            ok("replace", vec![s("1 + 2 + 3"), s("+"), s("-")]),
            s("1 - 2 - 3")
        );
        assert_eq!(ok("replace", vec![s("abc"), s("/"), s("x")]), s("abc"));
        err_has(
            "replace",
            vec![s("abc"), s("/a.c/"), s("x")],
            "/a.c/ is a regular expression",
        );
    }

    #[test]
    fn substr_offsets_and_lengths() {
        let sub = |o: f64, l: f64| ok("substr", vec![s("hello world"), n(o), n(l)]);
        assert_eq!(sub(1.0, 4.0), s("ello"));
        assert_eq!(sub(-5.0, -1.0), s("world"));
        assert_eq!(sub(6.0, 100.0), s("world"));
        assert_eq!(sub(100.0, 1.0), s(""));
        assert_eq!(sub(0.0, 0.0), s(""));
        assert_eq!(sub(-100.0, 5.0), s("hello"));
        assert_eq!(ok("substr", vec![s("🤔🤷x"), n(0.0), n(1.0)]), s("🤔"));
        err_has(
            "substr",
            vec![s("x"), n(0.5), n(1.0)],
            "offset must be a whole number",
        );
    }

    #[test]
    fn format_verbs() {
        let f = |fmt: &str, args: Vec<Value>| {
            let mut all = vec![s(fmt)];
            all.extend(args);
            ok("format", all)
        };
        assert_eq!(f("Hello, %s!", vec![s("Ander")]), s("Hello, Ander!"));
        assert_eq!(
            f("There are %d lights", vec![n(4.0)]),
            s("There are 4 lights")
        );
        assert_eq!(f("%d", vec![s("42")]), s("42"));
        assert_eq!(
            f(
                "%5d|%-5d|%05d|%+d",
                vec![n(42.0), n(42.0), n(-42.0), n(7.0)]
            ),
            s("   42|42   |-0042|+7")
        );
        assert_eq!(
            f(
                "%x %X %o %b %#x",
                vec![n(255.0), n(255.0), n(8.0), n(5.0), n(255.0)]
            ),
            s("ff FF 10 101 0xff")
        );
        assert_eq!(f("%.3d", vec![n(7.0)]), s("007"));
        assert_eq!(f("%f", vec![n(1.23456)]), s("1.234560"));
        assert_eq!(f("%.2f", vec![n(1.23456)]), s("1.23"));
        assert_eq!(
            f("%8.2f|%-8.2f|%08.2f", vec![n(-1.23456), n(3.0), n(-3.5)]),
            s("   -1.23|3.00    |-0003.50")
        );
        assert_eq!(f("%e", vec![n(1234.5678)]), s("1.234568e+03"));
        assert_eq!(f("%.2E", vec![n(0.000123)]), s("1.23E-04"));
        assert_eq!(
            f("%g %g %g", vec![n(2.5), n(1e21), n(0.00001)]),
            s("2.5 1e+21 1e-05")
        );
        assert_eq!(f("%.3g", vec![n(1234.0)]), s("1.23e+03"));
        assert_eq!(f("%.3g", vec![n(0.5)]), s("0.5"));
        assert_eq!(
            f("%s %s %s", vec![n(1.5), Value::Bool(true), n(10.0)]),
            s("1.5 true 10")
        );
        assert_eq!(
            f("%5s|%-5s|%.2s", vec![s("ab"), s("ab"), s("abcdef")]),
            s("   ab|ab   |ab")
        );
        assert_eq!(f("%q", vec![s("a\"b<")]), s("\"a\\\"b\\u003c\""));
        assert_eq!(
            f("%t %t", vec![Value::Bool(false), s("true")]),
            s("false true")
        );
        assert_eq!(f("100%%", vec![]), s("100%"));
        assert_eq!(
            f(
                "%v %v %v %v",
                vec![s("x"), n(5.0), Value::Bool(true), Value::Null]
            ),
            s("x 5 true null")
        );
        // Terraform prints numbers for %v with %g: big ones in exponent form.
        assert_eq!(f("%v", vec![n(1_000_000.0)]), s("1e+06"));
        assert_eq!(f("%v", vec![n(-0.25)]), s("-0.25"));
        assert_eq!(
            f(
                "%v",
                vec![Value::Object(object! {"b" => 1, "a" => vec!["x"]})]
            ),
            s("{\"a\":[\"x\"],\"b\":1}")
        );
        assert_eq!(f("%#v", vec![s("x")]), s("\"x\""));
        assert_eq!(f("%[2]s %[1]s %s", vec![s("a"), s("b")]), s("b a b"));
        assert_eq!(f("%6v|", vec![n(12.0)]), s("    12|"));
    }

    #[test]
    fn format_errors() {
        let e = |fmt: &str, args: Vec<Value>| {
            let mut all = vec![s(fmt)];
            all.extend(args);
            err("format", all)
        };
        assert!(e("%s %s", vec![s("a")])
            .contains("not enough arguments for \"%s\" at 3: need index 2 but have 1 total"));
        assert!(e("%s", vec![s("a"), s("b")])
            .contains("too many arguments; only 1 argument used by format string"));
        assert!(e("%d", vec![n(1.5)])
            .contains("unsupported value for \"%d\" at 0: an integer is required"));
        assert!(e("%d", vec![s("abc")]).contains("a number is required"));
        assert!(e("%.99999999999d", vec![n(1.0)]).contains("more than the 100000 characters"));
        assert!(e("%99999999999999999999999s", vec![s("a")]).contains("more than the 100000"));
        assert!(e("%s", vec![strs(&["a"])]).contains("a string is required"));
        assert!(e("%s", vec![Value::Null]).contains("null value cannot be formatted"));
        assert!(e("%t", vec![n(1.0)]).contains("a bool is required"));
        assert!(e("%y", vec![n(1.0)]).contains("unsupported format verb 'y' in \"%y\" at offset 0"));
        assert!(e("abc %", vec![]).contains("invalid format string starting at offset 4"));
        assert!(e("%5!", vec![n(1.0)]).contains("unrecognized format character '!' at offset 2"));
        assert!(e("%[0]s", vec![n(1.0)]).contains("unrecognized format character"));
    }

    #[test]
    fn formatlist_iterates_lists_and_repeats_scalars() {
        assert_eq!(
            ok(
                "formatlist",
                vec![s("Hello, %s!"), strs(&["Valentina", "Ander"])]
            ),
            strs(&["Hello, Valentina!", "Hello, Ander!"])
        );
        assert_eq!(
            ok("formatlist", vec![s("%s=%s"), s("k"), strs(&["a", "b"])]),
            strs(&["k=a", "k=b"])
        );
        assert_eq!(ok("formatlist", vec![s("%s"), s("only")]), strs(&["only"]));
        assert_eq!(ok("formatlist", vec![s("x")]), strs(&["x"]));
        assert_eq!(ok("formatlist", vec![s("%s"), strs(&[])]), strs(&[]));
        err_has(
            "formatlist",
            vec![s("%s%s"), strs(&["a"]), strs(&["b", "c"])],
            "argument 3 has length 2, which is inconsistent with argument 2 of length 1",
        );
        err_has(
            "formatlist",
            vec![s("%d"), strs(&["x"])],
            "error on format iteration 0",
        );
        // One unknown element leaves the others known.
        assert_eq!(
            ok("formatlist", vec![s("id-%s"), Value::List(vec![s("a"), U])]),
            Value::List(vec![s("id-a"), U])
        );
        assert_eq!(ok("formatlist", vec![s("%s"), U]), U);
    }

    // -- collections ---------------------------------------------------------

    #[test]
    fn length_knows_lengths_of_lists_with_unknown_elements() {
        assert_eq!(ok("length", vec![s("héllo")]), n(5.0));
        assert_eq!(ok("length", vec![strs(&["a", "b"])]), n(2.0));
        assert_eq!(
            ok("length", vec![Value::Object(object! {"a" => 1, "b" => U})]),
            n(2.0)
        );
        assert_eq!(ok("length", vec![Value::List(vec![U, U, U])]), n(3.0));
        assert_eq!(ok("length", vec![U]), U);
        err_has(
            "length",
            vec![n(5.0)],
            "argument must be a string, a list or a map, got number 5",
        );
        err_has("length", vec![Value::Null], "must not be null");
    }

    #[test]
    fn element_wraps_around() {
        let list = strs(&["a", "b", "c"]);
        assert_eq!(ok("element", vec![list.clone(), n(1.0)]), s("b"));
        assert_eq!(ok("element", vec![list.clone(), n(5.0)]), s("c"));
        err_has("element", vec![list.clone(), n(-1.0)], "negative index");
        err_has(
            "element",
            vec![strs(&[]), n(0.0)],
            "cannot use element function with an empty list",
        );
        err_has(
            "element",
            vec![list.clone(), n(0.5)],
            "index must be a whole number",
        );
        err_has("element", vec![U, n(-1.0)], "negative index");
        assert_eq!(ok("element", vec![list, U]), U);
        assert_eq!(
            ok("element", vec![Value::List(vec![s("a"), U]), n(0.0)]),
            s("a")
        );
    }

    #[test]
    fn index_and_contains() {
        let list = strs(&["a", "b", "c"]);
        assert_eq!(ok("index", vec![list.clone(), s("b")]), n(1.0));
        err_has("index", vec![list.clone(), s("z")], "item \"z\" not found");
        err_has(
            "index",
            vec![strs(&[]), s("z")],
            "cannot search an empty list",
        );
        assert_eq!(
            ok("index", vec![Value::List(vec![s("a"), U]), s("a")]),
            n(0.0)
        );
        assert_eq!(ok("index", vec![Value::List(vec![U, s("a")]), s("a")]), U);
        assert_eq!(
            ok("contains", vec![list.clone(), s("c")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("contains", vec![list.clone(), s("z")]),
            Value::Bool(false)
        );
        assert_eq!(
            ok("contains", vec![nums(&[1.0]), s("1")]),
            Value::Bool(false)
        );
        assert_eq!(ok("contains", vec![strs(&[]), U]), Value::Bool(false));
        assert_eq!(
            ok("contains", vec![Value::List(vec![U, s("c")]), s("c")]),
            Value::Bool(true)
        );
        assert_eq!(
            ok("contains", vec![Value::List(vec![U, s("c")]), s("z")]),
            U
        );
        assert_eq!(ok("contains", vec![list, U]), U);
        assert_eq!(
            ok(
                "contains",
                vec![Value::List(vec![strs(&["a"])]), strs(&["a"])]
            ),
            Value::Bool(true)
        );
        err_has(
            "contains",
            vec![s("abc"), s("a")],
            "argument 1 (list) must be a list",
        );
    }

    #[test]
    fn lookup_with_and_without_default() {
        let map = Value::Object(object! {"a" => "ay", "b" => U});
        assert_eq!(ok("lookup", vec![map.clone(), s("a")]), s("ay"));
        assert_eq!(ok("lookup", vec![map.clone(), s("b")]), U);
        assert_eq!(
            ok("lookup", vec![map.clone(), s("c"), s("what?")]),
            s("what?")
        );
        assert_eq!(
            ok("lookup", vec![map.clone(), s("c"), Value::Null]),
            Value::Null
        );
        err_has(
            "lookup",
            vec![map.clone(), s("c")],
            "the map has no key \"c\"",
        );
        assert_eq!(ok("lookup", vec![U, s("a")]), U);
        assert_eq!(ok("lookup", vec![map, U, s("d")]), U);
        err_has(
            "lookup",
            vec![strs(&["a"]), s("a")],
            "must be a map or object, got list",
        );
    }

    #[test]
    fn merge_concat_keys_values() {
        let a = Value::Object(object! {"a" => 1, "b" => 2});
        let b = Value::Object(object! {"b" => 3, "c" => U});
        assert_eq!(
            ok("merge", vec![a.clone(), Value::Null, b.clone()]),
            Value::Object(object! {"a" => 1, "b" => 3, "c" => U})
        );
        assert_eq!(ok("merge", vec![]), Value::Object(Object::new()));
        assert_eq!(ok("merge", vec![Value::Null, Value::Null]), Value::Null);
        assert_eq!(ok("merge", vec![a.clone(), U]), U);
        err_has(
            "merge",
            vec![a.clone(), strs(&["x"])],
            "argument 2 (maps) must be a map or object",
        );

        assert_eq!(
            ok(
                "concat",
                vec![strs(&["a"]), Value::List(vec![U]), nums(&[1.0])]
            ),
            Value::List(vec![s("a"), U, n(1.0)])
        );
        assert_eq!(ok("concat", vec![strs(&["a"]), U]), U);
        err_has("concat", vec![], "at least one argument is required");
        err_has("concat", vec![s("a")], "must be a list");

        assert_eq!(ok("keys", vec![b.clone()]), strs(&["b", "c"]));
        assert_eq!(ok("values", vec![a]), nums(&[1.0, 2.0]));
        assert_eq!(ok("values", vec![b]), Value::List(vec![n(3.0), U]));
        assert_eq!(ok("keys", vec![U]), U);
        err_has("keys", vec![strs(&[])], "must be a map or object");
    }

    #[test]
    fn coalesce_and_coalescelist() {
        assert_eq!(ok("coalesce", vec![Value::Null, s(""), s("b")]), s("b"));
        assert_eq!(ok("coalesce", vec![n(1.0), n(2.0)]), n(1.0));
        assert_eq!(ok("coalesce", vec![Value::Null, n(1.0), s("x")]), s("1"));
        assert_eq!(ok("coalesce", vec![s("a"), U]), s("a"));
        assert_eq!(ok("coalesce", vec![Value::Null, U, s("a")]), U);
        err_has(
            "coalesce",
            vec![Value::Null, s("")],
            "no non-null, non-empty-string arguments",
        );
        err_has(
            "coalesce",
            vec![s("a"), strs(&["b"])],
            "all arguments must have the same type",
        );
        assert_eq!(
            ok("coalescelist", vec![strs(&[]), strs(&["b"])]),
            strs(&["b"])
        );
        assert_eq!(
            ok("coalescelist", vec![Value::Null, strs(&["a"]), U]),
            strs(&["a"])
        );
        assert_eq!(ok("coalescelist", vec![strs(&[]), U, strs(&["a"])]), U);
        err_has("coalescelist", vec![strs(&[])], "no non-null arguments");
        err_has(
            "coalescelist",
            vec![s("a")],
            "arguments must be lists, but argument 1 is string",
        );
    }

    #[test]
    fn distinct_flatten_reverse_one() {
        assert_eq!(
            ok("distinct", vec![strs(&["a", "b", "a", "c", "b"])]),
            strs(&["a", "b", "c"])
        );
        assert_eq!(
            ok("distinct", vec![Value::List(vec![s("1"), n(1.0)])]),
            strs(&["1"])
        );
        assert_eq!(ok("distinct", vec![Value::List(vec![s("a"), U])]), U);
        assert_eq!(
            ok(
                "flatten",
                vec![Value::List(vec![
                    strs(&["a", "b"]),
                    Value::List(vec![]),
                    Value::List(vec![strs(&["c"])]),
                    s("d")
                ])]
            ),
            strs(&["a", "b", "c", "d"])
        );
        assert_eq!(
            ok(
                "flatten",
                vec![Value::List(vec![Value::Object(object! {"id" => U})])]
            ),
            Value::List(vec![Value::Object(object! {"id" => U})])
        );
        assert_eq!(ok("flatten", vec![Value::List(vec![strs(&["a"]), U])]), U);
        err_has("flatten", vec![s("a")], "must be a list");
        assert_eq!(
            ok("reverse", vec![Value::List(vec![n(1.0), U, n(3.0)])]),
            Value::List(vec![n(3.0), U, n(1.0)])
        );
        assert_eq!(ok("reverse", vec![U]), U);
        assert_eq!(ok("one", vec![strs(&[])]), Value::Null);
        assert_eq!(ok("one", vec![Value::List(vec![U])]), U);
        assert_eq!(ok("one", vec![strs(&["a"])]), s("a"));
        err_has(
            "one",
            vec![strs(&["a", "b"])],
            "either zero or one elements, got 2 elements",
        );
    }

    #[test]
    fn zipmap_and_slice() {
        assert_eq!(
            ok(
                "zipmap",
                vec![strs(&["a", "b"]), Value::List(vec![n(1.0), U])]
            ),
            Value::Object(object! {"a" => 1, "b" => U})
        );
        err_has(
            "zipmap",
            vec![strs(&["a"]), nums(&[1.0, 2.0])],
            "number of keys (1) does not match number of values (2)",
        );
        err_has(
            "zipmap",
            vec![Value::List(vec![Value::Null]), nums(&[1.0])],
            "keys list has null value at index 0",
        );
        assert_eq!(ok("zipmap", vec![Value::List(vec![U]), nums(&[1.0])]), U);
        let list = strs(&["a", "b", "c", "d"]);
        assert_eq!(
            ok("slice", vec![list.clone(), n(1.0), n(3.0)]),
            strs(&["b", "c"])
        );
        assert_eq!(ok("slice", vec![list.clone(), n(4.0), n(4.0)]), strs(&[]));
        err_has(
            "slice",
            vec![list.clone(), n(-1.0), n(2.0)],
            "start index must not be less than zero",
        );
        err_has(
            "slice",
            vec![list.clone(), n(0.0), n(5.0)],
            "end index must not be greater than the length of the list",
        );
        err_has(
            "slice",
            vec![list.clone(), n(3.0), n(1.0)],
            "start index must not be greater than end index",
        );
        err_has(
            "slice",
            vec![U, n(3.0), n(1.0)],
            "start index must not be greater than end index",
        );
        assert_eq!(ok("slice", vec![list, U, n(1.0)]), U);
        assert_eq!(
            ok("slice", vec![Value::List(vec![U, s("b")]), n(1.0), n(2.0)]),
            strs(&["b"])
        );
    }

    #[test]
    fn sort_compact_and_sets() {
        assert_eq!(
            ok("sort", vec![strs(&["e", "d", "a", "x"])]),
            strs(&["a", "d", "e", "x"])
        );
        assert_eq!(ok("sort", vec![nums(&[10.0, 9.0])]), strs(&["10", "9"]));
        err_has(
            "sort",
            vec![Value::List(vec![s("a"), Value::Null])],
            "given list element 1 is null",
        );
        assert_eq!(ok("sort", vec![Value::List(vec![s("a"), U])]), U);
        assert_eq!(
            ok(
                "compact",
                vec![Value::List(vec![s("a"), s(""), Value::Null, s("b")])]
            ),
            strs(&["a", "b"])
        );
        assert_eq!(ok("compact", vec![Value::List(vec![s("a"), U])]), U);
        err_has(
            "compact",
            vec![Value::List(vec![strs(&[])])],
            "compact needs a list of strings",
        );

        assert_eq!(
            ok("setunion", vec![strs(&["b", "a"]), strs(&["c", "a"])]),
            strs(&["a", "b", "c"])
        );
        assert_eq!(
            ok("setunion", vec![nums(&[10.0, 2.0]), nums(&[1.0])]),
            nums(&[1.0, 2.0, 10.0])
        );
        assert_eq!(
            ok(
                "setintersection",
                vec![strs(&["a", "b"]), strs(&["b", "c"]), strs(&["b", "d"])]
            ),
            strs(&["b"])
        );
        assert_eq!(
            ok("setintersection", vec![strs(&["1"]), nums(&[1.0])]),
            strs(&["1"])
        );
        assert_eq!(
            ok(
                "setsubtract",
                vec![strs(&["a", "b", "c"]), strs(&["a", "c"])]
            ),
            strs(&["b"])
        );
        err_has(
            "setunion",
            vec![nums(&[1.0]), Value::List(vec![Value::Bool(true)])],
            "all set elements must have the same type",
        );
        assert_eq!(ok("setunion", vec![strs(&["a"]), Value::List(vec![U])]), U);
    }

    // -- conversions ---------------------------------------------------------

    #[test]
    fn primitive_conversions() {
        assert_eq!(ok("tostring", vec![n(1.5)]), s("1.5"));
        assert_eq!(ok("tostring", vec![n(3.0)]), s("3"));
        assert_eq!(ok("tostring", vec![Value::Bool(true)]), s("true"));
        assert_eq!(ok("tostring", vec![Value::Null]), Value::Null);
        assert_eq!(ok("tostring", vec![U]), U);
        err_has(
            "tostring",
            vec![strs(&["a"])],
            "cannot convert list to string",
        );
        assert_eq!(ok("tonumber", vec![s("1.5e2")]), n(150.0));
        assert_eq!(ok("tonumber", vec![n(2.0)]), n(2.0));
        assert_eq!(ok("tonumber", vec![Value::Null]), Value::Null);
        err_has(
            "tonumber",
            vec![s("abc")],
            "cannot convert \"abc\" to number",
        );
        err_has("tonumber", vec![s("inf")], "cannot convert");
        err_has("tonumber", vec![s(" 1")], "cannot convert");
        err_has(
            "tonumber",
            vec![Value::Bool(true)],
            "cannot convert bool to number",
        );
        assert_eq!(ok("tobool", vec![s("true")]), Value::Bool(true));
        assert_eq!(ok("tobool", vec![Value::Bool(false)]), Value::Bool(false));
        assert_eq!(ok("tobool", vec![U]), U);
        err_has(
            "tobool",
            vec![s("yes")],
            "only the strings \"true\" or \"false\" are allowed",
        );
        err_has("tobool", vec![n(1.0)], "cannot convert number to bool");
    }

    #[test]
    fn collection_conversions() {
        assert_eq!(
            ok(
                "tolist",
                vec![Value::List(vec![s("a"), n(1.0), Value::Bool(true)])]
            ),
            strs(&["a", "1", "true"])
        );
        assert_eq!(
            ok("tolist", vec![Value::List(vec![s("a"), U])]),
            Value::List(vec![s("a"), U])
        );
        assert_eq!(ok("tolist", vec![Value::Null]), Value::Null);
        err_has(
            "tolist",
            vec![Value::List(vec![n(1.0), Value::Bool(true)])],
            "all list elements must have the same type, got number and bool",
        );
        err_has(
            "tolist",
            vec![Value::Object(Object::new())],
            "cannot convert object to list",
        );
        assert_eq!(
            ok("toset", vec![strs(&["c", "a", "c", "b"])]),
            strs(&["a", "b", "c"])
        );
        assert_eq!(ok("toset", vec![nums(&[3.0, 1.0, 3.0])]), nums(&[1.0, 3.0]));
        assert_eq!(
            ok("toset", vec![Value::List(vec![s("b"), n(1.0)])]),
            strs(&["1", "b"])
        );
        assert_eq!(ok("toset", vec![Value::List(vec![s("a"), U])]), U);
        err_has("toset", vec![s("a")], "cannot convert string to set");
        assert_eq!(
            ok(
                "tomap",
                vec![Value::Object(object! {"a" => 1, "b" => "x", "c" => U})]
            ),
            Value::Object(object! {"a" => "1", "b" => "x", "c" => U})
        );
        err_has("tomap", vec![strs(&[])], "cannot convert list to map");
        err_has(
            "tomap",
            vec![Value::Object(object! {"a" => 1, "b" => vec!["x"]})],
            "all map values must have the same type",
        );
    }

    // -- encoding ------------------------------------------------------------

    #[test]
    fn jsonencode_is_compact_sorted_and_escapes_like_terraform() {
        let v = Value::Object(object! {
            "z" => 1, "a" => vec![Value::Number(1.5), Value::Null, Value::Bool(true)],
            "html" => "<b>&amp;</b>", "ctl" => "tab\there\u{1}",
        });
        assert_eq!(
            ok("jsonencode", vec![v]),
            s(
                r#"{"a":[1.5,null,true],"ctl":"tab\there\u0001","html":"\u003cb\u003e\u0026amp;\u003c/b\u003e","z":1}"#
            )
        );
        assert_eq!(ok("jsonencode", vec![n(1e20)]), s("100000000000000000000"));
        assert_eq!(ok("jsonencode", vec![Value::Null]), s("null"));
        assert_eq!(ok("jsonencode", vec![Value::List(vec![U])]), U);
    }

    #[test]
    fn jsondecode_parses_and_reports_errors() {
        assert_eq!(
            ok(
                "jsondecode",
                vec![s(r#"{"b":[1,"x",null],"a":{"c":false}}"#)]
            ),
            Value::Object(object! {
                "a" => Value::Object(object! {"c" => false}),
                "b" => Value::List(vec![n(1.0), s("x"), Value::Null]),
            })
        );
        assert_eq!(ok("jsondecode", vec![s("\"hi\"")]), s("hi"));
        err_has("jsondecode", vec![s("{")], "invalid JSON");
        err_has(
            "jsondecode",
            vec![s("1 2")],
            "unexpected data after the JSON value at line 1 column 3",
        );
        err_has("jsondecode", vec![s("[1,\n 01]")], "at line 2 column 3");
        err_has("jsondecode", vec![s("{\"a\" 1}")], "expected ':'");
        err_has("jsondecode", vec![s("[1e999]")], "number out of range");
        // Deep nesting is an error, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        err_has(
            "jsondecode",
            vec![s(&deep)],
            "more than 128 nested arrays and objects",
        );
        let ok_deep = format!("{}{}", "[".repeat(128), "]".repeat(128));
        ok("jsondecode", vec![s(&ok_deep)]);
        err_has("jsondecode", vec![s("\"\\x\"")], "invalid escape");
        err_has("jsondecode", vec![s("")], "unexpected end of input");
        assert_eq!(
            ok(
                "jsondecode",
                vec![s(
                    r#" ["a\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", -0.5e1, 1E2, true] "#
                )]
            ),
            Value::List(vec![
                s("a\"\\/\u{8}\u{c}\n\r\t"),
                s("é😀"),
                n(-5.0),
                n(100.0),
                Value::Bool(true)
            ])
        );
        // Exact decimal to binary rounding, unlike serde_json's default.
        assert_eq!(
            ok("jsondecode", vec![s("-3689.4841628959275")]),
            n(-3689.4841628959275)
        );
        assert_eq!(ok("jsondecode", vec![U]), U);
    }

    #[test]
    fn base64_and_hashes() {
        assert_eq!(
            ok("base64encode", vec![s("Hello World")]),
            s("SGVsbG8gV29ybGQ=")
        );
        assert_eq!(
            ok("base64decode", vec![s("SGVsbG8gV29ybGQ=")]),
            s("Hello World")
        );
        err_has(
            "base64decode",
            vec![s("not base64!")],
            "failed to decode base64 data",
        );
        err_has("base64decode", vec![s("/w==")], "not valid UTF-8");
        assert_eq!(
            ok("sha256", vec![s("hello world")]),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
        assert_eq!(
            ok("base64sha256", vec![s("hello world")]),
            s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        assert_eq!(ok("sha256", vec![U]), U);
    }

    // -- files ---------------------------------------------------------------

    #[test]
    fn file_functions_read_relative_to_the_stack() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("files")).unwrap();
        std::fs::write(dir.path().join("files/hello.txt"), "hello world").unwrap();
        std::fs::write(dir.path().join("bin"), [0xff, 0x00]).unwrap();
        let ctx = FnContext {
            base_dir: dir.path(),
        };
        let f = |name: &str, path: &str| call(name, vec![s(path)], &ctx);
        assert_eq!(f("file", "files/hello.txt").unwrap(), s("hello world"));
        let abs = dir.path().join("files/hello.txt");
        assert_eq!(f("file", abs.to_str().unwrap()).unwrap(), s("hello world"));
        assert_eq!(
            f("fileexists", "files/hello.txt").unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            f("fileexists", "files/nope.txt").unwrap(),
            Value::Bool(false)
        );
        assert!(f("fileexists", "files")
            .unwrap_err()
            .contains("is a directory"));
        assert_eq!(
            f("filebase64", "files/hello.txt").unwrap(),
            s("aGVsbG8gd29ybGQ=")
        );
        assert_eq!(f("filebase64", "bin").unwrap(), s("/wA="));
        assert_eq!(
            f("filesha256", "files/hello.txt").unwrap(),
            s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
        );
        assert_eq!(
            f("filebase64sha256", "files/hello.txt").unwrap(),
            s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")
        );
        let missing = f("file", "nope.txt").unwrap_err();
        assert!(missing.starts_with("file: no file exists at "), "{missing}");
        assert!(missing.contains("nope.txt"), "{missing}");
        assert!(f("filesha256", "nope.txt")
            .unwrap_err()
            .contains("no file exists"));
        assert!(f("file", "bin")
            .unwrap_err()
            .contains("not valid UTF-8; use filebase64"));
        assert!(f("file", "files").unwrap_err().contains("is a directory"));
    }

    // -- networks ------------------------------------------------------------

    #[test]
    fn cidrsubnet_ipv4_and_ipv6() {
        let sub = |p: &str, bits: f64, num: f64| run("cidrsubnet", vec![s(p), n(bits), n(num)]);
        assert_eq!(sub("172.16.0.0/12", 4.0, 2.0).unwrap(), s("172.18.0.0/16"));
        assert_eq!(sub("10.1.2.0/24", 4.0, 15.0).unwrap(), s("10.1.2.240/28"));
        assert_eq!(sub("10.1.2.3/16", 8.0, 1.0).unwrap(), s("10.1.1.0/24"));
        assert_eq!(sub("10.0.0.0/8", 0.0, 0.0).unwrap(), s("10.0.0.0/8"));
        assert_eq!(sub("0.0.0.0/0", 32.0, 1.0).unwrap(), s("0.0.0.1/32"));
        assert_eq!(
            sub("fd00:fd12:3456:7890::/56", 16.0, 162.0).unwrap(),
            s("fd00:fd12:3456:7800:a200::/72")
        );
        assert_eq!(
            sub("2001:db8::/32", 32.0, 1.0).unwrap(),
            s("2001:db8:0:1::/64")
        );
        assert_eq!(sub("::/0", 128.0, 5.0).unwrap(), s("::5/128"));
        let e = sub("10.0.0.0/30", 4.0, 0.0).unwrap_err();
        assert_eq!(
            e,
            "cidrsubnet: insufficient address space to extend prefix of 30 by 4"
        );
        assert!(sub("10.0.0.0/16", 8.0, 256.0)
            .unwrap_err()
            .contains("prefix extension of 8 does not accommodate a subnet numbered 256"));
        assert!(sub("10.0.0.0/16", 8.0, -1.0)
            .unwrap_err()
            .contains("does not accommodate a subnet numbered -1"));
        assert!(sub("10.0.0.0/16", -1.0, 0.0)
            .unwrap_err()
            .contains("newbits must not be negative"));
        assert!(sub("2001:db8::/120", 9.0, 0.0)
            .unwrap_err()
            .contains("insufficient address space to extend prefix of 120 by 9"));
        for bad in [
            "10.0.0.0",
            "10.0.0/8",
            "10.0.0.256/8",
            "10.0.0.0/33",
            "fe80::/129",
            "x/1",
            "10.0.0.0/-1",
        ] {
            assert!(
                sub(bad, 1.0, 0.0)
                    .unwrap_err()
                    .contains("invalid CIDR expression"),
                "{bad}"
            );
        }
    }

    #[test]
    fn cidrhost_counts_from_both_ends() {
        let host = |p: &str, num: f64| run("cidrhost", vec![s(p), n(num)]);
        assert_eq!(host("10.12.112.0/20", 16.0).unwrap(), s("10.12.112.16"));
        assert_eq!(host("10.12.112.0/20", 268.0).unwrap(), s("10.12.113.12"));
        assert_eq!(host("10.12.112.0/20", -1.0).unwrap(), s("10.12.127.255"));
        assert_eq!(host("10.0.0.0/24", -256.0).unwrap(), s("10.0.0.0"));
        assert_eq!(
            host("fd00:fd12:3456:7890:00a2::/72", 34.0).unwrap(),
            s("fd00:fd12:3456:7890::22")
        );
        assert_eq!(
            host("::/0", -1.0).unwrap(),
            s("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(
            host("10.0.0.0/24", 256.0).unwrap_err(),
            "cidrhost: prefix of 24 does not accommodate a host numbered 256"
        );
        assert!(host("10.0.0.0/24", -257.0)
            .unwrap_err()
            .contains("does not accommodate a host numbered -257"));
        assert!(host("10.0.0.0/32", 1.0)
            .unwrap_err()
            .contains("prefix of 32"));
        assert_eq!(host("10.0.0.7/32", 0.0).unwrap(), s("10.0.0.7"));
    }

    #[test]
    fn cidrnetmask_ipv4_only() {
        let mask = |p: &str| run("cidrnetmask", vec![s(p)]);
        assert_eq!(mask("172.16.0.0/12").unwrap(), s("255.240.0.0"));
        assert_eq!(mask("10.0.0.0/0").unwrap(), s("0.0.0.0"));
        assert_eq!(mask("10.0.0.1/32").unwrap(), s("255.255.255.255"));
        assert_eq!(
            mask("2001:db8::/32").unwrap_err(),
            "cidrnetmask: IPv6 addresses cannot have a netmask: 2001:db8::/32"
        );
        assert!(mask("10.0.0.0")
            .unwrap_err()
            .contains("invalid CIDR expression"));
    }

    // -- properties ----------------------------------------------------------

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1_000_000_000_000i64..1_000_000_000_000).prop_map(|i| Value::Number(i as f64)),
            (-1_000_000i32..1_000_000, 1u32..1000)
                .prop_map(|(a, b)| Value::Number(a as f64 / b as f64)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::List),
                prop::collection::btree_map(".*", inner, 0..5).prop_map(Value::Object),
            ]
        })
    }

    proptest! {
        #[test]
        fn base64_round_trips(text in ".*") {
            let encoded = ok("base64encode", vec![s(&text)]);
            prop_assert_eq!(ok("base64decode", vec![encoded]), s(&text));
        }

        #[test]
        fn json_round_trips(v in json_value()) {
            let encoded = ok("jsonencode", vec![v.clone()]);
            prop_assert_eq!(ok("jsondecode", vec![encoded]), v);
        }

        #[test]
        fn cidrsubnet_ipv4_stays_inside_its_parent(
            addr in any::<u32>(), prefix in 0u32..=32, extra in 0u32..=32, seed in any::<u64>()
        ) {
            let newbits = extra.min(32 - prefix).min(20);
            let netnum = seed % (1u64 << newbits);
            let parent = format!("{}/{prefix}", Ipv4Addr::from(addr));
            let child = ok("cidrsubnet", vec![s(&parent), n(newbits as f64), n(netnum as f64)]);
            let child = Network::parse(child.as_str().unwrap()).unwrap();
            let parent = Network::parse(&parent).unwrap();
            prop_assert_eq!(child.prefix, prefix + newbits);
            prop_assert_eq!(child.addr & !host_mask(32, prefix), parent.addr);
            let host = ok("cidrhost", vec![s(&format!("{}/{}", format_addr(child.addr, 32), child.prefix)), n(-1.0)]);
            let host: u32 = host.as_str().unwrap().parse::<Ipv4Addr>().unwrap().into();
            prop_assert_eq!(host as u128 & !host_mask(32, prefix), parent.addr);
        }

        #[test]
        fn cidrsubnet_ipv6_stays_inside_its_parent(
            addr in any::<u128>(), prefix in 0u32..=128, extra in 0u32..=40, seed in any::<u64>()
        ) {
            let newbits = extra.min(128 - prefix).min(40);
            let netnum = seed % (1u64 << newbits);
            let parent = format!("{}/{prefix}", Ipv6Addr::from(addr));
            let child = ok("cidrsubnet", vec![s(&parent), n(newbits as f64), n(netnum as f64)]);
            let child = Network::parse(child.as_str().unwrap()).unwrap();
            let parent = Network::parse(&parent).unwrap();
            prop_assert_eq!(child.prefix, prefix + newbits);
            prop_assert_eq!(child.addr & !host_mask(128, prefix), parent.addr);
            prop_assert_eq!(child.addr, parent.addr | (netnum as u128).checked_shl(128 - child.prefix).unwrap_or(0));
        }
    }
}
