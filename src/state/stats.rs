//! What this process wrote to state: writes and bytes, counted where a backend
//! puts bytes on disk or in S3. `scripts/bench` reads them (through
//! `RECON_STATS=FILE`) to show that an apply's state writes cost the change.

use std::sync::atomic::{AtomicU64, Ordering};

static WRITES: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// One write of `bytes` bytes to a state backend (document, journal or backup).
pub fn wrote(bytes: usize) {
    WRITES.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// When `RECON_STATS` names a file, writes the counts there as JSON. Errors are
/// ignored: the figures are for a benchmark, never worth failing a command.
pub fn save_if_asked() {
    let Some(path) = std::env::var_os("RECON_STATS") else {
        return;
    };
    let text = serde_json::json!({
        "state_writes": WRITES.load(Ordering::Relaxed),
        "state_bytes_written": BYTES.load(Ordering::Relaxed),
    });
    let _ = std::fs::write(path, text.to_string());
}
