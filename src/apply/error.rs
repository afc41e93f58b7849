//! What went wrong with one resource during an apply, typed: the address, the
//! step, where the resource is declared, and the provider's error (kind, AWS
//! code, message, request id). The views in `render::apply` word it for
//! people and for tools.

use crate::addr::InstanceAddr;
use crate::provider::{ErrorKind, ProviderError};

/// What the apply was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Create,
    Update,
    Delete,
    Read,
    /// Snapshotting the volumes a delete destroys.
    Snapshot,
    /// Writing state (or outputs) to the backend.
    State,
}

impl Step {
    /// "creating aws_instance.web"
    pub fn verb(self) -> &'static str {
        match self {
            Step::Create => "creating",
            Step::Update => "updating",
            Step::Delete => "destroying",
            Step::Read => "reading",
            Step::Snapshot => "snapshotting the volumes of",
            Step::State => "recording",
        }
    }

    /// The action's name in machine-readable output (Terraform's where it has one).
    pub fn name(self) -> &'static str {
        match self {
            Step::Create => "create",
            Step::Update => "update",
            Step::Delete => "delete",
            Step::Read => "read",
            Step::Snapshot => "snapshot",
            Step::State => "state",
        }
    }
}

/// Why a step failed: AWS (or the provider) said no, or recon could not go on
/// (the configuration, a policy, the state backend).
#[derive(Clone, Debug)]
pub enum Cause {
    Provider(ProviderError),
    Recon(String),
}

impl From<ProviderError> for Cause {
    fn from(e: ProviderError) -> Self {
        Cause::Provider(e)
    }
}

impl From<String> for Cause {
    fn from(e: String) -> Self {
        Cause::Recon(e)
    }
}

/// One failure of an apply.
#[derive(Clone, Debug)]
pub struct ApplyError {
    /// The instance; None for what belongs to no resource (the state's final
    /// rewrite, outputs).
    pub addr: Option<InstanceAddr>,
    pub step: Step,
    /// Where the resource is declared: `main.tf:12`.
    pub declared_at: Option<String>,
    pub cause: Cause,
    /// What the failure leaves behind (a tainted object, a pending create,
    /// nothing destroyed), when that is not "nothing changed".
    pub outcome: Option<String>,
}

impl ApplyError {
    pub fn new(step: Step, cause: impl Into<Cause>) -> ApplyError {
        ApplyError {
            addr: None,
            step,
            declared_at: None,
            cause: cause.into(),
            outcome: None,
        }
    }

    /// The address as text, or what the failure is about when it has none.
    pub fn address(&self) -> String {
        match &self.addr {
            Some(a) => a.to_string(),
            None => "state".to_string(),
        }
    }

    pub fn provider(&self) -> Option<&ProviderError> {
        match &self.cause {
            Cause::Provider(e) => Some(e),
            Cause::Recon(_) => None,
        }
    }

    pub fn kind(&self) -> Option<ErrorKind> {
        self.provider().map(|e| e.kind)
    }

    pub fn code(&self) -> Option<&str> {
        self.provider().and_then(|e| e.code.as_deref())
    }

    pub fn message(&self) -> &str {
        match &self.cause {
            Cause::Provider(e) => &e.message,
            Cause::Recon(m) => m,
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        self.provider().and_then(ProviderError::request_id)
    }

    /// A failure of the setup (endpoint, credentials), the same for every resource.
    pub fn is_setup(&self) -> bool {
        self.kind().is_some_and(ErrorKind::is_setup)
    }

    /// What to do, where it is known from the kind or the code.
    pub fn hint(&self) -> Option<&'static str> {
        let code = self.code().unwrap_or_default();
        if code.contains("AccessDenied") || code == "UnauthorizedOperation" {
            return Some("the credentials lack permission for this call: grant it in IAM, or use a role that has it");
        }
        if code.starts_with("InvalidParameter") || code == "ValidationError" {
            return Some(
                "AWS rejected a value of this resource: check its arguments where it is declared",
            );
        }
        match self.kind()? {
            ErrorKind::NotFound => Some("something it refers to does not exist in this account and region: check the id, or create it first"),
            ErrorKind::Conflict => Some("it exists already, or another change to it is in progress: import it (recon import ADDRESS ID), choose another name, or apply again"),
            ErrorKind::Dependency => Some("something else still uses it: remove or detach that first, then apply again"),
            ErrorKind::Throttled => Some("AWS kept throttling the calls: apply again later, or with a lower --parallelism"),
            ErrorKind::Transient => Some("AWS failed on its side: apply again"),
            ErrorKind::Unreachable | ErrorKind::Credentials | ErrorKind::Other => None,
        }
    }

    /// The whole chain as the SDK reported it (`--debug`).
    pub fn detail(&self) -> Option<&str> {
        self.provider().and_then(ProviderError::detail)
    }
}

/// The one line: `creating aws_instance.web (main.tf:12): InvalidAMIID.NotFound:
/// The image id '[ami-1]' does not exist (request id 1234). <outcome>`. A setup
/// failure is its message alone.
impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_setup() {
            return f.write_str(self.message());
        }
        write!(f, "{} {}", self.step.verb(), self.address())?;
        if let Some(at) = &self.declared_at {
            write!(f, " ({at})")?;
        }
        f.write_str(": ")?;
        if let Some(code) = self.code() {
            write!(f, "{code}: ")?;
        }
        f.write_str(self.message())?;
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        if let Some(outcome) = &self.outcome {
            write!(f, ". {outcome}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance_error() -> ApplyError {
        let mut aws = ProviderError::with_code(
            "InvalidAMIID.NotFound",
            "The image id '[ami-1]' does not exist",
        )
        .with_kind(ErrorKind::NotFound);
        aws.reported = Some(Box::new(crate::provider::Reported {
            request_id: Some("1234".into()),
            chain: String::new(),
        }));
        ApplyError {
            addr: Some("aws_instance.web".parse().unwrap()),
            declared_at: Some("main.tf:12".into()),
            ..ApplyError::new(Step::Create, aws)
        }
    }

    #[test]
    fn one_line_names_step_address_declaration_code_and_request_id() {
        let e = instance_error();
        assert_eq!(
            e.to_string(),
            "creating aws_instance.web (main.tf:12): InvalidAMIID.NotFound: The image id '[ami-1]' does not exist (request id 1234)"
        );
        assert!(e.hint().unwrap().contains("does not exist"));
    }

    #[test]
    fn a_setup_failure_is_its_message_alone() {
        let e = ApplyError {
            addr: Some("aws_vpc.main".parse().unwrap()),
            ..ApplyError::new(
                Step::Create,
                ProviderError::new(
                    "cannot reach http://127.0.0.1:1 (connection refused): check AWS_ENDPOINT_URL / network",
                )
                .with_kind(ErrorKind::Unreachable),
            )
        };
        assert!(e.is_setup());
        assert!(e.to_string().starts_with("cannot reach http://127.0.0.1:1"));
        assert_eq!(e.hint(), None);
    }
}
