//! What commands print, through writers that never end the command. `println!`
//! panics when stdout is a pipe whose reader has gone (`recon state list |
//! head -1`): the command would stop half way through its work, holding the
//! state lock. These macros drop what can no longer be written instead, and the
//! command runs to its end.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// `print!` to stdout.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!($($arg)*)) };
}

/// `println!` to stdout.
macro_rules! outln {
    () => { $crate::cli::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprintln!` to stderr.
macro_rules! errln {
    () => { $crate::cli::out::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

pub fn stdout(args: std::fmt::Arguments) {
    // Output lost for another reason than a closed pipe (a full disk, say) is worth a line.
    if let Some(e) = write(&mut io::stdout().lock(), &STDOUT_GONE, args)
        .filter(|e| e.kind() != io::ErrorKind::BrokenPipe)
    {
        stderr(format_args!("Warning: cannot write the output ({e}); the rest of it is lost, but recon carries on.\n"));
    }
}

pub fn stderr(args: std::fmt::Arguments) {
    write(&mut io::stderr().lock(), &STDERR_GONE, args);
}

/// Writes unless an earlier write failed; returns the first failure.
fn write(to: &mut impl Write, gone: &AtomicBool, args: std::fmt::Arguments) -> Option<io::Error> {
    if gone.load(Ordering::Relaxed) {
        return None;
    }
    let e = to.write_fmt(args).err()?;
    gone.store(true, Ordering::Relaxed);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone.
    struct ClosedPipe(usize);

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            self.0 += 1;
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn after_a_closed_pipe_nothing_more_is_written_and_nothing_panics() {
        let gone = AtomicBool::new(false);
        let mut pipe = ClosedPipe(0);
        assert!(write(&mut pipe, &gone, format_args!("one\n")).is_some());
        assert!(write(&mut pipe, &gone, format_args!("two\n")).is_none());
        assert!(gone.load(Ordering::Relaxed));
        assert_eq!(pipe.0, 1);
    }

    /// Every command prints through these macros: one `println!` would bring the
    /// panic back.
    #[test]
    fn commands_never_print_with_the_panicking_macros() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cli");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "out.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                if ["println!", "print!(", "eprint!(", "eprintln!"]
                    .iter()
                    .any(|m| line.contains(m))
                {
                    found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "use out!/outln!/errln! (src/cli/out.rs) instead:\n{}",
            found.join("\n")
        );
    }
}
