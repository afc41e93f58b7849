//! Which stack a state belongs to. A state records its stack's identity, and a
//! command refuses a state recorded for another stack: two stacks sharing one
//! state would each plan to destroy what the other created.

use super::State;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackIdentity {
    /// Where the state lives, unique per stack and environment: the absolute
    /// path of a local state file, or `s3://bucket/key`.
    pub key: String,
    /// The stack's name (its directory's name).
    pub name: String,
    /// The environment ("default" without `--env`).
    pub environment: String,
    /// The `recon:stack` tag on what the stack creates. Fixed when the identity
    /// is first recorded and kept when the state moves, so that objects keep
    /// matching it.
    pub tag: String,
}

impl StackIdentity {
    pub fn new(
        key: impl Into<String>,
        name: impl Into<String>,
        environment: impl Into<String>,
    ) -> StackIdentity {
        let (key, name, environment) = (key.into(), name.into(), environment.into());
        let tag = stack_tag(&name, &environment, &key);
        StackIdentity {
            key,
            name,
            environment,
            tag,
        }
    }
}

/// The `recon:stack` tag value of a new identity: readable (the stack's name, and
/// its environment unless default) and unique (a hash of where its state lives),
/// e.g. `network-3f9a1c2e` or `network.prod-5d0b7e41`.
pub fn stack_tag(name: &str, environment: &str, key: &str) -> String {
    let hash = &super::sha256_hex(key.as_bytes())[..8];
    match environment {
        "default" => format!("{name}-{hash}"),
        env => format!("{name}.{env}-{hash}"),
    }
}

/// A state recorded for another stack than the one running.
#[derive(Debug, thiserror::Error)]
#[error(
    "{location} belongs to another stack: stack \"{}\" (environment {}) whose state is at {}, \
     not to this stack, \"{}\" (environment {}), whose state is at {}",
    found.name, found.environment, found.key, running.name, running.environment, running.key
)]
pub struct OtherStack {
    pub location: String,
    pub found: Box<StackIdentity>,
    pub running: Box<StackIdentity>,
}

impl State {
    /// The `recon:stack` tag of this state's stack, once it is bound to one (every
    /// state a command reads is; see [`State::bind`]).
    pub fn stack_tag(&self) -> Option<&str> {
        self.stack.as_ref().map(|s| s.tag.as_str())
    }

    /// Binds a state read at `location` to the running stack: a state with no
    /// identity (new, or written before recon recorded one) takes `running`'s; one
    /// recorded at the same place, or that `moved` away from its recorded place,
    /// takes its place and name and keeps its tag; any other is refused.
    pub fn bind(
        &mut self,
        running: &StackIdentity,
        location: &str,
        moved: impl Fn(&str) -> bool,
    ) -> Result<(), OtherStack> {
        match &self.stack {
            Some(found) if found.key != running.key && !moved(&found.key) => Err(OtherStack {
                location: location.to_string(),
                found: Box::new(found.clone()),
                running: Box::new(running.clone()),
            }),
            _ => {
                self.rebind(running);
                Ok(())
            }
        }
    }

    /// Records `running` as this state's stack, keeping the tag already recorded.
    pub fn rebind(&mut self, running: &StackIdentity) {
        let tag = self
            .stack
            .take()
            .map_or_else(|| running.tag.clone(), |s| s.tag);
        self.stack = Some(StackIdentity {
            tag,
            ..running.clone()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(key: &str) -> StackIdentity {
        StackIdentity::new(key, "network", "default")
    }

    #[test]
    fn tags_are_readable_and_differ_by_location_and_environment() {
        let a = network("/src/a/network/state/network.json");
        let b = network("/src/b/network/state/network.json");
        assert!(
            a.tag.starts_with("network-") && a.tag.len() == "network-".len() + 8,
            "{}",
            a.tag
        );
        assert_ne!(a.tag, b.tag);
        let prod = StackIdentity::new("s3://bucket/env/prod/network.json", "network", "prod");
        assert!(prod.tag.starts_with("network.prod-"), "{}", prod.tag);
    }

    #[test]
    fn a_state_is_bound_once_and_refused_by_another_stack() {
        let a = network("/src/a/network/state/network.json");
        let b = network("/src/b/network/state/network.json");
        let never_moved = |_: &str| false;

        // An old state without identity is adopted.
        let mut state = State::new();
        state.bind(&a, "a", never_moved).unwrap();
        assert_eq!(state.stack.as_ref(), Some(&a));
        assert_eq!(state.stack_tag(), Some(a.tag.as_str()));

        // The same stack reads it again; another stack is refused, naming both.
        state.bind(&a, "a", never_moved).unwrap();
        let err = state
            .clone()
            .bind(&b, "b/network/state/network.json", never_moved)
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("/src/a/network/state/network.json")
                && msg.contains("/src/b/network/state/network.json"),
            "{msg}"
        );

        // A state that moved with its stack follows it and keeps its tag.
        state.bind(&b, "b", |old| old == a.key).unwrap();
        let moved = state.stack.clone().unwrap();
        assert_eq!(
            (moved.key.as_str(), moved.tag.as_str()),
            (b.key.as_str(), a.tag.as_str())
        );
    }
}
