//! Maps SDK errors to provider errors that carry the service's code, message,
//! request id and an [`ErrorKind`] set once here from the services' code tables.
//! Setup failures (an endpoint that cannot be reached, missing or refused
//! credentials) become one line that says what to do.

use crate::provider::{ErrorKind, ProviderError, ProviderResult, Reported};
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::error::Error;

/// Codes with which a service refuses a request before doing anything.
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    // SNS's ThrottledException carries this code.
    "Throttled",
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
    // SQS's "a queue of this name has other settings" (query and JSON protocols).
    "QueueAlreadyExists",
    "QueueNameExists",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "InvalidGroup.Duplicate",
    "InvalidKeyPair.Duplicate",
    "InvalidLaunchTemplateName.AlreadyExistsException",
    "InvalidPermission.Duplicate",
    "InvalidSubnet.Conflict",
    "IncorrectState",
    "IncorrectInstanceState",
    "ConcurrentModificationException",
    // moto's answer to a taken Lambda alias name (AWS: ResourceConflictException).
    "ConflictException",
    // SNS: another request changes the same topic or subscription.
    "ConcurrentAccess",
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

/// Codes with which a service refuses the caller's credentials.
const CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "AuthFailure",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "ExpiredTokenException",
];

/// What to do about credentials, said wherever they are missing or refused.
pub const SET_CREDENTIALS: &str =
    "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (log in again if they expired)";

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
    } else if CREDENTIALS.contains(&code) {
        ErrorKind::Credentials
    } else {
        ErrorKind::Other
    }
}

pub fn sdk_error<E>(err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let chain = DisplayErrorContext(&err).to_string();
    if let Some(setup) = setup_failure(&err) {
        return ProviderError {
            reported: Some(Box::new(Reported {
                request_id: None,
                chain,
            })),
            ..setup
        };
    }
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
    let mut message = match err.message() {
        Some(m) => m.to_string(),
        None => summary(&err),
    };
    if kind == ErrorKind::Credentials {
        message = format!("{message}: AWS refused the credentials; {SET_CREDENTIALS}");
    }
    let request_id = request_id(&err);
    let mut out = ProviderError::new(message).with_kind(kind);
    out.code = code;
    out.reported = Some(Box::new(Reported { request_id, chain }));
    out
}

/// An endpoint that could not be reached or credentials that could not be
/// loaded: the same for every call, and nothing was sent.
fn setup_failure<E, R>(err: &SdkError<E, R>) -> Option<ProviderError>
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let source = match err {
        SdkError::DispatchFailure(d) => d.as_connector_error()? as &(dyn Error + 'static),
        SdkError::ConstructionFailure(_) => err.source()?,
        _ => return None,
    };
    if let Some(u) = find::<Unreachable>(source) {
        return Some(ProviderError::new(u.to_string()).with_kind(ErrorKind::Unreachable));
    }
    if let Some(c) = find::<CredentialsError>(source) {
        return Some(ProviderError::new(credentials_message(c)).with_kind(ErrorKind::Credentials));
    }
    None
}

/// One line for credentials that could not be loaded.
pub fn credentials_message(err: &CredentialsError) -> String {
    match err {
        CredentialsError::CredentialsNotLoaded(_) => {
            format!("no AWS credentials: {SET_CREDENTIALS}")
        }
        other => format!(
            "the AWS credentials could not be loaded ({}): {SET_CREDENTIALS}",
            innermost(other)
        ),
    }
}

/// A connection to `endpoint` that never opened: refused, no such host, or
/// no answer to the connect. Nothing was sent.
#[derive(Debug)]
pub struct Unreachable {
    pub endpoint: String,
    pub reason: String,
    /// The connector's own report, for `--debug`.
    pub cause: String,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot reach {} ({}): check AWS_ENDPOINT_URL / network",
            self.endpoint, self.reason
        )
    }
}

impl Error for Unreachable {}

