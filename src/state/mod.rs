//! The state document: what recon last knew about every resource it manages.
//!
//! State is a versioned JSON document with a `serial` (bumped on every write) and
//! a `lineage` (fixed when the state is created), so that a backend can refuse
//! to replace a state that changed under us or belongs to another stack.

pub mod envelope;
mod identity;
pub mod journal;
pub mod local;
pub mod lock;
mod pending;
pub mod s3;
pub mod stats;
pub mod store;
pub mod terraform_v4;

use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::value::{Object, Value};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use identity::{stack_tag, OtherStack, StackIdentity};
pub use local::LocalBackend;
pub use lock::LockInfo;
pub use pending::PendingCreate;
pub use s3::S3Backend;

/// The state format this recon writes, and the newest it reads.
pub const STATE_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub serial: u64,
    pub lineage: String,
    pub recon_version: String,
    /// The stack this state belongs to; absent in states written before recon
    /// recorded it (they are bound to the stack that reads them next).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<StackIdentity>,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Creates begun and not known to have finished: written before the create
    /// call, replaced by the object once it returns. The next run resolves each
    /// (adopts what it made, or forgets it) before planning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingCreate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// The instance address as text, e.g. `aws_instance.web["a"]`; must agree with
    /// mode/type/name/index (checked on load).
    pub address: String,
    /// The module instance it belongs to, as Terraform's state v4 writes it
    /// (`module.net["a"]`); absent for the root stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_name: String,
    pub name: String,
    /// null, an integer (`count`) or a string (`for_each`).
    pub index: Json,
    #[serde(serialize_with = "sorted")]
    pub attributes: Json,
    /// Instance addresses this one depends on, so deletes can run in reverse order
    /// after the configuration that declared the edges is gone.
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub tainted: bool,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Old objects a create_before_destroy replacement still has to delete; kept
    /// until their delete succeeds so that a failure never loses them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<Json>,
    /// Attribute paths whose values are secret, as Terraform's
    /// `sensitive_attributes`: each a list of steps (an attribute name, or a
    /// list index), e.g. `[["user_data"], ["environment"]]`. Values from
    /// sensitive variables and the type's sensitive attributes are marked here,
    /// and every human view masks them as `(sensitive value)`. The values
    /// themselves are stored as they are (state holds secrets in plaintext).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Vec<Json>>,
    /// The provider configuration that manages it, as Terraform writes it:
    /// `provider["registry.terraform.io/hashicorp/aws"].west`. Absent in states
    /// written before recon recorded it: the default configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    #[serde(serialize_with = "sorted")]
    pub value: Json,
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} state at {location}: {source}")]
    Io {
        location: String,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "state at {location} cannot be read: {detail}; recon will neither use it nor \
         overwrite it: fix the file by hand or restore a previous copy (local state keeps \
         the one from before the last run next to the file as .backup)"
    )]
    Invalid { location: String, detail: String },
    #[error(
        "state at {location} has format version {found}, but this recon ({recon}) reads \
         versions up to {supported}; it was written by a newer recon: upgrade recon to use it"
    )]
    UnsupportedVersion {
        location: String,
        found: u64,
        supported: u32,
        recon: &'static str,
    },
    #[error(
        "{location} is a Terraform state (terraform.tfstate), not recon's: take over what it \
         manages with `recon state import-terraform {location}`"
    )]
    TerraformState { location: String },
    #[error(
        "state at {location} has lineage {found}, not {expected}: it belongs to another \
         stack or was re-created; refusing to replace it, check the backend settings"
    )]
    LineageMismatch {
        location: String,
        found: String,
        expected: String,
    },
    #[error(
        "state at {location} changed since it was read (serial {found} there, {expected} \
         expected); someone else wrote it, so run plan again against the new state"
    )]
    StaleSerial {
        location: String,
        found: u64,
        expected: u64,
    },
    #[error(
        "state at {location} already exists (lineage {lineage}, serial {serial}) but no \
         prior state was expected; refusing to replace it, read it first"
    )]
    AlreadyExists {
        location: String,
        lineage: String,
        serial: u64,
    },
    #[error(
        "state at {location} was expected (serial {expected}) but is gone; refusing to \
         write a new one in its place, check whether it was moved or deleted"
    )]
    Missing { location: String, expected: u64 },
    #[error(
        "refusing to write state serial {new} at {location} over serial {current}: every \
         write must increase the serial (this is a bug in recon)"
    )]
    SerialNotIncreased {
        location: String,
        new: u64,
        current: u64,
    },
    #[error(
        "{address}: {what} is still unknown (known after apply); unknown values are never \
         written to state (this is a bug in recon)"
    )]
    UnknownValue { address: String, what: String },
    #[error(
        "state at {location} is locked: lock ID {}, held by {} for {} since {} (recon {})",
        holder.id, holder.who, holder.operation, holder.created, holder.version
    )]
    Locked {
        location: String,
        holder: Box<LockInfo>,
    },
    #[error("state at {location} is not locked")]
    NotLocked { location: String },
    #[error(
        "the lock on state at {location} has ID {}, not {wanted} (held by {} for {} since \
         {}); refusing to remove a lock that is not the one named",
        holder.id, holder.who, holder.operation, holder.created
    )]
    LockMismatch {
        location: String,
        wanted: String,
        holder: Box<LockInfo>,
    },
    #[error(
        "state at {location} was changed by another writer since recon read it ({detail}); \
         recon did not overwrite it"
    )]
    Conflict { location: String, detail: String },
    #[error("cannot {action} {location}: {message}")]
    Remote {
        location: String,
        action: &'static str,
        message: String,
    },
    #[error(
        "state at {location} fails its checksum ({detail}): it was changed or damaged outside \
         recon; recon will neither use it nor overwrite it (restore an earlier version, or \
         `recon state push` a good copy)"
    )]
    Checksum { location: String, detail: String },
    #[error(
        "state at {location} is encrypted under KMS key {key}, which cannot be used here: \
         {message}; ask for kms:Decrypt on that key, or run with the credentials, account \
         and region it belongs to"
    )]
    Decrypt {
        location: String,
        key: String,
        message: String,
    },
    #[error("{what} is not available for {location}: {help}")]
    Unsupported {
        location: String,
        what: &'static str,
        help: &'static str,
    },
}

