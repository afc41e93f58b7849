//! Strings.

use super::*;

pub(super) fn join(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn split(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
pub(super) fn title(s: &str) -> String {
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

pub(super) fn trim(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let cutset = str_arg(args, 1);
    Ok(Value::str(
        str_arg(args, 0).trim_matches(|c| cutset.contains(c)),
    ))
}

pub(super) fn trimprefix(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, prefix) = (str_arg(args, 0), str_arg(args, 1));
    Ok(Value::str(s.strip_prefix(prefix).unwrap_or(s)))
}

pub(super) fn trimsuffix(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, suffix) = (str_arg(args, 0), str_arg(args, 1));
    Ok(Value::str(s.strip_suffix(suffix).unwrap_or(s)))
}

pub(super) fn replace(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let (s, substr, with) = (str_arg(args, 0), str_arg(args, 1), str_arg(args, 2));
    if substr.len() > 1 && substr.starts_with('/') && substr.ends_with('/') {
        return Err(format!(
            "{substr} is a regular expression, which recon does not support yet; \
             pass the plain text to replace instead"
        ));
    }
    Ok(Value::String(s.replace(substr, with)))
}

pub(super) fn substr(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn indent(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let spaces = whole(num_arg(args, 0), "spaces")?;
    if spaces < 0 {
        return Err(format!("spaces must not be negative, got {spaces}"));
    }
    let text = str_arg(args, 1);
    let max = crate::config::limits::MAX_STRING;
    let lines = text.matches('\n').count() as f64;
    if text.len() as f64 + lines * spaces as f64 > max as f64 {
        return Err(format!(
            "the result would be longer than the {max} characters recon allows in a string"
        ));
    }
    let pad = format!("\n{}", " ".repeat(spaces as usize));
    Ok(Value::String(text.replace('\n', &pad)))
}
