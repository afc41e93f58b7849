//! Ctrl-C (SIGINT) and SIGTERM, handled the way Terraform does. While an apply or
//! destroy is changing things, the first signal lets the operations in flight
//! finish (so state records them) and starts nothing new; a second one stops at
//! once. Anywhere else (planning, waiting for the lock, the confirmation prompt)
//! a signal stops the command at once. Either way `run` still releases the lock.
//!
//! The engine knows nothing of this: it is handed the `Stop` flag and checks it
//! before starting each job.

use crate::apply::Stop;
use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};

pub const GRACEFUL: &str = "Interrupt received. Finishing the operations in progress; no new ones will start. Press Ctrl-C again to stop at once (creates in flight are then resolved by the next plan or apply).";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    /// 128 + the signal number: what a shell reports for a process a signal ended.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }
}

/// What the command is doing, which decides what a signal does and says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Other = 0,
    /// Reading state and AWS to make a plan: nothing has been changed.
    Planning = 1,
    /// At "Do you want to perform these actions?".
    Prompt = 2,
    /// Creating, updating and deleting: the first signal raises the stop.
    Applying = 3,
}

/// Shared by the command, which says which phase it is in and hands the stop flag
/// to the applier, and by [`supervise`], which hears the signals.
#[derive(Default)]
pub struct Interrupt {
    phase: AtomicU8,
    stop: Stop,
}

impl Interrupt {
    pub fn set(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::SeqCst);
    }

    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::SeqCst) {
            1 => Phase::Planning,
            2 => Phase::Prompt,
            3 => Phase::Applying,
            _ => Phase::Other,
        }
    }

    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    /// What a signal does now: `None` when it only raised the stop.
    fn on_signal(&self, signal: Signal) -> Option<Halt> {
        let phase = self.phase();
        if phase == Phase::Applying && !self.stop.is_raised() {
            self.stop.raise();
            return None;
        }
        Some(Halt { signal, phase })
    }
}

/// A signal that ended the command at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Halt {
    pub signal: Signal,
    pub phase: Phase,
}

impl Halt {
    pub fn message(&self) -> &'static str {
        match self.phase {
            Phase::Other => "Interrupted: recon stopped at once.",
            Phase::Planning => "Interrupted: recon stopped before changing anything.",
            Phase::Prompt => "Apply cancelled.",
            Phase::Applying => "Stopped at once: the operations in flight were abandoned. State records each create in flight as pending; \
                 the next `recon plan` or `recon apply` looks for what it made (by its recon:token tag or name), adopts it, and creates only what was not made.",
        }
    }
}

/// The process's SIGINT and SIGTERM, taken over from their default (dying).
pub struct Signals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must be called inside the runtime.
    pub fn install() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                int: signal(SignalKind::interrupt())?,
                term: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    pub async fn recv(&mut self) -> Signal {
        #[cfg(unix)]
        {
            tokio::select! {
                Some(()) = self.int.recv() => Signal::Int,
                Some(()) = self.term.recv() => Signal::Term,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Signal::Int,
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// Runs `command` to its end unless a signal halts it (it is then dropped, which
/// abandons whatever it was awaiting). A first signal while applying only raises
/// the stop and says so.
pub async fn supervise<T>(
    interrupt: &Interrupt,
    signals: &mut Signals,
    command: impl Future<Output = T>,
) -> Result<T, Halt> {
    tokio::pin!(command);
    loop {
        tokio::select! {
            // A command that has finished has finished, whatever signal came meanwhile.
            biased;
            out = &mut command => return Ok(out),
            signal = signals.recv() => match interrupt.on_signal(signal) {
                Some(halt) => return Err(halt),
                None => errln!("\n{GRACEFUL}"),
            },
        }
    }
}

/// Runs `release` (of the state lock, as a command ends) to its end unless two
/// signals come first: the first says what recon is waiting for, the second
/// gives up on it. A signal right after the work, or one the work outlived,
/// never costs the lock.
pub async fn release<T>(
    signals: &mut Signals,
    release: impl Future<Output = T>,
) -> Result<T, Signal> {
    tokio::pin!(release);
    let mut warned = false;
    loop {
        tokio::select! {
            biased;
            out = &mut release => return Ok(out),
            signal = signals.recv() => {
                if warned {
                    return Err(signal);
                }
                warned = true;
                errln!("\nReleasing the state lock; press Ctrl-C again to stop without releasing it.");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_while_applying_only_raises_the_stop() {
        let i = Interrupt::default();
        i.set(Phase::Planning);
        assert_eq!(
            i.on_signal(Signal::Int),
            Some(Halt {
                signal: Signal::Int,
                phase: Phase::Planning
            })
        );
        assert!(!i.stop().is_raised());
        i.set(Phase::Applying);
        assert_eq!(i.on_signal(Signal::Term), None);
        assert!(i.stop().is_raised());
        let second = i.on_signal(Signal::Int).unwrap();
        assert_eq!(
            (second.phase, second.signal.exit_code()),
            (Phase::Applying, 130)
        );
        i.set(Phase::Prompt);
        assert_eq!(
            i.on_signal(Signal::Int).unwrap().message(),
            "Apply cancelled."
        );
    }
}
