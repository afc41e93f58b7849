//! The one waiter and the one "try again while" of the provider toolkit: every
//! resource type waits for AWS (a new object to become usable, a deleted one to
//! go, a setting to propagate) and retries calls that AWS refuses for a while
//! (a dependency still leaving, an entity not visible yet) through these two.
//!
//! The SDK's own retry policy ([`super::call`]) covers throttling and transient
//! failures of single calls; these cover the states of the objects.

use crate::provider::{ProviderError, ProviderResult};
use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

/// How a wait or a retry paces itself: the first pause, doubled after each try
/// up to `max`, and how long it goes on before giving up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pace {
    pub timeout: Duration,
    pub first: Duration,
    pub max: Duration,
}

impl Pace {
    /// 200 ms, doubling to 5 s, for at most `timeout`.
    pub const fn backoff(timeout: Duration) -> Pace {
        Pace {
            timeout,
            first: Duration::from_millis(200),
            max: Duration::from_secs(5),
        }
    }

    /// A fixed pause of `interval` between tries, for at most `timeout`.
    pub const fn every(interval: Duration, timeout: Duration) -> Pace {
        Pace {
            timeout,
            first: interval,
            max: interval,
        }
    }

    /// The same pace, with another first pause.
    pub const fn starting(self, first: Duration) -> Pace {
        Pace { first, ..self }
    }

    /// The same pace, with another longest pause.
    pub const fn at_most(self, max: Duration) -> Pace {
        Pace { max, ..self }
    }
}

/// Calls `check` until it yields a value; `Ok(None)` when `pace.timeout` ran out
/// first (for callers with their own words, or partial state, for a timeout). An
/// error from `check` ends the wait at once.
pub async fn poll_until<T, F, Fut>(pace: Pace, mut check: F) -> ProviderResult<Option<T>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<Option<T>>>,
{
    let start = Instant::now();
    let mut delay = pace.first;
    loop {
        if let Some(found) = check().await? {
            return Ok(Some(found));
        }
        if start.elapsed() >= pace.timeout {
            return Ok(None);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(pace.max);
    }
}

/// Calls `check` until it yields a value, or fails with a `Timeout` error that
/// says what it waited for ("timed out after 300s waiting for {what}").
pub async fn wait_until<T, F, Fut>(what: impl Display, pace: Pace, check: F) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<Option<T>>>,
{
    poll_until(pace, check)
        .await?
        .ok_or_else(|| timed_out(&what, pace))
}

/// Waits until `exists` says no: the object is gone.
pub async fn wait_gone<F, Fut>(what: impl Display, pace: Pace, mut exists: F) -> ProviderResult<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<bool>>,
{
    let gone = || {
        let exists = exists();
        async move { Ok((!exists.await?).then_some(())) }
    };
    wait_until(format!("{what} to be deleted"), pace, gone).await
}

/// The error of a wait that ran out of time.
pub fn timed_out(what: &impl Display, pace: Pace) -> ProviderError {
    ProviderError::with_code(
        "Timeout",
        format!(
            "timed out after {}s waiting for {what}",
            pace.timeout.as_secs()
        ),
    )
}

/// Runs `call` again while its error is one `again` accepts, for at most
/// `pace.timeout`; then the last error stands.
pub async fn retry_while<T, F, Fut>(
    pace: Pace,
    again: impl Fn(&ProviderError) -> bool,
    mut call: F,
) -> ProviderResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ProviderResult<T>>,
{
    let start = Instant::now();
    let mut delay = pace.first;
    loop {
        match call().await {
            Err(e) if again(&e) && start.elapsed() < pace.timeout => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(pace.max);
            }
            other => return other,
        }
    }
}

/// Whether an error's code is one of `codes`.
pub fn has_code(err: &ProviderError, codes: &[&str]) -> bool {
    err.code.as_deref().is_some_and(|c| codes.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    const QUICK: Pace = Pace::every(Duration::from_millis(1), Duration::from_millis(50));

    #[tokio::test]
    async fn waits_until_the_check_yields() {
        let tries = AtomicU32::new(0);
        let got = wait_until("three tries", QUICK, || async {
            let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
            Ok((n == 3).then_some(n))
        })
        .await
        .unwrap();
        assert_eq!(got, 3);
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_says_what_it_waited_for() {
        let err = wait_until("nothing", QUICK, || async { Ok(None::<()>) })
            .await
            .unwrap_err();
        assert_eq!(err.code.as_deref(), Some("Timeout"));
        assert_eq!(err.message, "timed out after 0s waiting for nothing");
        let gone = wait_gone("x", QUICK, || async { Ok(true) })
            .await
            .unwrap_err();
        assert!(
            gone.message.ends_with("waiting for x to be deleted"),
            "{}",
            gone.message
        );
    }

    #[tokio::test]
    async fn retries_only_what_it_is_told_to() {
        let tries = AtomicU32::new(0);
        let busy = |e: &ProviderError| has_code(e, &["Busy"]);
        let got = retry_while(QUICK, busy, || async {
            match tries.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(ProviderError::with_code("Busy", "later")),
                n => Ok(n),
            }
        })
        .await
        .unwrap();
        assert_eq!(got, 2);
        let other = retry_while(QUICK, busy, || async {
            Err::<(), _>(ProviderError::with_code("Denied", "no"))
        })
        .await
        .unwrap_err();
        assert_eq!(other.code.as_deref(), Some("Denied"));
    }
}
