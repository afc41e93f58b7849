//! EventBridge cron expressions (`cron(Minutes Hours Day-of-month Month
//! Day-of-week Year)`, UTC): parsed, and asked whether they fire on a day.

use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq)]
pub struct Cron {
    pub minutes: BTreeSet<u32>,
    pub hours: BTreeSet<u32>,
    months: BTreeSet<u32>,
    day_of_month: DaySel,
    day_of_week: DaySel,
}

/// Which days a day-of-month or day-of-week field selects.
#[derive(Clone, Debug, PartialEq)]
enum DaySel {
    Any,
    Values(BTreeSet<u32>),
    /// `L` in day-of-month.
    LastOfMonth,
    /// `5L` in day-of-week: the last Thursday of the month.
    LastWeekday(u32),
    /// `6#3` in day-of-week: the third Friday of the month.
    NthWeekday(u32, u32),
}

/// A calendar day as a cron field sees it.
#[derive(Clone, Copy, Debug)]
pub struct Day {
    pub month: u32,
    pub day: u32,
    /// 1 = Sunday ... 7 = Saturday, as EventBridge numbers them.
    pub weekday: u32,
    pub days_in_month: u32,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    /// Parses `cron(...)`; anything else (`rate(...)`, a year-limited or `W`
    /// schedule) is an error saying why.
    pub fn parse(expression: &str) -> Result<Cron, String> {
        let text = expression.trim();
        let inner = text
            .strip_prefix("cron(")
            .and_then(|t| t.strip_suffix(')'))
            .ok_or_else(|| format!("{text:?} is not a cron(...) expression"))?;
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields[..] else {
            return Err(format!("{text:?} needs 6 fields, has {}", fields.len()));
        };
        if year != "*" {
            return Err(format!("{text:?} is limited to some years; not averaged"));
        }
        Ok(Cron {
            minutes: values(minutes, 0, 59, &[])?,
            hours: values(hours, 0, 23, &[])?,
            months: values(month, 1, 12, &MONTHS)?,
            day_of_month: day_of_month(dom)?,
            day_of_week: day_of_week(dow)?,
        })
    }

    pub fn fires_on(&self, d: Day) -> bool {
        self.months.contains(&d.month)
            && matches_day(&self.day_of_month, d, d.day)
            && matches_day(&self.day_of_week, d, d.weekday)
    }
}

fn matches_day(sel: &DaySel, d: Day, field_value: u32) -> bool {
    match sel {
        DaySel::Any => true,
        DaySel::Values(set) => set.contains(&field_value),
        DaySel::LastOfMonth => d.day == d.days_in_month,
        DaySel::LastWeekday(w) => d.weekday == *w && d.day + 7 > d.days_in_month,
        DaySel::NthWeekday(w, n) => d.weekday == *w && (d.day - 1) / 7 + 1 == *n,
    }
}

fn day_of_month(field: &str) -> Result<DaySel, String> {
    match field {
        "?" | "*" => Ok(DaySel::Any),
        "L" => Ok(DaySel::LastOfMonth),
        f if f.contains('W') => Err(format!(
            "day-of-month {f:?} (nearest weekday) is not supported"
        )),
        f => Ok(DaySel::Values(values(f, 1, 31, &[])?)),
    }
}

fn day_of_week(field: &str) -> Result<DaySel, String> {
    let weekday = |s: &str| single(s, 1, 7, &WEEKDAYS);
    match field {
        "?" | "*" => Ok(DaySel::Any),
        f if f.ends_with('L') && f.len() > 1 => {
            Ok(DaySel::LastWeekday(weekday(&f[..f.len() - 1])?))
        }
        f if f.contains('#') => {
            let (w, n) = f.split_once('#').unwrap_or((f, ""));
            let n: u32 = n
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| format!("{f:?}: the week after # must be 1 to 5"))?;
            Ok(DaySel::NthWeekday(weekday(w)?, n))
        }
        f => Ok(DaySel::Values(values(f, 1, 7, &WEEKDAYS)?)),
    }
}

