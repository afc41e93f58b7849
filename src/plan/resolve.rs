//! Resolves the pending creates an interrupted apply left in state, before
//! anything is planned: what a create made is adopted, a create that made
//! nothing is forgotten. A second object is never created for one address.

use crate::addr::InstanceAddr;
use crate::diag::{Diag, Diags};
use crate::provider::{find_settled, Created, Meta, Provider};
use crate::state::{PendingCreate, ResourceState, State};
use std::fmt;

/// What became of one pending create.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// The create made this object; state now holds it.
    Adopted { addr: InstanceAddr, id: String },
    /// The create made nothing: planned as a create again.
    Forgotten { addr: InstanceAddr },
    /// The name is held by an object recon did not make for this address.
    NotOurs { addr: InstanceAddr, id: String },
    /// The type cannot be looked up: an object may exist, tagged with the token.
    Unknowable { addr: InstanceAddr, token: String },
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resolution::Adopted { addr, id } => write!(f, "{addr} was created by an interrupted apply and is adopted [id={id}]"),
            Resolution::Forgotten { addr } => write!(f, "{addr}: an interrupted apply's create made nothing; it is planned again"),
            Resolution::NotOurs { addr, id } => write!(f, "{addr}: an interrupted apply's create made nothing; {id} holds its name and was not made by recon (recon import {addr} {id} adopts it)"),
            Resolution::Unknowable { addr, token } => write!(
                f,
                "{addr}: an interrupted apply may have created it, and this type cannot be looked up; look for an object tagged recon:token={token} and `recon import` it, or delete it"
            ),
        }
    }
}

/// Resolves every pending create of `state` in place (state is changed in memory
/// only; the caller decides whether to write it).
pub async fn resolve_pending(
    state: &mut State,
    provider: &dyn Provider,
) -> Result<Vec<Resolution>, Diags> {
    let mut out = Vec::new();
    let mut todo = std::mem::take(&mut state.pending).into_iter();
    while let Some(pending) = todo.next() {
        match resolve_one(state, provider, &pending).await {
            Ok(resolution) => out.push(resolution),
            Err(diag) => {
                // Unresolved: it stays pending, and so do the ones not reached yet.
                state.pending.push(pending);
                state.pending.extend(todo);
                return Err(diag.into());
            }
        }
    }
    Ok(out)
}

async fn resolve_one(
    state: &mut State,
    provider: &dyn Provider,
    pending: &PendingCreate,
) -> Result<Resolution, Diag> {
    let addr = pending.addr().map_err(Diag::plain)?;
    let rt = provider.resource(&addr.resource.type_name).ok_or_else(|| {
        Diag::plain(format!(
            "state has a pending create of {addr}, of a type this recon does not support"
        ))
    })?;
    let meta = Meta {
        token: Some(pending.token.clone()),
        began: Some(pending.began()),
        ..Meta::new(pending.stack.clone(), addr.to_string())
    };
    let planned = pending.planned_object();
    let found = find_settled(&*rt, &planned, &meta, pending.began()).await.map_err(|e| {
        Diag::plain(format!(
            "{addr}: looking for what an interrupted create made failed: {e}"
        ))
        .with_help("state keeps the pending create; run plan again once AWS answers (check credentials, region and network)")
    })?;
    Ok(match found {
        Created::Found(object) => {
            let id = object
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let mut rs = ResourceState::from_object(
                &addr,
                &object,
                &pending.dependency_addrs(),
                pending.create_before_destroy,
            )
            .map_err(|e| Diag::plain(e.to_string()))?;
            if let Some(old) = state.get(&addr) {
                rs.deposed = old.deposed.clone();
                if pending.create_before_destroy {
                    rs.deposed.push(old.attributes.clone());
                }
            }
            state.upsert(rs);
            Resolution::Adopted { addr, id }
        }
        Created::Absent => Resolution::Forgotten { addr },
        Created::NotOurs { id } => Resolution::NotOurs { addr, id },
        Created::Unknowable => Resolution::Unknowable {
            addr,
            token: pending.token.clone(),
        },
    })
}
