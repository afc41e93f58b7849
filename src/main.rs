use clap::Parser;

// recon builds and drops many small values (a 20,000-resource check allocates
// millions); glibc's allocator spent a third of that run in malloc and free.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc hands freed pages back to the OS 10 ms after they empty; `check` and
/// `plan` free and reallocate hundreds of MiB, and faulting those pages in again
/// took half of a 20,000-resource check (the kernel clearing pages). A second's
/// delay keeps them for the run and still returns them in a long apply.
#[cfg(not(feature = "system-alloc"))]
fn tune_allocator() {
    use std::ffi::{c_int, c_long};
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    // `mi_option_purge_delay` in mimalloc.h (v3, as built by libmimalloc-sys 0.1.49,
    // pinned in Cargo.lock); the Rust bindings do not name it.
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    // SAFETY: sets one option of the allocator this binary links; any value is valid.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 1000) }
}

fn main() {
    #[cfg(not(feature = "system-alloc"))]
    tune_allocator();
    // Terraform users type -chdir=DIR, -auto-approve and -target=...: accept them.
    let args = match recon::cli::terraform_args::chdir(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("Error: {message}");
            std::process::exit(recon::cli::EXIT_ERROR);
        }
    };
    let args = recon::cli::terraform_args::normalize(args);
    let cli = match recon::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version are no errors; a usage error exits 1, since 2
            // means "changes present" under --detailed-exitcode.
            let _ = e.print();
            std::process::exit(if e.use_stderr() {
                recon::cli::EXIT_ERROR
            } else {
                recon::cli::EXIT_OK
            });
        }
    };
    let code = recon::cli::run(cli);
    recon::state::stats::save_if_asked();
    std::process::exit(code);
}
