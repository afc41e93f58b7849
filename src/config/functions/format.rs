//! `format` and `formatlist`: Terraform's printf dialect (cty's format function).

use super::*;
use std::iter::Peekable;
use std::str::CharIndices;

pub(super) fn format(args: &[Value], _: &FnContext) -> Result<Value, String> {
    format_values(str_arg(args, 0), &args[1..]).map(Value::String)
}

pub(super) fn formatlist(args: &[Value], _: &FnContext) -> Result<Value, String> {
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
pub(super) struct Verb<'a> {
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

pub(super) fn format_values(fmt: &str, args: &[Value]) -> Result<String, String> {
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
pub(super) fn parse_verb<'a>(
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
    let max = crate::config::limits::MAX_FORMAT_WIDTH;
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

pub(super) fn read_digits(chars: &mut Peekable<CharIndices>) -> Option<usize> {
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

pub(super) fn format_one(verb: &Verb, arg: &Value) -> Result<String, String> {
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

pub(super) fn pad_width(verb: &Verb, text: String) -> String {
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
pub(super) fn go_integer(verb: &Verb, n: f64) -> Option<String> {
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
pub(super) fn go_float(verb: &Verb, n: f64) -> String {
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
pub(super) fn go_float_text(n: f64, mode: char, prec: Option<usize>) -> String {
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
pub(super) fn decimal_digits(x: f64, sig: Option<usize>) -> (Vec<u8>, i32) {
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

pub(super) fn fmt_e(digits: &[u8], exp: i32, prec: usize, upper: bool) -> String {
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

pub(super) fn fmt_f(digits: &[u8], exp: i32, prec: usize) -> String {
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