/// A field of values, ranges and steps: `*`, `5`, `1-5`, `*/15`, `10/5`, `MON-FRI`, `1,3`.
fn values(field: &str, min: u32, max: u32, names: &[&str]) -> Result<BTreeSet<u32>, String> {
    let mut set = BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{item:?}: bad step"))?;
                (r, step)
            }
            None => (item, 1),
        };
        let (low, high) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (single(a, min, max, names)?, single(b, min, max, names)?),
                // `10/5` runs from 10 to the end; a lone `10` is just 10.
                None => {
                    let v = single(r, min, max, names)?;
                    (v, if item.contains('/') { max } else { v })
                }
            },
        };
        if low > high {
            return Err(format!("{item:?}: the range runs backwards"));
        }
        set.extend((low..=high).step_by(step as usize));
    }
    Ok(set)
}

fn single(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    let value = match names.iter().position(|n| *n == upper) {
        Some(i) => min + i as u32,
        None => text
            .parse()
            .map_err(|_| format!("{text:?} is not a number or a name"))?,
    };
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{text:?} is outside {min}-{max}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(month: u32, day: u32, weekday: u32, days_in_month: u32) -> Day {
        Day {
            month,
            day,
            weekday,
            days_in_month,
        }
    }

    #[test]
    fn parses_the_example_stacks_saturday_schedule() {
        let c = Cron::parse("cron(0 4 ? * SAT *)").unwrap();
        assert_eq!(c.minutes, BTreeSet::from([0]));
        assert_eq!(c.hours, BTreeSet::from([4]));
        assert!(c.fires_on(day(3, 7, 7, 31)));
        assert!(!c.fires_on(day(3, 8, 1, 31)));
    }

    #[test]
    fn ranges_steps_lists_and_names() {
        let c = Cron::parse("cron(*/15 8-10,20 ? JAN-MAR MON-FRI *)").unwrap();
        assert_eq!(c.minutes, BTreeSet::from([0, 15, 30, 45]));
        assert_eq!(c.hours, BTreeSet::from([8, 9, 10, 20]));
        assert!(c.fires_on(day(2, 10, 2, 28)));
        assert!(!c.fires_on(day(4, 10, 2, 30)));
        assert!(!c.fires_on(day(2, 10, 1, 28)));
        let c = Cron::parse("cron(0 10/6 1,15 * ? *)").unwrap();
        assert_eq!(c.hours, BTreeSet::from([10, 16, 22]));
        assert!(c.fires_on(day(6, 15, 4, 30)));
        assert!(!c.fires_on(day(6, 14, 3, 30)));
    }

    #[test]
    fn last_and_nth_days() {
        let last = Cron::parse("cron(0 0 L * ? *)").unwrap();
        assert!(last.fires_on(day(2, 28, 3, 28)) && !last.fires_on(day(3, 28, 3, 31)));
        let last_friday = Cron::parse("cron(0 0 ? * 6L *)").unwrap();
        assert!(
            last_friday.fires_on(day(1, 26, 6, 31)) && !last_friday.fires_on(day(1, 19, 6, 31))
        );
        let second_monday = Cron::parse("cron(0 0 ? * MON#2 *)").unwrap();
        assert!(
            second_monday.fires_on(day(1, 8, 2, 31)) && !second_monday.fires_on(day(1, 1, 2, 31))
        );
    }

    #[test]
    fn refuses_what_it_cannot_average() {
        for bad in [
            "rate(1 hour)",
            "cron(0 4 ? * SAT 2026)",
            "cron(0 4 15W * ? *)",
            "cron(0 25 * * ? *)",
            "cron(0 4 * *)",
            "cron(0 5-4 * * ? *)",
            "cron(0/0 4 * * ? *)",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
