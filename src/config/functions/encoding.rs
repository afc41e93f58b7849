//! Base64 and hashes.

use super::*;

pub(super) fn base64decode(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let text = str_arg(args, 0);
    let bytes = BASE64
        .decode(text)
        .map_err(|e| format!("failed to decode base64 data {text:?}: {e}"))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| "the result of decoding the provided string is not valid UTF-8".into())
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