impl StateError {
    /// True when another writer got there first: the write was refused and
    /// the state on the backend was left as it was.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            StateError::StaleSerial { .. }
                | StateError::LineageMismatch { .. }
                | StateError::AlreadyExists { .. }
                | StateError::Missing { .. }
                | StateError::Conflict { .. }
        )
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// An empty state with serial 0 and a fresh lineage.
    pub fn new() -> State {
        State {
            version: STATE_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            recon_version: env!("CARGO_PKG_VERSION").to_string(),
            stack: None,
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// Prepares the next write: one more serial, stamped by this recon.
    pub fn bump_serial(&mut self) {
        self.serial += 1;
        self.recon_version = env!("CARGO_PKG_VERSION").to_string();
    }

    pub fn get(&self, addr: &InstanceAddr) -> Option<&ResourceState> {
        self.resources.iter().find(|r| r.is(addr))
    }

    pub fn get_mut(&mut self, addr: &InstanceAddr) -> Option<&mut ResourceState> {
        self.resources.iter_mut().find(|r| r.is(addr))
    }

    /// Inserts or replaces the instance, keeping resources sorted by address.
    pub fn upsert(&mut self, resource: ResourceState) {
        let addr = resource.addr();
        if let Some(existing) = self.resources.iter_mut().find(|r| r.is(&addr)) {
            *existing = resource;
            return;
        }
        let at = self.resources.partition_point(|r| r.addr() < addr);
        self.resources.insert(at, resource);
    }

    pub fn remove(&mut self, addr: &InstanceAddr) -> Option<ResourceState> {
        let at = self.resources.iter().position(|r| r.is(addr))?;
        Some(self.resources.remove(at))
    }

    /// Records an output; refuses a value that is not wholly known.
    pub fn set_output(
        &mut self,
        name: &str,
        value: &Value,
        sensitive: bool,
    ) -> Result<(), StateError> {
        if let Some(path) = first_unknown(value, String::new()) {
            return Err(StateError::UnknownValue {
                address: format!("output.{name}"),
                what: describe_path(&path),
            });
        }
        let value = value.to_json();
        self.outputs
            .insert(name.to_string(), OutputState { value, sensitive });
        Ok(())
    }

    /// Pretty JSON with a stable key order (struct fields in declaration order,
    /// object keys sorted), so that state diffs well under version control.
    pub fn to_json_pretty(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a state holds only JSON values and string keys, which always serialise");
        text.push('\n');
        text
    }

    pub fn from_json(bytes: &[u8]) -> Result<State, StateError> {
        State::from_json_at(bytes, "(state document)")
    }

    /// Parses and checks a state document; `location` names it in errors.
    pub fn from_json_at(bytes: &[u8], location: &str) -> Result<State, StateError> {
        let invalid = |detail: String| StateError::Invalid {
            location: location.to_string(),
            detail,
        };
        let doc: Json =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("not valid JSON: {e}")))?;
        if terraform_v4::is_terraform_state(&doc) {
            return Err(StateError::TerraformState {
                location: location.to_string(),
            });
        }
        // The version is checked before the shape, so a newer format says so
        // instead of failing on a field this recon does not know.
        let version = match doc.get("version") {
            Some(Json::Number(n)) => n.as_u64().ok_or_else(|| {
                invalid(format!("\"version\" must be a positive integer, not {n}"))
            })?,
            Some(other) => {
                return Err(invalid(format!(
                    "\"version\" must be a number, not {other}"
                )))
            }
            None => {
                return Err(invalid(
                    "no \"version\" field; this is not a recon state file".into(),
                ))
            }
        };
        if version > u64::from(STATE_VERSION) {
            return Err(StateError::UnsupportedVersion {
                location: location.to_string(),
                found: version,
                supported: STATE_VERSION,
                recon: env!("CARGO_PKG_VERSION"),
            });
        }
        if version == 0 {
            return Err(invalid("version 0 is not a recon state format".into()));
        }
        let mut state: State = serde_json::from_value(doc).map_err(|e| invalid(e.to_string()))?;
        if state.lineage.trim().is_empty() {
            return Err(invalid("\"lineage\" is empty".into()));
        }
        for r in &state.resources {
            r.check()
                .map_err(|e| invalid(format!("resource {:?}: {e}", r.address)))?;
        }
        state.resources.sort_by_cached_key(ResourceState::addr);
        if let Some(pair) = state.resources.windows(2).find(|w| w[0].is(&w[1].addr())) {
            return Err(invalid(format!(
                "resource {} appears twice",
                pair[0].address
            )));
        }
        Ok(state)
    }
}

