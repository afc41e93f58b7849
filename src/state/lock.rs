//! The state lock: who holds it and for what, taking it with a bounded wait, and
//! the small time helpers its messages need.
//!
//! Each backend makes taking the lock atomic on its own (an S3 object written
//! with `If-None-Match: *`, a local file linked into place); this module is the
//! part they share.

use super::{Backend, StateError};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What a lock object holds, so that the next operator knows whom to ask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A UUID: `recon force-unlock` needs it, so a lock is never broken by mistake.
    pub id: String,
    /// The command that holds it: apply, destroy, plan, state rm, ...
    pub operation: String,
    /// user@host.
    pub who: String,
    /// When it was taken, RFC 3339 UTC.
    pub created: String,
    /// The recon version that took it.
    pub version: String,
    /// The state it guards.
    #[serde(default)]
    pub path: String,
}

impl LockInfo {
    /// A new lock for `operation` on the state at `path`, taken by this process.
    pub fn new(operation: &str, path: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: who(),
            created: rfc3339(SystemTime::now()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            path: path.to_string(),
        }
    }

    /// How long ago the lock was taken, e.g. "3m12s ago", when it can be told.
    pub fn age(&self) -> Option<String> {
        let created = parse_rfc3339(&self.created)?;
        let secs = SystemTime::now().duration_since(created).ok()?.as_secs();
        Some(format!("{} ago", human_duration(secs)))
    }
}

/// Takes the lock, waiting up to `timeout` with backoff while someone else
/// holds it; `waiting` is called once, with the holder, when a wait begins.
pub async fn acquire(
    backend: &dyn Backend,
    info: &LockInfo,
    timeout: Duration,
    mut waiting: impl FnMut(&LockInfo) + Send,
) -> Result<(), StateError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    let mut told = false;
    loop {
        match backend.lock(info).await {
            Err(StateError::Locked { location, holder }) => {
                let left = timeout.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return Err(StateError::Locked { location, holder });
                }
                if !told {
                    waiting(&holder);
                    told = true;
                }
                // Jitter keeps several waiters from retrying in lockstep.
                let jitter = Duration::from_millis((uuid::Uuid::new_v4().as_u128() % 100) as u64);
                tokio::time::sleep((delay + jitter).min(left)).await;
                delay = (delay * 3 / 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// user@host for lock messages.
pub fn who() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "unknown-host".to_string());
    format!("{user}@{host}")
}

/// `--lock-timeout` values: `0`, `500ms`, `30s`, `5m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration; write e.g. 30s, 5m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "\"{text}\": unknown unit \"{unit}\"; use ms, s, m or h"
            ))
        }
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("\"{text}\" is not a duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 86400 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

/// `2025-01-02T03:04:05Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86400) as i64;
    let rem = secs % 86400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Parses what `rfc3339` writes (fractions and offsets are not needed here).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let secs = days * 86400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

// Howard Hinnant's civil-date algorithms (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips() {
        for secs in [0u64, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            let text = rfc3339(t);
            assert_eq!(parse_rfc3339(&text), Some(t), "{text}");
        }
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_825_845)),
            "2000-02-29T12:04:05Z"
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
        assert_eq!(human_duration(192), "3m12s");
    }

    #[test]
    fn lock_info_says_who_and_when() {
        let info = LockInfo::new("apply", "state/web.json");
        assert!(info.who.contains('@'));
        assert_eq!(info.operation, "apply");
        assert!(uuid::Uuid::parse_str(&info.id).is_ok());
        assert!(info.age().unwrap().ends_with("s ago"), "{:?}", info.age());
        let json = serde_json::to_string(&info).unwrap();
        assert_eq!(serde_json::from_str::<LockInfo>(&json).unwrap(), info);
    }
}
