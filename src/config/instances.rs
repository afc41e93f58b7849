//! The instances a block with `count` or `for_each` expands to.

use super::eval::Scope;
use super::Expr;
use crate::addr::InstanceKey;
use crate::diag::Diag;
use crate::value::Value;
use std::collections::BTreeSet;

/// One instance of a block: its key and what `count.index` / `each` are inside it.
pub struct Instance {
    pub key: InstanceKey,
    pub count_index: Option<i64>,
    pub each: Option<(Value, Value)>,
}

/// Expands `count` / `for_each` of any block (resources, module calls); both must be
/// known at plan time.
/// `what` names the block in errors.
pub fn expand_meta(
    what: &dyn std::fmt::Display,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &Scope,
) -> Result<Vec<Instance>, Diag> {
    if let Some(count) = count {
        let value = scope.eval(count)?;
        let n = match value {
            Value::Unknown => {
                return Err(Diag::at(&count.span(), format!("{what}: count depends on values known only after apply"), "not known at plan time")
                    .with_help("count must be known when planning: derive it from variables or locals, not from attributes of resources yet to be created"))
            }
            Value::Number(n) if n > crate::config::limits::MAX_INSTANCES as f64 => {
                return Err(Diag::at(
                    &count.span(),
                    format!("{what}: count is {n}, more than the {} instances a block may have", crate::config::limits::MAX_INSTANCES),
                    "too many instances",
                )
                .with_help("check the value; split a block that really needs more"))
            }
            Value::Number(n) if n >= 0.0 && n.fract() == 0.0 => n as i64,
            other => {
                return Err(Diag::at(&count.span(), format!("{what}: count must be a whole number >= 0, got {other}"), "invalid count"))
            }
        };
        return Ok((0..n)
            .map(|i| Instance {
                key: InstanceKey::Int(i),
                count_index: Some(i),
                each: None,
            })
            .collect());
    }
    if let Some(for_each) = for_each {
        let value = scope.eval(for_each)?;
        let size = match &value {
            Value::Object(map) => map.len(),
            Value::List(items) => items.len(),
            _ => 0,
        };
        let max = crate::config::limits::MAX_INSTANCES;
        if size > max {
            return Err(Diag::at(
                &for_each.span(),
                format!("{what}: for_each has {size} elements, more than the {max} instances a block may have"),
                "too many instances",
            )
            .with_help("check the value; split a block that really needs more"));
        }
        let unknown_err = || {
            Diag::at(&for_each.span(), format!("{what}: for_each depends on values known only after apply"), "not known at plan time")
                .with_help("for_each keys must be known when planning: use a map or set of strings from variables or locals")
        };
        return match value {
            Value::Object(map) => Ok(map
                .into_iter()
                .map(|(k, v)| Instance {
                    key: InstanceKey::Str(k.clone()),
                    count_index: None,
                    each: Some((Value::String(k), v)),
                })
                .collect()),
            Value::List(items) => {
                let mut keys = BTreeSet::new();
                for item in items {
                    match item {
                        Value::String(s) => {
                            keys.insert(s);
                        }
                        Value::Unknown => return Err(unknown_err()),
                        other => {
                            return Err(Diag::at(
                                &for_each.span(),
                                format!(
                                    "{what}: for_each over a list needs strings, got {}",
                                    other.type_name()
                                ),
                                "here",
                            )
                            .with_help("use toset([...]) of strings, or a map"))
                        }
                    }
                }
                Ok(keys
                    .into_iter()
                    .map(|k| Instance {
                        key: InstanceKey::Str(k.clone()),
                        count_index: None,
                        each: Some((Value::String(k.clone()), Value::String(k))),
                    })
                    .collect())
            }
            Value::Unknown => Err(unknown_err()),
            other => Err(Diag::at(
                &for_each.span(),
                format!(
                    "{what}: for_each needs a map or a set of strings, got {}",
                    other.type_name()
                ),
                "here",
            )),
        };
    }
    Ok(vec![Instance {
        key: InstanceKey::None,
        count_index: None,
        each: None,
    }])
}