impl ResourceState {
    /// Builds the state of one instance from its attributes. Fails if any value is
    /// Unknown: state only ever holds what really exists.
    pub fn from_object(
        addr: &InstanceAddr,
        attributes: &Object,
        dependencies: &[InstanceAddr],
        create_before_destroy: bool,
    ) -> Result<ResourceState, StateError> {
        for (key, value) in attributes {
            if let Some(path) = first_unknown(value, attr_segment(key)) {
                return Err(StateError::UnknownValue {
                    address: addr.to_string(),
                    what: describe_path(&path),
                });
            }
        }
        let mut dependencies: Vec<InstanceAddr> = dependencies.to_vec();
        dependencies.sort();
        dependencies.dedup();
        Ok(ResourceState {
            address: addr.to_string(),
            module: (!addr.resource.module.is_root()).then(|| addr.resource.module.to_string()),
            mode: addr.resource.mode,
            type_name: addr.resource.type_name.clone(),
            name: addr.resource.name.clone(),
            index: addr.key.to_json(),
            attributes: Value::Object(attributes.clone()).to_json(),
            dependencies: dependencies.iter().map(ToString::to_string).collect(),
            tainted: false,
            create_before_destroy,
            deposed: Vec::new(),
            sensitive_attributes: Vec::new(),
            provider: None,
        })
    }

    /// Marks the top-level attributes and blocks `names` sensitive (replacing
    /// any earlier marks), sorted and without repeats.
    pub fn with_sensitive<S: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> ResourceState {
        self.set_sensitive(names);
        self
    }

