//! Per-resource progress of an apply as events (Terraform's hooks: start,
//! progress, complete, errored). The engine says what happens; an [`Observer`]
//! (the views in `render::apply`) words it for people or as JSON lines.

use super::jobs::JobKind;
use crate::addr::InstanceAddr;
use crate::value::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One thing that happened to one resource.
#[derive(Debug)]
pub enum Hook<'a> {
    Start {
        addr: &'a InstanceAddr,
        kind: JobKind,
    },
    /// Still running after `elapsed`; `text` is "Still creating..." or the like.
    Progress {
        addr: &'a InstanceAddr,
        kind: JobKind,
        text: &'a str,
        elapsed: Duration,
    },
    /// A step that is not one of the four operations (a snapshot, a throttled try).
    Note {
        addr: &'a InstanceAddr,
        text: &'a str,
    },
    Complete {
        addr: &'a InstanceAddr,
        kind: JobKind,
        elapsed: Duration,
        id: Option<&'a str>,
    },
    /// The error itself is reported once, at the end, by the view.
    Errored {
        addr: &'a InstanceAddr,
        kind: JobKind,
        elapsed: Duration,
    },
}

/// Who is told what happens during an apply.
pub trait Observer: Send + Sync {
    fn hook(&self, hook: &Hook<'_>);
}

/// Tells nobody (engine tests).
struct Quiet;

impl Observer for Quiet {
    fn hook(&self, _: &Hook<'_>) {}
}

/// "Creating...", "Still creating...", "Creation complete", "Creation".
pub fn words(kind: JobKind) -> (&'static str, &'static str, &'static str, &'static str) {
    match kind {
        JobKind::Create => (
            "Creating...",
            "Still creating...",
            "Creation complete",
            "Creation",
        ),
        JobKind::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
            "Modification",
        ),
        JobKind::Delete => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
            "Destruction",
        ),
        JobKind::Read => ("Reading...", "Still reading...", "Read complete", "Read"),
    }
}

/// Hands an apply's events to its observer, and says every interval that a
/// long operation is still running.
pub struct Progress<'a> {
    observer: &'a dyn Observer,
    /// How often a long operation reports that it is still going.
    interval: Duration,
    /// When each running operation started, for "errored after".
    started: Mutex<HashMap<InstanceAddr, Instant>>,
}

impl<'a> Progress<'a> {
    pub fn new(observer: &'a dyn Observer) -> Progress<'a> {
        Progress {
            observer,
            interval: Duration::from_secs(10),
            started: Mutex::default(),
        }
    }

    /// Progress nobody is told about.
    pub fn quiet() -> Progress<'static> {
        Progress::new(&Quiet)
    }

    pub fn start(&self, addr: &InstanceAddr, kind: JobKind) -> Instant {
        let now = Instant::now();
        self.started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(addr.clone(), now);
        self.observer.hook(&Hook::Start { addr, kind });
        now
    }

    /// A line about a step that is not one of the four operations (a snapshot).
    pub fn note(&self, addr: &InstanceAddr, text: &str) -> Instant {
        self.observer.hook(&Hook::Note { addr, text });
        Instant::now()
    }

    /// Runs `op`, saying every interval that it is still running.
    pub async fn ticking<T>(
        &self,
        addr: &InstanceAddr,
        kind: JobKind,
        started: Instant,
        op: impl Future<Output = T>,
    ) -> T {
        self.ticking_with(addr, kind, words(kind).1, started, op)
            .await
    }

    /// [`Progress::ticking`] with its own "Still ..." text.
    pub async fn ticking_with<T>(
        &self,
        addr: &InstanceAddr,
        kind: JobKind,
        text: &str,
        started: Instant,
        op: impl Future<Output = T>,
    ) -> T {
        tokio::pin!(op);
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + self.interval, self.interval);
        loop {
            tokio::select! {
                out = &mut op => return out,
                _ = ticker.tick() => {
                    self.observer.hook(&Hook::Progress { addr, kind, text, elapsed: started.elapsed() });
                }
            }
        }
    }

    pub fn done(&self, addr: &InstanceAddr, kind: JobKind, started: Instant, id: Option<&Value>) {
        self.started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(addr);
        self.observer.hook(&Hook::Complete {
            addr,
            kind,
            elapsed: started.elapsed(),
            id: id.and_then(Value::as_str),
        });
    }

    pub fn failed(&self, addr: &InstanceAddr, kind: JobKind) {
        let started = self
            .started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(addr);
        self.observer.hook(&Hook::Errored {
            addr,
            kind,
            elapsed: started.map(|s| s.elapsed()).unwrap_or_default(),
        });
    }
}
