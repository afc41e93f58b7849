//! Running hours of an instance that schedules start and stop: replay the
//! start/stop times over a whole calendar cycle and average per month.

use super::cron::{Cron, Day};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Power {
    Start,
    Stop,
}

/// 2001-2028: 28 years repeat the Gregorian weekday pattern (1461 whole weeks),
/// so every weekday and month length counts as often as it does in the long run.
const FIRST_YEAR: i32 = 2001;
const YEARS: i32 = 28;
/// 2001-01-01 was a Monday (EventBridge numbers Sunday 1).
const FIRST_WEEKDAY: u32 = 2;
const MINUTES_PER_DAY: u64 = 24 * 60;

/// Average hours per month the instance runs, given when it is started and
/// stopped; None when neither ever fires. A state reached at the cycle's end
/// carries over to its start, as the pattern repeats.
pub fn running_hours_per_month(events: &[(Power, Cron)]) -> Option<f64> {
    let mut on = false;
    let mut on_minutes: u64 = 0;
    let mut switched_on_at: u64 = 0;
    let mut first_event: Option<u64> = None;
    let mut today: Vec<(u64, Power)> = Vec::new();
    let mut day_start: u64 = 0;
    for day in days() {
        today.clear();
        for (power, cron) in events.iter().filter(|(_, c)| c.fires_on(day)) {
            for hour in &cron.hours {
                for minute in &cron.minutes {
                    let at = day_start + u64::from(hour * 60 + minute);
                    today.push((at, *power));
                }
            }
        }
        // A start and a stop in the same minute: the stop wins (sorted last).
        today.sort();
        for (at, power) in &today {
            first_event.get_or_insert(*at);
            match (on, power) {
                (false, Power::Start) => {
                    on = true;
                    switched_on_at = *at;
                }
                (true, Power::Stop) => {
                    on = false;
                    on_minutes += at - switched_on_at;
                }
                _ => {}
            }
        }
        day_start += MINUTES_PER_DAY;
    }
    let first_event = first_event?;
    if on {
        // Running at the end, so also from the cycle's start to its first event.
        on_minutes += day_start - switched_on_at + first_event;
    }
    Some(on_minutes as f64 / 60.0 / f64::from(YEARS * 12))
}

fn days() -> impl Iterator<Item = Day> {
    let mut weekday = FIRST_WEEKDAY;
    (FIRST_YEAR..FIRST_YEAR + YEARS)
        .flat_map(move |year| {
            (1..=12).flat_map(move |month| {
                let days_in_month = days_in_month(year, month);
                (1..=days_in_month).map(move |day| (month, day, days_in_month))
            })
        })
        .map(move |(month, day, days_in_month)| {
            let d = Day {
                month,
                day,
                weekday,
                days_in_month,
            };
            weekday = weekday % 7 + 1;
            d
        })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(events: &[(Power, &str)]) -> Option<f64> {
        let events: Vec<(Power, Cron)> = events
            .iter()
            .map(|(p, c)| (*p, Cron::parse(c).unwrap()))
            .collect();
        running_hours_per_month(&events)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_cycle_has_whole_weeks_and_starts_on_a_monday() {
        let all: Vec<Day> = days().collect();
        assert_eq!(all.len(), 10227);
        assert_eq!(all.len() % 7, 0);
        // 2024-12-25 was a Wednesday (4).
        let christmas = 365 * 23 + 5 + 335 + 24;
        assert_eq!((all[christmas].month, all[christmas].day), (12, 25));
        assert_eq!(all[christmas].weekday, 4);
    }

    #[test]
    fn daily_window_is_hours_times_days_per_month() {
        let h = hours(&[
            (Power::Start, "cron(0 2 * * ? *)"),
            (Power::Stop, "cron(0 5 * * ? *)"),
        ])
        .unwrap();
        assert!(close(h, 3.0 * 10227.0 / 336.0), "{h}");
        assert!((h - 91.31).abs() < 0.01, "{h}");
    }

    #[test]
    fn weekly_window_counts_every_saturday() {
        // The example stack: on 04:00-08:00 UTC on Saturdays.
        let h = hours(&[
            (Power::Start, "cron(0 4 ? * SAT *)"),
            (Power::Stop, "cron(0 8 ? * SAT *)"),
        ])
        .unwrap();
        assert!(close(h, 4.0 * 1461.0 / 336.0), "{h}");
        assert!((h - 17.39).abs() < 0.01, "{h}");
    }

    #[test]
    fn a_window_across_midnight_and_the_cycle_end() {
        // Started Friday 22:00, stopped Monday 06:00: 56 h a week.
        let h = hours(&[
            (Power::Start, "cron(0 22 ? * FRI *)"),
            (Power::Stop, "cron(0 6 ? * MON *)"),
        ])
        .unwrap();
        assert!(close(h, 56.0 * 1461.0 / 336.0), "{h}");
    }

    #[test]
    fn repeated_starts_and_missing_stops() {
        // Started every hour and never stopped: always on.
        let h = hours(&[(Power::Start, "cron(0 * * * ? *)")]).unwrap();
        assert!(close(h, 24.0 * 10227.0 / 336.0), "{h}");
        // Only ever stopped: never runs.
        assert_eq!(hours(&[(Power::Stop, "cron(0 5 * * ? *)")]), Some(0.0));
        assert_eq!(hours(&[]), None);
    }
}