    /// Like [`ResourceState::with_sensitive`], in place; true when the marks changed.
    pub fn set_sensitive<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) -> bool {
        let names: std::collections::BTreeSet<String> =
            names.into_iter().map(|n| n.as_ref().to_string()).collect();
        let paths: Vec<Vec<Json>> = names.into_iter().map(|n| vec![Json::String(n)]).collect();
        if paths == self.sensitive_attributes {
            return false;
        }
        self.sensitive_attributes = paths;
        true
    }

    /// The top-level attributes and blocks holding a sensitive value: the first
    /// step of every marked path (recon masks whole top-level values).
    pub fn sensitive_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sensitive_attributes
            .iter()
            .filter_map(|p| p.first().and_then(Json::as_str).map(str::to_string))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The alias of the provider configuration state records for it.
    pub fn provider_alias(&self) -> Option<String> {
        self.provider
            .as_deref()
            .and_then(crate::config::providers::alias_of_state_provider)
    }

    /// Records the provider configuration `alias` as managing it.
    pub fn with_provider(mut self, alias: Option<&str>) -> Self {
        self.provider = Some(crate::config::providers::state_provider(alias));
        self
    }

    /// The deposed objects as attribute maps.
    pub fn deposed_objects(&self) -> Vec<Object> {
        self.deposed
            .iter()
            .filter_map(|j| match Value::from_json(j) {
                Value::Object(map) => Some(map),
                _ => None,
            })
            .collect()
    }

    pub fn addr(&self) -> InstanceAddr {
        InstanceAddr {
            resource: ResourceAddr {
                // Checked on load: a module that does not parse is refused there.
                module: self
                    .module
                    .as_deref()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or_default(),
                mode: self.mode,
                type_name: self.type_name.clone(),
                name: self.name.clone(),
            },
            key: InstanceKey::from_json(&self.index),
        }
    }

    /// The attributes as Values (an empty object if they are not an object).
    pub fn object(&self) -> Object {
        match Value::from_json(&self.attributes) {
            Value::Object(map) => map,
            _ => Object::new(),
        }
    }

    /// The dependencies that parse as addresses (all of them, in a checked state).
    pub fn dependency_addrs(&self) -> Vec<InstanceAddr> {
        self.dependencies
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect()
    }

    /// Whether this is an instance of block `block`.
    pub fn is_instance_of(&self, block: &ResourceAddr) -> bool {
        self.mode == block.mode
            && self.type_name == block.type_name
            && self.name == block.name
            && self.in_module(&block.module)
    }

    /// Whether it belongs to module instance `module` (the root: no module).
    fn in_module(&self, module: &crate::addr::ModulePath) -> bool {
        match &self.module {
            None => module.is_root(),
            Some(m) => !module.is_root() && *m == module.to_string(),
        }
    }

    fn is(&self, addr: &InstanceAddr) -> bool {
        self.in_module(&addr.resource.module)
            && self.mode == addr.resource.mode
            && self.type_name == addr.resource.type_name
            && self.name == addr.resource.name
            && InstanceKey::from_json(&self.index) == addr.key
    }

    /// Structural checks that serde cannot express.
    fn check(&self) -> Result<(), String> {
        match &self.index {
            Json::Null | Json::String(_) => {}
            Json::Number(n) if n.is_i64() => {}
            other => {
                return Err(format!(
                    "\"index\" must be null, an integer or a string, not {other}"
                ))
            }
        }
        if !self.attributes.is_object() {
            return Err("\"attributes\" must be an object".into());
        }
        if let Some(module) = &self.module {
            module
                .parse::<crate::addr::ModulePath>()
                .map_err(|e| format!("module: {e}"))?;
        }
        let parsed: InstanceAddr = self.address.parse().map_err(|e| format!("{e}"))?;
        if parsed != self.addr() {
            return Err(format!(
                "address does not match mode/type/name/index (they say {})",
                self.addr()
            ));
        }
        for dep in &self.dependencies {
            dep.parse::<InstanceAddr>()
                .map_err(|e| format!("dependency: {e}"))?;
        }
        Ok(())
    }
}

/// The path to the first Unknown inside `value`, if any.
fn first_unknown(value: &Value, path: String) -> Option<String> {
    match value {
        Value::Unknown => Some(path),
        Value::List(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_unknown(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let seg = attr_segment(k);
            let sub = if path.is_empty() || seg.starts_with('[') {
                format!("{path}{seg}")
            } else {
                format!("{path}.{seg}")
            };
            first_unknown(v, sub)
        }),
        _ => None,
    }
}

/// `name` for identifier-like keys, `["key"]` for anything else (tag names etc.).
fn attr_segment(key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        key.to_string()
    } else {
        let mut s = String::from("[");
        let _ = write!(s, "{}", Json::String(key.to_string()));
        s.push(']');
        s
    }
}

