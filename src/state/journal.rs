//! The journal beside a state document. An apply's writes append only what
//! changed (the instances touched, the pending creates, the outputs), so a write
//! costs the change and not the whole state; the document is rewritten when the
//! apply ends or the journal grows past it. Reading a state is its document and
//! then its journal, in order.

use super::{OutputState, PendingCreate, ResourceState, State, StateError};
use crate::addr::InstanceAddr;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One write of an apply: the state after it, told as a change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub lineage: String,
    pub serial: u64,
    /// The instances this write changed: their new state, or `removed`.
    pub resources: Vec<Change>,
    /// The whole list of pending creates: only in entries written before
    /// `pending_added`/`pending_done` existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Vec<PendingCreate>>,
    /// Pending creates begun since the last write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_added: Vec<PendingCreate>,
    /// Tokens of pending creates resolved since the last write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_done: Vec<String>,
    /// The outputs, when they changed since the last write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<BTreeMap<String, OutputState>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: String,
    /// None: the instance is gone from state.
    pub resource: Option<ResourceState>,
}

/// What the backend holds after a write, as far as the next delta needs to
/// know: which pending creates it has, and its outputs.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pending: BTreeSet<String>,
    outputs: BTreeMap<String, OutputState>,
}

impl Written {
    pub fn of(state: &State) -> Written {
        Written {
            pending: state.pending.iter().map(|p| p.token.clone()).collect(),
            outputs: state.outputs.clone(),
        }
    }
}

impl Delta {
    /// What `state` says now about the `touched` instances, and how its pending
    /// creates and outputs differ from what the backend holds (`written`): a
    /// write costs the change, however many creates are in flight.
    pub fn of(state: &State, touched: &BTreeSet<InstanceAddr>, written: &Written) -> Delta {
        let now: BTreeSet<&str> = state.pending.iter().map(|p| p.token.as_str()).collect();
        Delta {
            lineage: state.lineage.clone(),
            serial: state.serial,
            resources: touched
                .iter()
                .map(|addr| Change {
                    address: addr.to_string(),
                    resource: state.get(addr).cloned(),
                })
                .collect(),
            pending: None,
            pending_added: state
                .pending
                .iter()
                .filter(|p| !written.pending.contains(&p.token))
                .cloned()
                .collect(),
            pending_done: written
                .pending
                .iter()
                .filter(|t| !now.contains(t.as_str()))
                .cloned()
                .collect(),
            outputs: (state.outputs != written.outputs).then(|| state.outputs.clone()),
        }
    }

    pub fn apply_to(&self, state: &mut State) -> Result<(), String> {
        for change in &self.resources {
            let addr: InstanceAddr = change
                .address
                .parse()
                .map_err(|e| format!("journal entry {}: {e}", self.serial))?;
            match &change.resource {
                Some(rs) => state.upsert(rs.clone()),
                None => {
                    state.remove(&addr);
                }
            }
        }
        if let Some(whole) = &self.pending {
            state.pending = whole.clone();
        }
        state
            .pending
            .retain(|p| !self.pending_done.contains(&p.token));
        state.pending.extend(self.pending_added.iter().cloned());
        if let Some(outputs) = &self.outputs {
            state.outputs = outputs.clone();
        }
        state.serial = self.serial;
        Ok(())
    }

    /// One line of the journal file.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line =
            serde_json::to_vec(self).expect("a delta holds only JSON values and string keys");
        line.push(b'\n');
        line
    }
}

/// Replays `journal` (lines of [`Delta`]) over `state`, the document it follows.
/// Entries not newer than the document were folded into it already (a crash
/// between rewriting the document and removing the journal) and are skipped. A
/// last line without its newline is a write cut short by a crash, never
/// acknowledged, and ends the replay; anything else unreadable is an error.
pub fn replay(state: &mut State, journal: &[u8], location: &str) -> Result<(), StateError> {
    let invalid = |detail: String| StateError::Invalid {
        location: format!("{location} (journal)"),
        detail,
    };
    let mut rest = journal;
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            break;
        };
        let (line, after) = rest.split_at(end);
        rest = &after[1..];
        let delta: Delta = serde_json::from_slice(line)
            .map_err(|e| invalid(format!("entry after serial {}: {e}", state.serial)))?;
        if delta.lineage != state.lineage {
            return Err(invalid(format!(
                "entry of lineage {}, but the state's is {}",
                delta.lineage, state.lineage
            )));
        }
        if delta.serial <= state.serial {
            continue;
        }
        delta.apply_to(state).map_err(invalid)?;
    }
    Ok(())
}

