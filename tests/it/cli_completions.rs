//! `recon completions SHELL`: the script names recon's subcommands, and an
//! unknown shell is a usage error.

use crate::common::{recon_offline, Run};

#[test]
fn completion_scripts_name_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let bash = Run::of(recon_offline(dir.path()).args(["completions", "bash"]));
    assert_eq!(bash.code, 0, "{}", bash.all());
    assert!(bash.stdout.contains("_recon()"), "{}", bash.all());
    for sub in [
        "plan",
        "apply",
        "destroy",
        "import",
        "fmt",
        "completions",
        "import-terraform",
    ] {
        assert!(bash.stdout.contains(sub), "bash script lacks {sub}");
    }
    let zsh = Run::of(recon_offline(dir.path()).args(["completions", "zsh"]));
    assert!(
        zsh.code == 0 && zsh.stdout.contains("#compdef recon"),
        "{}",
        zsh.all()
    );
    let fish = Run::of(recon_offline(dir.path()).args(["completions", "fish"]));
    assert!(
        fish.code == 0 && fish.stdout.contains("complete -c recon"),
        "{}",
        fish.all()
    );
    let bad = Run::of(recon_offline(dir.path()).args(["completions", "tcsh"]));
    assert_eq!(bad.code, 1, "{}", bad.all());
}
