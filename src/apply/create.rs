//! One create, exactly once. A create refused before it ran (throttled) is tried
//! again; one whose outcome is unknown (a timeout, a lost answer, a 5xx) is looked
//! for by its token before it is tried again; a failure after the object exists
//! keeps the object, tainted. The whole create is never run a second time once
//! its call has made something.

use super::progress::Progress;
use crate::addr::InstanceAddr;
use crate::provider::{
    backoff, find_settled, retry, Created, ErrorKind, Meta, ProviderError, ResourceType,
};
use crate::value::Object;

/// Tries of the create call while AWS refuses it or its outcome stays unknown.
const ATTEMPTS: u32 = 6;

/// What a create made.
pub struct Made {
    pub object: Object,
    /// Set when the object exists but could not be brought to its planned state:
    /// it is recorded tainted, so the next apply replaces it (Terraform's rule).
    pub tainted: Option<ProviderError>,
}

pub enum Failed {
    /// Nothing was made.
    Nothing(ProviderError),
    /// Whether something was made is unknown: the pending create must stay.
    Unknown(ProviderError),
}

pub async fn exactly_once(
    rt: &dyn ResourceType,
    planned: &Object,
    meta: &Meta,
    progress: &Progress<'_>,
) -> Result<Made, Failed> {
    let addr: Option<InstanceAddr> = meta.address.parse().ok();
    let mut attempt = 0;
    loop {
        let began = std::time::SystemTime::now();
        let err = match rt.create(planned, meta).await {
            Ok(object) => {
                return Ok(Made {
                    object,
                    tainted: None,
                })
            }
            Err(e) => e,
        };
        if let Some(partial) = err.partial.clone() {
            return Ok(Made {
                object: partial,
                tainted: Some(err),
            });
        }
        let last = attempt + 1 >= ATTEMPTS;
        match err.kind {
            ErrorKind::Throttled if !last => {
                if let Some(addr) = &addr {
                    progress.note(addr, &format!("AWS is throttling requests ({}); waiting to try again...", err.code.as_deref().unwrap_or("throttled")));
                }
            }
            ErrorKind::Throttled => return Err(Failed::Nothing(err)),
            ErrorKind::Transient => match find_settled(rt, planned, meta, began).await {
                Ok(Created::Found(object)) => return Ok(converge(rt, object, planned, meta).await),
                Ok(Created::Absent) if !last => {}
                Ok(Created::Absent) => return Err(Failed::Nothing(err)),
                Ok(Created::NotOurs { id }) => {
                    return Err(Failed::Nothing(ProviderError {
                        message: format!("{}; {id} now holds the name and recon did not make it for {}: import it (recon import {} {id}) or choose another name", err.message, meta.address, meta.address),
                        ..err
                    }))
                }
                Ok(Created::Unknowable) => return Err(Failed::Unknown(err)),
                Err(find) => {
                    return Err(Failed::Unknown(ProviderError {
                        message: format!("{}; looking for what the call made failed too: {}", err.message, find),
                        ..err
                    }))
                }
            },
            _ => return Err(Failed::Nothing(err)),
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}

/// A create's call made `found`, but its answer was lost, so the steps after it
/// (waits, settings made by separate calls) did not run: bring it to `planned`.
async fn converge(rt: &dyn ResourceType, found: Object, planned: &Object, meta: &Meta) -> Made {
    // What only AWS could say (the id, computed attributes) is known now.
    let mut planned = planned.clone();
    for (name, value) in planned.iter_mut().filter(|(_, v)| !v.is_wholly_known()) {
        if let Some(real) = found.get(name) {
            *value = real.clone();
        }
    }
    match retry(|| rt.update(&found, &planned, meta)).await {
        Ok(object) => Made {
            object,
            tainted: None,
        },
        Err(e) => Made {
            object: found,
            tainted: Some(e),
        },
    }
}
