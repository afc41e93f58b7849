//! The flag that asks a running apply to start nothing new. The CLI raises it on
//! Ctrl-C or SIGTERM; the engine only reads it, so it knows nothing of signals.

use std::sync::atomic::{AtomicBool, Ordering};

/// Once raised, no new job starts; the jobs already running finish and what they
/// did is written to state as usual.
#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
