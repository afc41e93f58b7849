//! Plans: for each resource instance an action and the reason for it, the planned
//! values (Unknown where only apply can tell), drift, and data-loss changes.

pub mod diff;
pub mod moved;
pub mod planner;
pub mod resolve;
pub mod saved;
pub mod target;

use crate::addr::{InstanceAddr, ResourceAddr};
use crate::provider::DataLoss;
use crate::value::{Object, Value};
use diff::AttrPath;

pub use planner::{plan, PlanOptions, PlanOutput};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    NoOp,
    Create,
    /// A data source read that has to wait for apply (its arguments are unknown).
    Read,
    Update,
    /// Replace by delete-then-create, or create-then-delete under `create_before_destroy`.
    Replace {
        create_before_destroy: bool,
    },
    Delete,
}

impl Action {
    /// Terraform's `change.actions`.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::Replace {
                create_before_destroy: false,
            } => &["delete", "create"],
            Action::Replace {
                create_before_destroy: true,
            } => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }

    pub fn destroys(self) -> bool {
        matches!(self, Action::Replace { .. } | Action::Delete)
    }
}

/// Why an action was chosen, in Terraform's `action_reason` words where it has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    None,
    /// Replace: these attributes cannot change in place.
    CannotUpdate,
    Tainted,
    /// Replace: the operator asked for it (`--replace`).
    ReplaceByRequest,
    /// Delete: the block is gone from configuration.
    NoResourceConfig,
    /// Delete: the block's count no longer covers this index.
    CountIndex,
    /// Delete: the block's for_each no longer has this key.
    EachKey,
    /// Delete: `recon destroy`.
    Destroy,
    /// Create: it was deleted outside recon.
    DeletedOutside,
    /// Read during apply because its arguments are not known yet.
    ConfigUnknown,
}

impl Reason {
    pub fn json(&self) -> Option<&'static str> {
        Some(match self {
            Reason::None | Reason::Destroy => return None,
            Reason::CannotUpdate => "replace_because_cannot_update",
            Reason::Tainted => "replace_because_tainted",
            Reason::ReplaceByRequest => "replace_by_request",
            Reason::NoResourceConfig => "delete_because_no_resource_config",
            Reason::CountIndex => "delete_because_count_index",
            Reason::EachKey => "delete_because_each_key",
            Reason::DeletedOutside => "create_because_deleted_outside",
            Reason::ConfigUnknown => "read_because_config_unknown",
        })
    }
}

#[derive(Clone, Debug)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    pub action: Action,
    pub reason: Reason,
    /// The refreshed prior object (None for a create).
    pub before: Option<Object>,
    /// The planned object (None for a delete); may hold Unknown.
    pub after: Option<Object>,
    pub replace_paths: Vec<AttrPath>,
    /// Attributes that differ between before and after.
    pub changed: Vec<AttrPath>,
    /// Resources this instance depends on (configuration, or state for orphans).
    pub depends_on: Vec<ResourceAddr>,
    /// What the action destroys or leaves unreadable (volumes, bucket objects,
    /// data under a KMS key).
    pub data_loss: Vec<DataLoss>,
    pub prevent_destroy: bool,
    /// The id of an existing object an `import` block adopts at this address.
    pub importing: Option<String>,
    /// Set on the delete of a deposed object (the old half of an earlier
    /// create_before_destroy replacement): that object's id.
    pub deposed: Option<String>,
    /// Top-level attributes whose configured values come from sensitive variables
    /// (the marks of `after`).
    pub sensitive: Vec<String>,
    /// Top-level attributes state marks sensitive (the marks of `before`).
    pub sensitive_before: Vec<String>,
}

impl ResourceChange {
    /// Every top-level name marked on either side: a human view masks a value
    /// that is secret before or after the change.
    pub fn sensitive_either(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .sensitive
            .iter()
            .chain(&self.sensitive_before)
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// A real object that differs from what state recorded.
#[derive(Clone, Debug)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub before: Object,
    /// None when the object was deleted outside recon.
    pub after: Option<Object>,
    pub changed: Vec<String>,
    /// Top-level attributes whose values are secret (marked in state, or by the
    /// configuration of the plan that reports this drift).
    pub sensitive: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct OutputChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub stack: String,
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    pub destroy: bool,
    /// The state this plan was made against.
    pub state_serial: u64,
    pub state_lineage: String,
    /// Changes refused by `lifecycle { prevent_destroy = true }`.
    pub prevented: Vec<InstanceAddr>,
    /// Renames and forgets of `moved` / `removed` blocks, made before the rest.
    pub state_edits: Vec<moved::StateEdit>,
}

impl Plan {
    /// Changes that do something: an action, or an import into state.
    pub fn actionable(&self) -> impl Iterator<Item = &ResourceChange> {
        self.changes
            .iter()
            .filter(|c| c.action != Action::NoOp || c.importing.is_some())
    }

    pub fn imports(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count()
    }

    pub fn has_changes(&self) -> bool {
        self.actionable().next().is_some()
            || !self.state_edits.is_empty()
            || self.outputs.iter().any(|o| o.before != o.after)
    }

    /// (to add, to change, to destroy), counted as Terraform does.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for change in &self.changes {
            match change.action {
                Action::Create => counts.0 += 1,
                Action::Update => counts.1 += 1,
                Action::Replace { .. } => {
                    counts.0 += 1;
                    counts.2 += 1;
                }
                Action::Delete => counts.2 += 1,
                Action::NoOp | Action::Read => {}
            }
        }
        counts
    }

    /// Every data-loss change, with its address.
    pub fn data_loss(&self) -> Vec<(&InstanceAddr, &DataLoss)> {
        self.changes
            .iter()
            .flat_map(|c| c.data_loss.iter().map(move |v| (&c.addr, v)))
            .collect()
    }

    pub fn change(&self, addr: &InstanceAddr) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.addr == addr)
    }
}

/// The alias of the provider configuration that manages `addr`: the one its
/// block names (`provider = aws.ALIAS`), or, for an instance no longer in
/// configuration, the one state recorded. None is the default configuration.
pub fn provider_alias(
    stack: &crate::config::Stack,
    state: &crate::state::State,
    addr: &crate::addr::InstanceAddr,
) -> Option<String> {
    match stack.resources.get(&addr.resource) {
        Some(block) => block.provider.clone(),
        None => state.get(addr).and_then(|r| r.provider_alias()),
    }
}
