use clap::Parser;

fn main() {
    let cli = recon::cli::Cli::parse();
    std::process::exit(recon::cli::run(cli));
}
