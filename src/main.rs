use clap::Parser;

fn main() {
    // Terraform users type -auto-approve and -target=...: accept them.
    let args = recon::cli::terraform_args::normalize(std::env::args_os().collect());
    let cli = recon::cli::Cli::parse_from(args);
    let code = recon::cli::run(cli);
    recon::state::stats::save_if_asked();
    std::process::exit(code);
}
