//! Type constraints of variables (`list(string)`, `object({...})`) and of schema
//! attributes, with Terraform's conversions between primitive types.

use crate::provider::Type;
use crate::value::{format_number, Object, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Set(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Object(BTreeMap<String, TypeConstraint>),
    Tuple(Vec<TypeConstraint>),
}

impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::List(t) => write!(f, "list({t})"),
            TypeConstraint::Set(t) => write!(f, "set({t})"),
            TypeConstraint::Map(t) => write!(f, "map({t})"),
            TypeConstraint::Object(attrs) => {
                let parts: Vec<String> = attrs.iter().map(|(k, t)| format!("{k} = {t}")).collect();
                write!(f, "object({{{}}})", parts.join(", "))
            }
            TypeConstraint::Tuple(items) => {
                let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "tuple([{}])", parts.join(", "))
            }
        }
    }
}

impl TypeConstraint {
    /// Parses a type expression as written in a `variable` block.
    pub fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
        match expr {
            Expression::Variable(v) => match v.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                other => Err(format!("unknown type \"{other}\"")),
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let arg = call
                    .args
                    .get(0)
                    .filter(|_| call.args.len() == 1)
                    .ok_or_else(|| format!("{name}(...) takes exactly one argument"))?;
                match name {
                    "list" => Ok(TypeConstraint::List(Box::new(Self::parse(arg)?))),
                    "set" => Ok(TypeConstraint::Set(Box::new(Self::parse(arg)?))),
                    "map" => Ok(TypeConstraint::Map(Box::new(Self::parse(arg)?))),
                    "optional" => Self::parse(arg),
                    "object" => {
                        let obj = arg
                            .as_object()
                            .ok_or("object(...) takes { name = type, ... }")?;
                        let mut attrs = BTreeMap::new();
                        for (k, v) in obj.iter() {
                            let key = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(e) => e
                                    .as_str()
                                    .ok_or("object attribute names must be names")?
                                    .to_string(),
                            };
                            attrs.insert(key, Self::parse(v.expr())?);
                        }
                        Ok(TypeConstraint::Object(attrs))
                    }
                    "tuple" => {
                        let items = arg.as_array().ok_or("tuple(...) takes [type, ...]")?;
                        Ok(TypeConstraint::Tuple(
                            items.iter().map(Self::parse).collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(format!("unknown type constructor \"{other}\"")),
                }
            }
            _ => Err("expected a type such as string or list(string)".to_string()),
        }
    }

    pub fn from_schema(ty: &Type) -> TypeConstraint {
        match ty {
            Type::String | Type::Json => TypeConstraint::String,
            Type::Number => TypeConstraint::Number,
            Type::Bool => TypeConstraint::Bool,
            Type::List(t) => TypeConstraint::List(Box::new(Self::from_schema(t))),
            Type::Set(t) => TypeConstraint::Set(Box::new(Self::from_schema(t))),
            Type::Map(t) => TypeConstraint::Map(Box::new(Self::from_schema(t))),
        }
    }

    /// Converts `value` to this type the way Terraform does (numbers and bools to
    /// strings and back, tuples to lists, objects to maps). Unknown stays Unknown.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        if matches!(value, Value::Unknown | Value::Null) {
            return Ok(value);
        }
        match self {
            TypeConstraint::Any => Ok(value),
            TypeConstraint::String => match &value {
                Value::String(_) => Ok(value),
                Value::Number(n) => Ok(Value::String(format_number(*n))),
                Value::Bool(b) => Ok(Value::String(b.to_string())),
                other => Err(format!("a string is required, got {}", other.type_name())),
            },
            TypeConstraint::Number => match &value {
                Value::Number(_) => Ok(value),
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .map(Value::Number)
                    .map_err(|_| format!("a number is required, got the string {s:?}")),
                other => Err(format!("a number is required, got {}", other.type_name())),
            },
            TypeConstraint::Bool => match &value {
                Value::Bool(_) => Ok(value),
                Value::String(s) if s == "true" => Ok(Value::Bool(true)),
                Value::String(s) if s == "false" => Ok(Value::Bool(false)),
                other => Err(format!("a bool is required, got {}", describe(other))),
            },
            TypeConstraint::List(t) | TypeConstraint::Set(t) => match value {
                Value::List(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.into_iter().enumerate() {
                        out.push(t.convert(item).map_err(|e| format!("element {i}: {e}"))?);
                    }
                    if matches!(self, TypeConstraint::Set(_)) {
                        dedupe(&mut out);
                    }
                    Ok(Value::List(out))
                }
                other => Err(format!("a list is required, got {}", describe(&other))),
            },
            TypeConstraint::Map(t) => match value {
                Value::Object(map) => {
                    let mut out = Object::new();
                    for (k, v) in map {
                        let v = t.convert(v).map_err(|e| format!("key {k:?}: {e}"))?;
                        out.insert(k, v);
                    }
                    Ok(Value::Object(out))
                }
                other => Err(format!("a map is required, got {}", describe(&other))),
            },
            TypeConstraint::Object(attrs) => match value {
                Value::Object(mut map) => {
                    let mut out = Object::new();
                    for (k, t) in attrs {
                        let v = map.remove(k).unwrap_or(Value::Null);
                        out.insert(
                            k.clone(),
                            t.convert(v).map_err(|e| format!("attribute {k:?}: {e}"))?,
                        );
                    }
                    Ok(Value::Object(out))
                }
                other => Err(format!("an object is required, got {}", describe(&other))),
            },
            TypeConstraint::Tuple(types) => match value {
                Value::List(items) if items.len() == types.len() => Ok(Value::List(
                    items
                        .into_iter()
                        .zip(types)
                        .map(|(v, t)| t.convert(v))
                        .collect::<Result<_, _>>()?,
                )),
                other => Err(format!(
                    "a tuple of {} elements is required, got {}",
                    types.len(),
                    describe(&other)
                )),
            },
        }
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {s:?}"),
        Value::List(items) => format!("a list of {} element(s)", items.len()),
        other => other.type_name().to_string(),
    }
}

fn dedupe(items: &mut Vec<Value>) {
    let mut seen: Vec<Value> = Vec::new();
    items.retain(|v| {
        if seen.contains(v) {
            false
        } else {
            seen.push(v.clone());
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> TypeConstraint {
        TypeConstraint::parse(&hcl_edit::parser::parse_expr(text).unwrap()).unwrap()
    }

    #[test]
    fn parses_nested_type_expressions() {
        assert_eq!(parse("list(string)").to_string(), "list(string)");
        assert_eq!(
            parse("object({ name = string, size = number })").to_string(),
            "object({name = string, size = number})"
        );
        assert!(TypeConstraint::parse(&hcl_edit::parser::parse_expr("strin").unwrap()).is_err());
    }

    #[test]
    fn converts_primitives_like_terraform() {
        assert_eq!(
            TypeConstraint::Number.convert("8".into()).unwrap(),
            Value::Number(8.0)
        );
        assert_eq!(
            TypeConstraint::String.convert(Value::Number(8.0)).unwrap(),
            Value::from("8")
        );
        assert!(TypeConstraint::Number.convert("eight".into()).is_err());
        assert_eq!(
            TypeConstraint::Number.convert(Value::Unknown).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn sets_drop_duplicates() {
        let v = Value::from(vec!["a", "b", "a"]);
        let set = TypeConstraint::Set(Box::new(TypeConstraint::String));
        assert_eq!(set.convert(v).unwrap(), Value::from(vec!["a", "b"]));
    }
}
