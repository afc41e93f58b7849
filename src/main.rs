use clap::Parser;

// recon builds and drops many small values (a 20,000-resource check allocates
// millions); glibc's allocator spent a third of that run in malloc and free.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
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
