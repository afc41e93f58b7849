//! How recon calls AWS: one retry policy and one set of timeouts for every
//! service, and the adoption helpers that keep a create exactly-once.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use std::time::Duration;

/// One attempt of one call may take this long before it counts as lost (a
/// transient error: a create is then looked for before it is tried again).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// A connection not open by then never will be (see [`ConnectFailure`]).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Idempotent calls (reads, waits, modifies, deletes): retried by the SDK with
/// exponential backoff and jitter, patiently enough to ride out throttling.
/// Adaptive: once a service throttles, its client paces every later call (the
/// rate limiter lives in the client's retry partition), so a burst of reads is
/// slowed rather than failed.
pub fn retry_config() -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}

/// The call of a create that makes an object: never retried by the SDK.
pub fn single_attempt() -> RetryConfig {
    RetryConfig::disabled()
}

/// Each attempt of a call gives up after `call` (the default is [`CALL_TIMEOUT`]).
pub fn timeout_config(call: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT.min(call))
        .operation_attempt_timeout(call)
        .build()
}

/// A partition per service client, with no retry quota: the SDK's default quota
/// gives up on retries after a burst of throttling, which would turn a slow apply
/// into a failed one. Each call builds a new partition, so each service client
/// has its own adaptive rate limiter: IAM throttling does not slow EC2.
pub fn retry_partition() -> RetryPartition {
    RetryPartition::custom("recon")
        .token_bucket(TokenBucket::unlimited())
        .build()
}

/// A service's config builder from the shared SDK configuration, with recon's
/// retry policy, timeouts and retry partition.
macro_rules! configure {
    ($sdk:ident, $config:expr, $retry:expr, $timeout:expr) => {
        $sdk::config::Builder::from($config)
            .retry_config($retry)
            .timeout_config($crate::aws::call::timeout_config($timeout))
            .retry_partition($crate::aws::call::retry_partition())
            .interceptor($crate::aws::call::ThrottleNotice)
            .interceptor($crate::aws::call::ConnectFailure)
    };
}
pub(crate) use configure;

/// What is done with a throttling notice.
type Notify = Box<dyn Fn(&str) + Send + Sync>;

/// Who is told when AWS throttles recon (the CLI prints a line); set once.
static ON_THROTTLE: std::sync::OnceLock<Notify> = std::sync::OnceLock::new();
/// When the last notice went out: one line per [`NOTICE_EVERY`], not one per call.
static LAST_NOTICE: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
const NOTICE_EVERY: Duration = Duration::from_secs(10);

/// Sets what is done with "AWS is throttling" notices (the first setting stays).
pub fn on_throttle(notify: impl Fn(&str) + Send + Sync + 'static) {
    let _ = ON_THROTTLE.set(Box::new(notify));
}

/// Says, now and then, that calls are being throttled and retried: the SDK's
/// backoff is otherwise silent, and a stalled apply looks hung.
#[derive(Debug)]
pub(crate) struct ThrottleNotice;

impl aws_smithy_runtime_api::client::interceptors::Intercept for ThrottleNotice {
    fn name(&self) -> &'static str {
        "recon::ThrottleNotice"
    }

    fn read_after_attempt(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let Some(response) = context.response() else {
            return Ok(());
        };
        let status = response.status().as_u16();
        let throttled = status == 429
            || (matches!(status, 400 | 503)
                && response
                    .body()
                    .bytes()
                    .is_some_and(|b| THROTTLED_MARKS.iter().any(|m| contains(b, m.as_bytes()))));
        let Some(notify) = ON_THROTTLE.get().filter(|_| throttled) else {
            return Ok(());
        };
        let mut last = LAST_NOTICE.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < NOTICE_EVERY) {
            return Ok(());
        }
        *last = Some(std::time::Instant::now());
        let what = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| format!("{} {}", m.service(), m.name()))
            .unwrap_or_else(|| "a call".to_string());
        notify(&format!(
            "AWS is throttling requests ({what}); recon waits and tries again with backoff..."
        ));
        Ok(())
    }
}

/// Codes that mark a throttling answer in an error body.
const THROTTLED_MARKS: &[&str] = &[
    "Throttl",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequests",
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A connection that never opened (refused, no such host, no answer to the
/// connect) becomes an [`Unreachable`] error naming the endpoint, which the
/// SDK does not retry: nothing was sent, so nothing can have happened, and
/// retrying for a minute would only hide a wrong `AWS_ENDPOINT_URL` or a
/// network that is down. A failure after the connection opened (a lost
/// answer) is left as it is: retried, and a create looked for.
#[derive(Debug)]
pub(crate) struct ConnectFailure;

/// The endpoint of the attempt in flight: the request itself is gone once the
/// connector has failed with it.
#[derive(Debug, Clone)]
struct AttemptEndpoint(String);

impl aws_smithy_types::config_bag::Storable for AttemptEndpoint {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for ConnectFailure {
    fn name(&self) -> &'static str {
        "recon::ConnectFailure"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let endpoint = super::error::endpoint_of(context.request().uri());
        cfg.interceptor_state().store_put(AttemptEndpoint(endpoint));
        Ok(())
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use aws_smithy_runtime_api::client::orchestrator::OrchestratorError;
        use aws_smithy_runtime_api::client::result::ConnectorError;
        let endpoint = cfg
            .load::<AttemptEndpoint>()
            .map(|e| e.0.clone())
            .unwrap_or_else(|| "the AWS endpoint".to_string());
        let Some(Err(err)) = context.output_or_error_mut() else {
            return Ok(());
        };
        let Some(reason) = err
            .as_connector_error()
            .and_then(|c| super::error::connect_failure(c))
        else {
            return Ok(());
        };
        let cause = format!("{:?}", err.as_connector_error());
        let unreachable = super::error::Unreachable {
            endpoint,
            reason,
            cause,
        };
        // `other` without a retry kind: the SDK's classifiers leave it unretried.
        *err = OrchestratorError::connector(ConnectorError::other(Box::new(unreachable), None));
        Ok(())
    }
}
