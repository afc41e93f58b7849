use clap::Parser;

// recon builds and drops many small values (a 20,000-resource check allocates
// millions); glibc's allocator spent a third of that run in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Terraform users type -auto-approve and -target=...: accept them.
    let args = recon::cli::terraform_args::normalize(std::env::args_os().collect());
    let cli = recon::cli::Cli::parse_from(args);
    let code = recon::cli::run(cli);
    recon::state::stats::save_if_asked();
    std::process::exit(code);
}
