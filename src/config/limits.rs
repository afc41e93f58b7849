//! Bounds on what a stack may make recon build in memory. Far above any real
//! stack, they turn a typo (`count = 1e23`, `format("%.99999999999d", 1)`) into
//! a clear error instead of an attempt to allocate terabytes.

/// Instances one block may expand to (`count`, `for_each`).
pub const MAX_INSTANCES: usize = 100_000;

/// Width or precision of one `format` verb.
pub const MAX_FORMAT_WIDTH: usize = 100_000;