fn describe_path(path: &str) -> String {
    if path.is_empty() {
        "the value".to_string()
    } else {
        format!("attribute {path}")
    }
}

/// Serialises JSON with object keys sorted at every level, whatever order the
/// value was built or parsed in.
fn sorted<S: Serializer>(json: &Json, serializer: S) -> Result<S::Ok, S::Error> {
    Sorted(json).serialize(serializer)
}

struct Sorted<'a>(&'a Json);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            // Usually sorted already (built from a BTreeMap, or read back from a
            // sorted file): sorting is skipped then, as the state is written often.
            Json::Object(map) if map.keys().is_sorted() => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    out.serialize_entry(k, &Sorted(v))?;
                }
                out.end()
            }
            Json::Object(map) => {
                let mut entries: Vec<(&String, &Json)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    out.serialize_entry(k, &Sorted(v))?;
                }
                out.end()
            }
            Json::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Sorted(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// One earlier version of the state (S3 with a versioned bucket).
#[derive(Clone, Debug, PartialEq)]
pub struct StateVersion {
    pub id: String,
    /// RFC 3339, UTC.
    pub modified: String,
    pub size: i64,
    pub latest: bool,
    /// From the object's metadata; None when recon did not write it.
    pub serial: Option<u64>,
    pub lineage: Option<String>,
}

/// Where state is kept, and the lock that guards it. Async because remote
/// backends are; the local one simply does its file work inline.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    /// Where the state lives, for messages: a path or an s3:// URL.
    fn describe(&self) -> String;
    /// The current state; None when there is none yet. A state that exists but
    /// cannot be read is an error, never None.
    async fn read(&self) -> Result<Option<State>, StateError>;
    /// Replaces the state. `expected` is the (lineage, serial) read before, or
    /// None when no state should exist yet; anything else on the backend is refused,
    /// as is a `state` whose serial is not above the one it replaces.
    async fn write(&self, state: &State, expected: Option<(&str, u64)>) -> Result<(), StateError>;
    /// Records one change of an apply: `delta` says what changed since the last
    /// write, `state` is the whole state after it. Durable when it returns, and a
    /// compare-and-swap like `write`. Backends without a journal write `state`.
    async fn append(
        &self,
        state: &State,
        delta: &journal::Delta,
        expected: (&str, u64),
    ) -> Result<(), StateError> {
        let _ = delta;
        self.write(state, Some(expected)).await
    }
    /// Takes the lock in one attempt: `Locked` (naming the holder) if it is held.
    async fn lock(&self, info: &LockInfo) -> Result<(), StateError>;
    /// Removes the lock if, and only if, its ID is `id`.
    async fn unlock(&self, id: &str) -> Result<(), StateError>;
    /// Who holds the lock now, if anyone.
    async fn lock_info(&self) -> Result<Option<LockInfo>, StateError>;
    /// Where a pending state that could not be written is kept; `stamp` makes
    /// the name unique to one run.
    fn recovery_path(&self, stamp: &str) -> std::path::PathBuf;
    /// The environments that have a state next to this one ("default" for the
    /// state without an environment).
    async fn environments(&self) -> Result<Vec<String>, StateError>;
    /// What `recon init` reports beyond the state itself (reachability,
    /// versioning, encryption); an error when the backend cannot be reached.
    async fn check(&self) -> Result<Vec<String>, StateError> {
        Ok(Vec::new())
    }
    /// Earlier versions of the state, newest first.
    async fn versions(&self) -> Result<Vec<StateVersion>, StateError> {
        Err(StateError::Unsupported {
            location: self.describe(),
            what: "state history",
            help: "versions are kept by the S3 backend on a bucket with versioning enabled",
        })
    }
    /// One earlier version of the state, by its version ID.
    async fn read_version(&self, _id: &str) -> Result<State, StateError> {
        Err(StateError::Unsupported {
            location: self.describe(),
            what: "reading an earlier version",
            help: "versions are kept by the S3 backend on a bucket with versioning enabled",
        })
    }
}

/// Saves a state that could not be written to its backend, readable only by
/// the owner (state holds secrets). Never overwrites anything but itself.
pub fn save_recovery(path: &std::path::Path, state: &State) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_private(path, state.to_json_pretty().as_bytes())
}

