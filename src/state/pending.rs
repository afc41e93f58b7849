//! Pending creates: the intent of a create, recorded in state before its call is
//! made, so that a crash or a lost answer never leaves an object state does not
//! know about. Pulumi calls these pending operations; recon resolves them itself.

use super::State;
use crate::addr::InstanceAddr;
use crate::value::{Object, Value};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingCreate {
    /// The instance address being created.
    pub address: String,
    /// Unique to this create: tagged on what it makes (`recon:token`).
    pub token: String,
    /// The `recon:stack` tag value the create used.
    pub stack: String,
    /// When the create was begun, RFC 3339.
    pub started: String,
    /// The same, in seconds since the Unix epoch.
    #[serde(default)]
    pub started_unix: u64,
    /// The known planned arguments: the name to look for, and the object to
    /// converge an adopted one to.
    #[serde(default)]
    pub planned: Json,
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// The object at this address is being replaced create-before-destroy: on
    /// adoption it becomes deposed.
    #[serde(default)]
    pub create_before_destroy: bool,
}

impl PendingCreate {
    pub fn new(
        addr: &InstanceAddr,
        token: &str,
        stack: &str,
        planned: &Object,
        dependencies: &[InstanceAddr],
        create_before_destroy: bool,
    ) -> PendingCreate {
        // Computed attributes are unknown before the create: only what is known is kept.
        let now = std::time::SystemTime::now();
        let known: Object = planned
            .iter()
            .filter(|(_, v)| v.is_wholly_known())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        PendingCreate {
            address: addr.to_string(),
            token: token.to_string(),
            stack: stack.to_string(),
            started: super::lock::rfc3339(now),
            started_unix: now
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            planned: Value::Object(known).to_json(),
            dependencies: dependencies.iter().map(ToString::to_string).collect(),
            create_before_destroy,
        }
    }

    pub fn addr(&self) -> Result<InstanceAddr, String> {
        self.address
            .parse()
            .map_err(|e| format!("pending create {:?}: {e}", self.address))
    }

    pub fn planned_object(&self) -> Object {
        match Value::from_json(&self.planned) {
            Value::Object(map) => map,
            _ => Object::new(),
        }
    }

    pub fn began(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.started_unix)
    }

    pub fn dependency_addrs(&self) -> Vec<InstanceAddr> {
        self.dependencies
            .iter()
            .filter_map(|d| d.parse().ok())
            .collect()
    }
}

impl State {
    /// Records the intent of a create.
    pub fn begin_create(&mut self, pending: PendingCreate) {
        self.pending.push(pending);
    }

    /// Drops the pending create with `token` (its outcome is now known).
    pub fn end_create(&mut self, token: &str) -> Option<PendingCreate> {
        let at = self.pending.iter().position(|p| p.token == token)?;
        Some(self.pending.remove(at))
    }
}
