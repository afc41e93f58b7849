//! Numbers.

use super::*;

pub(super) fn signum(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let n = num_arg(args, 0);
    Ok(Value::Number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

pub(super) fn pow(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn min(args: &[Value], _: &FnContext) -> Result<Value, String> {
    extreme(args, f64::min)
}

pub(super) fn max(args: &[Value], _: &FnContext) -> Result<Value, String> {
    extreme(args, f64::max)
}

pub(super) fn extreme(args: &[Value], pick: fn(f64, f64) -> f64) -> Result<Value, String> {
    let mut numbers = args.iter().filter_map(Value::as_f64);
    let first = numbers.next().ok_or("must pass at least one number")?;
    Ok(Value::Number(numbers.fold(first, pick)))
}

pub(super) fn parseint(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn sum(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn range(args: &[Value], _: &FnContext) -> Result<Value, String> {
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

pub(super) fn decimal_places(n: f64) -> usize {
    let text = format_number(n);
    text.split_once('.')
        .map_or(0, |(_, frac)| frac.len().min(17))
}
