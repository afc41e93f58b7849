//! Per-resource progress lines as Terraform prints them:
//! `aws_instance.sync: Creating...`, `Still creating... [10s elapsed]`,
//! `Creation complete after 12s [id=i-…]`.

use super::jobs::JobKind;
use crate::addr::InstanceAddr;
use crate::value::Value;
use owo_colors::OwoColorize;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

pub struct Progress {
    color: bool,
    /// How often a long operation reports that it is still going.
    interval: Duration,
}

fn words(kind: JobKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        JobKind::Create => ("Creating...", "Still creating...", "Creation complete"),
        JobKind::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
        ),
        JobKind::Delete => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
        ),
        JobKind::Read => ("Reading...", "Still reading...", "Read complete"),
    }
}

impl Progress {
    pub fn new(color: bool) -> Progress {
        Progress {
            color,
            interval: Duration::from_secs(10),
        }
    }

    fn line(&self, addr: &InstanceAddr, text: &str) {
        let addr = if self.color {
            addr.to_string().bold().to_string()
        } else {
            addr.to_string()
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}: {text}");
        let _ = out.flush();
    }

    pub fn start(&self, addr: &InstanceAddr, kind: JobKind) -> Instant {
        self.line(addr, words(kind).0);
        Instant::now()
    }

    /// A line about a step that is not one of the four operations (a snapshot).
    pub fn note(&self, addr: &InstanceAddr, text: &str) -> Instant {
        self.line(addr, text);
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
        self.ticking_with(addr, words(kind).1, started, op).await
    }

    /// [`Progress::ticking`] with its own "Still ..." text.
    pub async fn ticking_with<T>(
        &self,
        addr: &InstanceAddr,
        still: &str,
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
                    self.line(addr, &format!("{still} [{}s elapsed]", started.elapsed().as_secs()));
                }
            }
        }
    }

    pub fn done(&self, addr: &InstanceAddr, kind: JobKind, started: Instant, id: Option<&Value>) {
        let id = id
            .and_then(Value::as_str)
            .map(|id| format!(" [id={id}]"))
            .unwrap_or_default();
        self.line(
            addr,
            &format!(
                "{} after {}s{id}",
                words(kind).2,
                started.elapsed().as_secs()
            ),
        );
    }

    /// The error itself is reported once, at the end, with the summary.
    pub fn failed(&self, addr: &InstanceAddr, kind: JobKind) {
        let verb = match kind {
            JobKind::Create => "Creation",
            JobKind::Update => "Modification",
            JobKind::Delete => "Destruction",
            JobKind::Read => "Read",
        };
        let text = format!("{verb} failed (see the error below)");
        self.line(
            addr,
            &if self.color {
                text.red().to_string()
            } else {
                text
            },
        );
    }
}
