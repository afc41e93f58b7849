//! Lists, maps and sets.

use super::*;
use std::cmp::Ordering;

pub(super) fn length(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn element(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
pub(super) fn equal(a: &Value, b: &Value) -> Option<bool> {
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

pub(super) fn all_equal<'a>(pairs: impl Iterator<Item = (&'a Value, &'a Value)>) -> Option<bool> {
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

pub(super) fn index(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn contains(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn lookup(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn merge(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn concat(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn keys(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::Object(map) => Value::List(map.keys().map(|k| Value::str(k.as_str())).collect()),
        _ => Value::Unknown,
    })
}

pub(super) fn values(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::Object(map) => Value::List(map.values().cloned().collect()),
        _ => Value::Unknown,
    })
}

pub(super) fn coalesce(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn coalescelist(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
pub(super) fn unify<'a>(
    values: impl Iterator<Item = &'a Value>,
    what: &str,
) -> Result<bool, String> {
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
pub(super) fn unified(items: &[Value], what: &str) -> Result<Vec<Value>, String> {
    let to_strings = unify(items.iter(), what)?;
    Ok(items
        .iter()
        .map(|v| match primitive_string(v) {
            Some(s) if to_strings => Value::String(s),
            _ => v.clone(),
        })
        .collect())
}

pub(super) fn dedupe(items: Vec<Value>) -> Vec<Value> {
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
pub(super) fn set_order(mut items: Vec<Value>) -> Vec<Value> {
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

pub(super) fn distinct(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(Value::List(dedupe(unified(list_arg(args, 0), "elements")?)))
}

pub(super) fn flatten(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn zipmap(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn slice(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn reverse(args: &[Value], _: &FnContext) -> Result<Value, String> {
    Ok(match &args[0] {
        Value::List(items) => Value::List(items.iter().rev().cloned().collect()),
        _ => Value::Unknown,
    })
}

pub(super) fn sort(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn one(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn compact(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
pub(super) fn set_args(args: &[Value]) -> Result<Vec<Vec<Value>>, String> {
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

pub(super) fn setunion(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let all = set_args(args)?.into_iter().flatten().collect();
    Ok(Value::List(set_order(dedupe(all))))
}

pub(super) fn setintersection(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let sets = set_args(args)?;
    let (first, rest) = sets.split_first().ok_or("at least one set is required")?;
    let common = first
        .iter()
        .filter(|v| rest.iter().all(|set| set.contains(v)))
        .cloned()
        .collect();
    Ok(Value::List(set_order(dedupe(common))))
}

pub(super) fn setsubtract(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let sets = set_args(args)?;
    let left = sets[0]
        .iter()
        .filter(|v| !sets[1].contains(v))
        .cloned()
        .collect();
    Ok(Value::List(set_order(dedupe(left))))
}