/// (lineage, serial) the journal brings `doc`'s to, reading only what it must.
pub fn last_serial(doc_serial: u64, journal: &[u8], location: &str) -> Result<u64, StateError> {
    #[derive(Deserialize)]
    struct Head {
        serial: u64,
    }
    let mut serial = doc_serial;
    for line in journal
        .split_inclusive(|b| *b == b'\n')
        .filter(|l| l.ends_with(b"\n"))
    {
        let head: Head = serde_json::from_slice(line).map_err(|e| StateError::Invalid {
            location: format!("{location} (journal)"),
            detail: e.to_string(),
        })?;
        serial = serial.max(head.serial);
    }
    Ok(serial)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object;

    fn addr(text: &str) -> InstanceAddr {
        text.parse().unwrap()
    }

    fn with(state: &mut State, address: &str, id: &str) {
        state.upsert(
            ResourceState::from_object(&addr(address), &object! {"id" => id}, &[], false).unwrap(),
        );
    }

    #[test]
    fn document_plus_journal_is_the_state_written_last() {
        let mut live = State::new();
        with(&mut live, "aws_vpc.a", "vpc-1");
        live.serial = 1;
        let doc = live.clone();
        let mut journal = Vec::new();

        with(&mut live, "aws_vpc.b", "vpc-2");
        live.serial = 2;
        let written = Written::of(&doc);
        journal.extend(Delta::of(&live, &BTreeSet::from([addr("aws_vpc.b")]), &written).to_line());
        let written = Written::of(&live);
        live.remove(&addr("aws_vpc.a"));
        live.set_output("x", &crate::value::Value::from("y"), false)
            .unwrap();
        live.serial = 3;
        journal.extend(Delta::of(&live, &BTreeSet::from([addr("aws_vpc.a")]), &written).to_line());

        let mut read = doc.clone();
        replay(&mut read, &journal, "t").unwrap();
        assert_eq!(read, live);
        assert_eq!(last_serial(doc.serial, &journal, "t").unwrap(), 3);
    }

    #[test]
    fn a_torn_last_line_is_a_write_never_acknowledged() {
        let mut live = State::new();
        let doc = live.clone();
        with(&mut live, "aws_vpc.a", "vpc-1");
        live.serial = 1;
        let mut journal = Delta::of(
            &live,
            &BTreeSet::from([addr("aws_vpc.a")]),
            &Written::of(&doc),
        )
        .to_line();
        let whole = live.clone();
        live.serial = 2;
        let torn = Delta::of(&live, &BTreeSet::new(), &Written::of(&whole)).to_line();
        journal.extend(&torn[..torn.len() / 2]);
        let mut read = doc.clone();
        replay(&mut read, &journal, "t").unwrap();
        assert_eq!(read, whole);
    }

    #[test]
    fn entries_folded_into_the_document_are_skipped_and_other_lineages_refused() {
        let mut live = State::new();
        with(&mut live, "aws_vpc.a", "vpc-1");
        live.serial = 1;
        let journal = Delta::of(
            &live,
            &BTreeSet::from([addr("aws_vpc.a")]),
            &Written::default(),
        )
        .to_line();
        let mut read = live.clone();
        read.remove(&addr("aws_vpc.a"));
        read.serial = 5;
        replay(&mut read, &journal, "t").unwrap();
        assert!(
            read.resources.is_empty(),
            "an entry older than the document changes nothing"
        );
        let mut other = State::new();
        assert!(replay(&mut other, &journal, "t").is_err());
    }

    fn pending(token: &str) -> PendingCreate {
        PendingCreate::new(
            &addr(&format!("aws_vpc.{token}")),
            token,
            "stack",
            &crate::value::Object::new(),
            &[],
            false,
        )
    }

    /// With ten creates in flight, each write carries the creates begun and
    /// resolved since the last one, not all ten again.
    #[test]
    fn pending_creates_are_journaled_as_they_begin_and_end() {
        let mut live = State::new();
        live.serial = 1;
        let doc = live.clone();
        let mut journal = Vec::new();
        let mut written = Written::of(&doc);
        for i in 0..10 {
            live.pending.push(pending(&format!("t{i}")));
            live.serial += 1;
            let line = Delta::of(&live, &BTreeSet::new(), &written).to_line();
            let delta: Delta = serde_json::from_slice(&line).unwrap();
            assert_eq!(delta.pending_added.len(), 1, "only the create just begun");
            assert!(delta.pending_done.is_empty() && delta.outputs.is_none());
            journal.extend(line);
            written = Written::of(&live);
        }
        live.pending.retain(|p| p.token != "t3" && p.token != "t7");
        with(&mut live, "aws_vpc.t3", "vpc-3");
        live.serial += 1;
        let delta = Delta::of(&live, &BTreeSet::from([addr("aws_vpc.t3")]), &written);
        assert_eq!(delta.pending_done, vec!["t3".to_string(), "t7".to_string()]);
        assert!(delta.pending_added.is_empty());
        journal.extend(delta.to_line());
        let mut read = doc.clone();
        replay(&mut read, &journal, "t").unwrap();
        assert_eq!(read, live);
    }

    /// An entry of an earlier recon carries the whole list of pending creates.
    #[test]
    fn an_entry_with_the_whole_pending_list_still_replays() {
        let mut live = State::new();
        live.pending = vec![pending("a"), pending("b")];
        live.serial = 2;
        let mut delta = Delta::of(&live, &BTreeSet::new(), &Written::default());
        delta.pending = Some(live.pending.clone());
        delta.pending_added.clear();
        let mut read = live.clone();
        read.pending = vec![pending("old")];
        read.serial = 1;
        replay(&mut read, &delta.to_line(), "t").unwrap();
        assert_eq!(read, live);
    }
}
