//! Maps SDK errors to provider errors that carry the service's code and message.

use crate::provider::ProviderError;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
];

pub fn sdk_error<E, R>(err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let transient = matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
    );
    let code = err.code().map(str::to_string);
    let message = match err.message() {
        Some(m) => m.to_string(),
        None => DisplayErrorContext(&err).to_string(),
    };
    let retryable = transient || code.as_deref().is_some_and(|c| RETRYABLE_CODES.contains(&c));
    ProviderError {
        code,
        message,
        partial: None,
        retryable,
    }
}

/// True for the codes services use for "no such resource".
pub fn is_not_found(err: &ProviderError) -> bool {
    err.code.as_deref().is_some_and(|c| {
        c.ends_with(".NotFound")
            || c.ends_with("NotFound")
            || c.ends_with("NotFoundException")
            || c == "NoSuchEntity"
            || c == "NoSuchBucket"
            || c == "NoSuchKey"
    })
}
