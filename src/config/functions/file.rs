//! Files of the stack.

use super::*;
use std::path::PathBuf;

pub(super) fn resolve(ctx: &FnContext, path: &str) -> PathBuf {
    // Terraform expands a leading ~ to the home directory.
    let expanded = match (path.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(home).join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        ctx.base_dir.join(expanded)
    }
}

pub(super) fn read_file(ctx: &FnContext, path: &str) -> Result<Vec<u8>, String> {
    let full = resolve(ctx, path);
    crate::config::limits::read_bounded(&full).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "no file exists at {}; file functions read files that ship with the stack, \
             so read a file that a resource creates from that resource's attributes instead",
            full.display()
        ),
        _ if full.is_dir() => format!("{} is a directory, not a file", full.display()),
        _ => format!("cannot read {}: {e}", full.display()),
    })
}

pub(super) fn file(args: &[Value], ctx: &FnContext) -> Result<Value, String> {
    let path = str_arg(args, 0);
    String::from_utf8(read_file(ctx, path)?)
        .map(Value::String)
        .map_err(|_| {
            format!(
                "contents of {} are not valid UTF-8; use filebase64 for the Base64-encoded \
             contents or filesha256 for a hash instead",
                resolve(ctx, path).display()
            )
        })
}

pub(super) fn fileexists(args: &[Value], ctx: &FnContext) -> Result<Value, String> {
    let full = resolve(ctx, str_arg(args, 0));
    match std::fs::metadata(&full) {
        Ok(meta) if meta.is_file() => Ok(Value::Bool(true)),
        Ok(meta) if meta.is_dir() => Err(format!("{} is a directory, not a file", full.display())),
        Ok(_) => Err(format!("{} is not a regular file", full.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(format!("cannot check {}: {e}", full.display())),
    }
}
