//! Bounds on what a stack may make recon build in memory. Far above any real
//! stack, they turn a typo (`count = 1e23`, `format("%.99999999999d", 1)`) into
//! a clear error instead of an attempt to allocate terabytes.

/// Instances one block may expand to (`count`, `for_each`).
pub const MAX_INSTANCES: usize = 100_000;

/// Width or precision of one `format` verb.
pub const MAX_FORMAT_WIDTH: usize = 100_000;

/// Bytes of one file recon reads as text or through a file function (a stack
/// file, tfvars, a policy, `file("/dev/zero")`).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Characters one string value may have (`indent(1e11, ...)`, a template that
/// doubles a string at each of 40 locals).
pub const MAX_STRING: usize = 64 << 20;

/// Levels of nested lists and objects `jsondecode` builds (the stack language
/// itself stops at 64).
pub const MAX_JSON_DEPTH: usize = 128;

/// Reads at most [`MAX_FILE_BYTES`] of `path`: a bigger file (or a device that
/// never ends) is an error rather than all the memory there is.
pub fn read_bounded(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than the {} MiB recon reads", MAX_FILE_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// Elements of one list or object a function may return (`concat` of a list with
/// itself, forty times over).
pub const MAX_ELEMENTS: usize = 10_000_000;

/// An error when `value` is a string or collection bigger than recon allows. Only
/// the value itself is measured, not what it holds: cheap enough for every call.
pub fn check_size(value: &crate::value::Value) -> Result<(), String> {
    use crate::value::Value;
    match value {
        Value::String(s) if s.len() > MAX_STRING => Err(format!(
            "the result is longer than the {MAX_STRING} characters recon allows in a string"
        )),
        Value::List(items) if items.len() > MAX_ELEMENTS => Err(format!(
            "the result has more than the {MAX_ELEMENTS} elements recon allows in a list"
        )),
        Value::Object(map) if map.len() > MAX_ELEMENTS => Err(format!(
            "the result has more than the {MAX_ELEMENTS} elements recon allows in a map"
        )),
        _ => Ok(()),
    }
}