/// Why a connection never opened, when `err` says it did not: None for a
/// failure after the connection was made (the request may have been sent).
pub fn connect_failure(err: &(dyn Error + 'static)) -> Option<String> {
    let connect = find::<hyper_util::client::legacy::Error>(err)?;
    if !connect.is_connect() {
        return None;
    }
    let io = find::<std::io::Error>(err).map(std::io::Error::kind);
    Some(match io {
        Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_string(),
        Some(std::io::ErrorKind::TimedOut) => "connect timed out".to_string(),
        _ if chain(err).any(|e| e.to_string().starts_with("dns error")) => {
            format!("DNS lookup failed: {}", innermost(err))
        }
        _ => innermost(err),
    })
}

/// `scheme://host[:port]` of a request URI.
pub fn endpoint_of(uri: &str) -> String {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    let end = uri[after_scheme..]
        .find(['/', '?'])
        .map_or(uri.len(), |i| after_scheme + i);
    uri[..end].to_string()
}

fn chain<'a>(err: &'a (dyn Error + 'static)) -> impl Iterator<Item = &'a (dyn Error + 'static)> {
    std::iter::successors(Some(err), |e: &&'a (dyn Error + 'static)| (*e).source())
}

fn find<'a, T: Error + 'static>(err: &'a (dyn Error + 'static)) -> Option<&'a T> {
    chain(err).find_map(|e| e.downcast_ref::<T>())
}

/// The deepest cause's text: the one that says what happened.
fn innermost(err: &(dyn Error + 'static)) -> String {
    chain(err)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// One line for an SDK error without a service message: its causes, joined.
fn summary<E, R>(err: &SdkError<E, R>) -> String
where
    E: Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

/// The id AWS gave the request: in the error body (EC2, IAM, STS) or a header.
fn request_id<E>(err: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: ProvideErrorMetadata,
{
    if let Some(id) = err.meta().extra("aws_request_id") {
        return Some(id.to_string());
    }
    let headers = err.raw_response()?.headers();
    ["x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id"]
        .iter()
        .find_map(|h| headers.get(*h))
        .map(str::to_string)
}

/// "No such resource" codes that do not say NotFound (SQS, query and JSON protocols).
const NOT_FOUND: &[&str] = &[
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
];

fn is_not_found_code(c: &str) -> bool {
    NOT_FOUND.contains(&c)
        || c.ends_with(".NotFound")
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

/// A delete's answer, where "no such resource" means done: the object is gone
/// already (deleted by hand, or by an earlier attempt whose answer was lost).
pub fn gone_ok<T>(answer: ProviderResult<T>) -> ProviderResult<()> {
    match answer {
        Err(e) if is_not_found(&e) => Ok(()),
        other => other.map(drop),
    }
}

/// A describe's answer, where "no such resource" means there is none.
pub fn none_if_gone<T>(answer: ProviderResult<T>) -> ProviderResult<Option<T>> {
    match answer {
        Err(e) if is_not_found(&e) => Ok(None),
        other => other.map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of_code("RequestLimitExceeded"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("SlowDown"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("Throttled"), ErrorKind::Throttled);
        assert_eq!(kind_of_code("ConcurrentAccess"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("InternalError"), ErrorKind::Transient);
        assert_eq!(kind_of_code("InvalidVpcID.NotFound"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("QueueDoesNotExist"), ErrorKind::NotFound);
        assert_eq!(kind_of_code("EntityAlreadyExists"), ErrorKind::Conflict);
        assert_eq!(kind_of_code("DependencyViolation"), ErrorKind::Dependency);
        assert_eq!(kind_of_code("InvalidParameterValue"), ErrorKind::Other);
        assert_eq!(kind_of_code("InvalidClientTokenId"), ErrorKind::Credentials);
        assert_eq!(kind_of_code("AuthFailure"), ErrorKind::Credentials);
        assert!(ErrorKind::Throttled.is_retryable() && ErrorKind::Transient.is_retryable());
        assert!(!ErrorKind::Conflict.is_retryable());
    }

    #[test]
    fn endpoints_are_scheme_and_host() {
        assert_eq!(
            endpoint_of("https://ec2.us-east-1.amazonaws.com/?Action=DescribeVpcs"),
            "https://ec2.us-east-1.amazonaws.com"
        );
        assert_eq!(endpoint_of("http://127.0.0.1:1/"), "http://127.0.0.1:1");
        assert_eq!(endpoint_of("http://127.0.0.1:1"), "http://127.0.0.1:1");
    }

    #[test]
    fn missing_credentials_say_what_to_set() {
        let e = CredentialsError::not_loaded("no providers in chain provided credentials");
        assert_eq!(
            credentials_message(&e),
            format!("no AWS credentials: {SET_CREDENTIALS}")
        );
    }
}
