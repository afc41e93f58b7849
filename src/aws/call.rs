//! How recon calls AWS: one retry policy and one set of timeouts for every
//! service, and the adoption helpers that keep a create exactly-once.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use std::time::Duration;

/// One attempt of one call may take this long before it counts as lost (a
/// transient error: a create is then looked for before it is tried again).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idempotent calls (reads, waits, modifies, deletes): retried by the SDK with
/// exponential backoff and jitter, patiently enough to ride out throttling.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}

/// The call of a create that makes an object: never retried by the SDK.
pub fn single_attempt() -> RetryConfig {
    RetryConfig::disabled()
}

pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(CALL_TIMEOUT)
        .build()
}

/// One partition for all of recon's clients with no retry quota: the SDK's
/// default quota gives up on retries after a burst of throttling, which would turn
/// a slow apply into a failed one.
pub fn retry_partition() -> RetryPartition {
    RetryPartition::custom("recon").token_bucket(TokenBucket::unlimited()).build()
}

/// A service's config builder from the shared SDK configuration, with recon's
/// retry policy, timeouts and retry partition.
macro_rules! configure {
    ($sdk:ident, $config:expr, $retry:expr) => {
        $sdk::config::Builder::from($config)
            .retry_config($retry)
            .timeout_config($crate::aws::call::timeout_config())
            .retry_partition($crate::aws::call::retry_partition())
    };
}
pub(crate) use configure;
