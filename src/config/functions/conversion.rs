//! Type conversions.

use super::*;

pub(super) fn tostring(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown => Ok(Value::Unknown),
        Value::Null => Ok(Value::Null),
        other => primitive_string(other)
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert {} to string", other.type_name())),
    }
}

pub(super) fn tonumber(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null | Value::Number(_) => Ok(args[0].clone()),
        Value::String(s) => parse_number(s).map(Value::Number).ok_or_else(|| {
            format!("cannot convert {s:?} to number; given string must be a decimal representation of a number")
        }),
        other => Err(format!("cannot convert {} to number", other.type_name())),
    }
}

pub(super) fn tobool(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn tolist(args: &[Value], _: &FnContext) -> Result<Value, String> {
    match &args[0] {
        Value::Unknown | Value::Null => Ok(args[0].clone()),
        Value::List(items) => Ok(Value::List(unified(items, "list elements")?)),
        other => Err(format!("cannot convert {} to list", other.type_name())),
    }
}

pub(super) fn toset(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn tomap(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