/// Writes a file that may hold secrets (state, saved plans, recovery files):
/// created 0600, and an existing file is narrowed to 0600 before it is filled.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

/// Lower-case hex SHA-256, the checksum stored with every remote state.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The compare-and-swap rules every backend applies before replacing `current`.
pub(crate) fn check_replace(
    location: &str,
    current: Option<&State>,
    new: &State,
    expected: Option<(&str, u64)>,
) -> Result<(), StateError> {
    let current = current.map(|c| (c.lineage.as_str(), c.serial));
    check_replace_current(location, current, new, expected)
}

/// [`check_replace`] given only the (lineage, serial) of the current state.
pub(crate) fn check_replace_current(
    location: &str,
    current: Option<(&str, u64)>,
    new: &State,
    expected: Option<(&str, u64)>,
) -> Result<(), StateError> {
    let location = location.to_string();
    match (current, expected) {
        (None, None) => Ok(()),
        (None, Some((_, serial))) => Err(StateError::Missing {
            location,
            expected: serial,
        }),
        (Some((cur_lineage, cur_serial)), None) => Err(StateError::AlreadyExists {
            location,
            lineage: cur_lineage.to_string(),
            serial: cur_serial,
        }),
        (Some((cur_lineage, cur_serial)), Some((lineage, serial))) => {
            for wanted in [lineage, new.lineage.as_str()] {
                if cur_lineage != wanted {
                    return Err(StateError::LineageMismatch {
                        location,
                        found: cur_lineage.to_string(),
                        expected: wanted.to_string(),
                    });
                }
            }
            if cur_serial != serial {
                return Err(StateError::StaleSerial {
                    location,
                    found: cur_serial,
                    expected: serial,
                });
            }
            if new.serial <= cur_serial {
                return Err(StateError::SerialNotIncreased {
                    location,
                    new: new.serial,
                    current: cur_serial,
                });
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;
    use proptest::prelude::*;
    use serde_json::json;

    fn addr(text: &str) -> InstanceAddr {
        text.parse().unwrap()
    }

    fn resource(text: &str, attrs: Object) -> ResourceState {
        ResourceState::from_object(&addr(text), &attrs, &[], false).unwrap()
    }

    #[test]
    fn round_trip_keeps_everything() {
        let mut state = State::new();
        state.serial = 7;
        let mut web = ResourceState::from_object(
            &addr("aws_instance.web[\"a\"]"),
            &object! {"id" => "i-1", "tags" => Value::Object(object!{"Name" => "web"}), "size" => 8},
            &[addr("aws_subnet.main"), addr("aws_subnet.main")],
            true,
        )
        .unwrap();
        web.tainted = true;
        state.upsert(web);
        state.upsert(resource("data.aws_ami.al2023", object! {"id" => "ami-1"}));
        state
            .set_output("ip", &Value::str("10.0.0.1"), true)
            .unwrap();

        let text = state.to_json_pretty();
        let back = State::from_json(text.as_bytes()).unwrap();
        assert_eq!(back, state);
        let web = back.get(&addr("aws_instance.web[\"a\"]")).unwrap();
        assert_eq!(web.dependencies, ["aws_subnet.main"]);
        assert_eq!(web.object().get("size"), Some(&Value::Number(8.0)));
        assert_eq!(web.addr().to_string(), "aws_instance.web[\"a\"]");
    }

    #[test]
    fn document_shape_and_key_order_are_stable() {
        let mut state = State::new();
        state.lineage = "L".into();
        state.recon_version = "0.1.0".into();
        let mut r = resource("aws_vpc.main", object! {"id" => "vpc-1"});
        // Built out of order on purpose: written sorted.
        r.attributes = json!({"z": 1, "a": {"y": 2, "b": 3}});
        state.upsert(r);
        let text = state.to_json_pretty();
        let expected = r#"{
  "version": 1,
  "serial": 0,
  "lineage": "L",
  "recon_version": "0.1.0",
  "resources": [
    {
      "address": "aws_vpc.main",
      "mode": "managed",
      "type": "aws_vpc",
      "name": "main",
      "index": null,
      "attributes": {
        "a": {
          "b": 3,
          "y": 2
        },
        "z": 1
      },
      "dependencies": [],
      "tainted": false,
      "create_before_destroy": false
    }
  ],
  "outputs": {}
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn upsert_keeps_resources_sorted_and_replaces_in_place() {
        let mut state = State::new();
        for a in [
            "data.aws_ami.x",
            "aws_vpc.main",
            "aws_instance.web[10]",
            "aws_instance.web[\"b\"]",
            "aws_instance.web[2]",
            "aws_instance.app",
            "aws_instance.web",
        ] {
            state.upsert(resource(a, object! {}));
        }
        state.upsert(resource("aws_instance.web[2]", object! {"id" => "new"}));
        let order: Vec<&str> = state.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            order,
            [
                "aws_instance.app",
                "aws_instance.web",
                "aws_instance.web[2]",
                "aws_instance.web[10]",
                "aws_instance.web[\"b\"]",
                "aws_vpc.main",
                "data.aws_ami.x",
            ]
        );
        let web2 = state.get(&addr("aws_instance.web[2]")).unwrap();
        assert_eq!(web2.attributes, json!({"id": "new"}));

        let removed = state.remove(&addr("aws_vpc.main")).unwrap();
        assert_eq!(removed.address, "aws_vpc.main");
        assert!(state.get(&addr("aws_vpc.main")).is_none());
        assert!(state.remove(&addr("aws_vpc.main")).is_none());
    }

    #[test]
    fn unknown_values_are_refused_with_their_path() {
        let attrs = object! {
            "id" => Value::Unknown,
        };
        let err =
            ResourceState::from_object(&addr("aws_instance.web"), &attrs, &[], false).unwrap_err();
        assert!(matches!(err, StateError::UnknownValue { .. }));
        assert!(
            err.to_string()
                .contains("aws_instance.web: attribute id is still unknown"),
            "{err}"
        );

        let nested = object! {
            "ebs" => vec![Value::Object(object!{"volume_id" => Value::Unknown})],
            "tags" => Value::Object(object!{"Cost Center" => Value::Unknown}),
        };
        let err =
            ResourceState::from_object(&addr("aws_instance.web"), &nested, &[], false).unwrap_err();
        assert!(
            err.to_string().contains("attribute ebs[0].volume_id"),
            "{err}"
        );

        let tags = object! {"tags" => Value::Object(object!{"Cost Center" => Value::Unknown})};
        let err =
            ResourceState::from_object(&addr("aws_instance.web"), &tags, &[], false).unwrap_err();
        assert!(
            err.to_string().contains(r#"attribute tags["Cost Center"]"#),
            "{err}"
        );

        let mut state = State::new();
        let err = state.set_output("ip", &Value::Unknown, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("output.ip: the value is still unknown"),
            "{err}"
        );
        assert!(state.outputs.is_empty());
    }

    #[test]
    fn newer_format_asks_for_a_newer_recon() {
        let doc = br#"{"version": 2, "something_new": true}"#;
        let err = State::from_json_at(doc, "state/default.json").unwrap_err();
        let msg = err.to_string();
        assert!(matches!(
            err,
            StateError::UnsupportedVersion { found: 2, .. }
        ));
        assert!(msg.contains("state/default.json"), "{msg}");
        assert!(msg.contains("format version 2"), "{msg}");
        assert!(msg.contains("newer recon"), "{msg}");
    }

    #[test]
    fn malformed_documents_are_invalid() {
        let cases: Vec<(String, &str)> = vec![
            ("{not json".into(), "not valid JSON"),
            ("{}".into(), "no \"version\""),
            (r#"{"version": "1"}"#.into(), "must be a number"),
            (
                r#"{"version": 0, "serial": 0, "lineage": "x", "recon_version": ""}"#.into(),
                "version 0",
            ),
            (
                r#"{"version": 1, "serial": 0, "lineage": " ", "recon_version": ""}"#.into(),
                "\"lineage\" is empty",
            ),
            (
                r#"{"version": 1, "serial": 0, "lineage": "x", "recon_version": "", "resources": [
                {"address": "aws_vpc.other", "mode": "managed", "type": "aws_vpc", "name": "main",
                 "index": null, "attributes": {}}]}"#
                    .into(),
                "does not match",
            ),
            (
                r#"{"version": 1, "serial": 0, "lineage": "x", "recon_version": "", "resources": [
                {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
                 "index": 1.5, "attributes": {}}]}"#
                    .into(),
                "\"index\" must be",
            ),
            (
                r#"{"version": 1, "serial": 0, "lineage": "x", "recon_version": "", "resources": [
                {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
                 "index": null, "attributes": {}},
                {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
                 "index": null, "attributes": {}}]}"#
                    .into(),
                "appears twice",
            ),
        ];
        for (doc, want) in cases {
            let err = State::from_json_at(doc.as_bytes(), "s.json").unwrap_err();
            assert!(matches!(err, StateError::Invalid { .. }), "{doc}: {err}");
            let msg = err.to_string();
            assert!(msg.contains(want) && msg.contains("s.json"), "{doc}: {msg}");
        }
    }

    #[test]
    fn resources_are_sorted_on_load() {
        let doc = r#"{"version": 1, "serial": 3, "lineage": "x", "recon_version": "0", "resources": [
            {"address": "aws_vpc.b", "mode": "managed", "type": "aws_vpc", "name": "b", "index": null, "attributes": {}},
            {"address": "aws_vpc.a[1]", "mode": "managed", "type": "aws_vpc", "name": "a", "index": 1, "attributes": {}}]}"#;
        let state = State::from_json(doc.as_bytes()).unwrap();
        let order: Vec<&str> = state.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(order, ["aws_vpc.a[1]", "aws_vpc.b"]);
        assert!(!state.resources[0].tainted);
    }

    fn json_leaf() -> impl Strategy<Value = Json> {
        prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            // Attributes pass through Value (f64); value.rs writes whole numbers
            // below 9e15 as JSON integers, larger ones as floats (see above).
            (-8_999_999_999_999_999i64..=8_999_999_999_999_999).prop_map(Json::from),
            // Decimals of up to 9 digits: serde_json is built without
            // `float_roundtrip`, so other f64s may come back one ulp off.
            (-999_999_999i64..=999_999_999, -6i32..=6)
                .prop_map(|(m, e)| Json::from(format!("{m}e{e}").parse::<f64>().unwrap())),
            ".*".prop_map(Json::String),
        ]
    }

    fn json_tree() -> impl Strategy<Value = Json> {
        json_leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::btree_map(".*", inner, 0..4)
                    .prop_map(|m| Json::Object(m.into_iter().collect())),
            ]
        })
    }

    fn instance_addr() -> impl Strategy<Value = InstanceAddr> {
        let key = prop_oneof![
            Just(InstanceKey::None),
            any::<i64>().prop_map(InstanceKey::Int),
            ".*".prop_map(InstanceKey::Str),
        ];
        (
            any::<bool>(),
            "[a-z_][a-z0-9_-]{0,8}",
            "[a-zA-Z0-9_-]{1,8}",
            key,
        )
            .prop_map(|(data, t, n, key)| {
                let resource = if data {
                    ResourceAddr::data(&t, &n)
                } else {
                    ResourceAddr::managed(&t, &n)
                };
                resource.instance(key)
            })
    }

    fn resource_state() -> impl Strategy<Value = ResourceState> {
        (
            instance_addr(),
            prop::collection::btree_map("[a-z_]{1,6}", json_tree(), 0..5),
            prop::collection::vec(instance_addr(), 0..3),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(a, attrs, deps, tainted, cbd)| {
                let attrs: Object = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect();
                let mut r = ResourceState::from_object(&a, &attrs, &deps, cbd).unwrap();
                r.tainted = tainted;
                r
            })
    }

    fn state() -> impl Strategy<Value = State> {
        (
            any::<u64>(),
            "[0-9a-f-]{1,36}",
            prop::collection::vec(resource_state(), 0..6),
            prop::collection::btree_map(".*", (json_tree(), any::<bool>()), 0..3),
        )
            .prop_map(|(serial, lineage, resources, outputs)| {
                let mut state = State::new();
                state.serial = serial;
                state.lineage = lineage;
                for r in resources {
                    state.upsert(r);
                }
                for (name, (value, sensitive)) in outputs {
                    state.outputs.insert(name, OutputState { value, sensitive });
                }
                state
            })
    }

    proptest! {
        #[test]
        fn serialise_then_parse_is_identity(state in state()) {
            let text = state.to_json_pretty();
            let back = State::from_json(text.as_bytes()).unwrap();
            prop_assert_eq!(&back, &state);
            // And writing it again gives the same bytes.
            prop_assert_eq!(back.to_json_pretty(), text);
        }
    }
}
