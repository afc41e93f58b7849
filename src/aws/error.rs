//! Maps SDK errors to provider errors that carry the service's code, message and
//! an [`ErrorKind`] set once here from the services' code tables.

use crate::provider::{ErrorKind, ProviderError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Codes with which a service refuses a request before doing anything.
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "BandwidthLimitExceeded",
];

/// Codes of a server-side failure: the request may or may not have been done.
const TRANSIENT: &[&str] = &[
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalException",
    "ServiceFailure",
    "ServiceException",
    "KMSInternalException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Codes of "it exists already" or "another change is in progress".
const CONFLICT: &[&str] = &[
    "EntityAlreadyExists",
    "AlreadyExistsException",
    "ResourceAlreadyExistsException",
    "ResourceConflictException",
    "QueueAlreadyExists",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "InvalidGroup.Duplicate",
    "InvalidPermission.Duplicate",
    "InvalidSubnet.Conflict",
    "IncorrectState",
    "IncorrectInstanceState",
    "ConcurrentModificationException",
    "OperationAborted",
    "Conflict",
];

/// Codes of "something else is in the way".
const DEPENDENCY: &[&str] = &[
    "DependencyViolation",
    "DeleteConflict",
    "InvalidGroup.InUse",
    "VolumeInUse",
    "BucketNotEmpty",
];

/// The kind of a service error code.
pub fn kind_of_code(code: &str) -> ErrorKind {
    if THROTTLED.contains(&code) {
        ErrorKind::Throttled
    } else if TRANSIENT.contains(&code) {
        ErrorKind::Transient
    } else if is_not_found_code(code) {
        ErrorKind::NotFound
    } else if CONFLICT.contains(&code) {
        ErrorKind::Conflict
    } else if DEPENDENCY.contains(&code) {
        ErrorKind::Dependency
    } else {
        ErrorKind::Other
    }
}

pub fn sdk_error<E>(err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().map(str::to_string);
    let server_error =
        matches!(&err, SdkError::ServiceError(e) if e.raw().status().is_server_error());
    let kind = match (&err, code.as_deref()) {
        // No answer, or one that could not be read: whether the call ran is unknown.
        (
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_),
            _,
        ) => ErrorKind::Transient,
        (_, Some(code)) => match kind_of_code(code) {
            // A 5xx under a code of its own (EventBridge's InternalException, ...).
            ErrorKind::Other if server_error => ErrorKind::Transient,
            kind => kind,
        },
        _ if server_error => ErrorKind::Transient,
        _ => ErrorKind::Other,
    };
    let message = match err.message() {
        Some(m) => m.to_string(),
        None => DisplayErrorContext(&err).to_string(),
    };
    let mut out = ProviderError::new(message).with_kind(kind);
    out.code = code;
    out
}

fn is_not_found_code(c: &str) -> bool {
    c.ends_with(".NotFound")
        || c.ends_with("NotFound")
        || c.ends_with("NotFoundException")
        || c == "NoSuchEntity"
        || c == "NoSuchBucket"
        || c == "NoSuchKey"
}

/// True for the codes services use for "no such resource".
pub fn is_not_found(err: &ProviderError) -> bool {
    err.kind == ErrorKind::NotFound || err.code.as_deref().is_some_and(is_not_found_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of_code("RequestLimitExceeded"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("SlowDown"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("InternalError"), ErrorKind::Transient);
        assert_eq!(kind_of_code("InvalidVpcID.NotFound"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("EntityAlreadyExists"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("DependencyViolation"), ErrorKind::Dependency);
        assert_eq!(kind_of_code("InvalidParameterValue"), ErrorKind::Other);
        assert!(ErrorKind::Throttled.is_retryable() && ErrorKind::Transient.is_retryable());
        assert!(!ErrorKind::Conflict.is_retryable());
    }
}
