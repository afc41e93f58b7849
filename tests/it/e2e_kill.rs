//! recon killed with SIGKILL at many points of an apply of the example stack, then
//! run again following only its own messages: the stack converges with no
//! duplicate and no leaked object (exactly-once apply).

use crate::common::inventory::{copy_example_stack, leftovers};
use crate::common::{ok, spawn_piped, Moto, Run};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::time::Duration;

/// Kill points: after this many progress lines of the apply (creating/complete),
/// plus a few milliseconds, so kills land both before and after state writes.
const KILL_AFTER_LINES: &[(usize, u64)] = &[
    (1, 0),
    (2, 5),
    (3, 40),
    (5, 0),
    (7, 15),
    (9, 80),
    (12, 3),
    (15, 0),
    (18, 60),
    (22, 10),
    (26, 0),
    (31, 25),
];

/// Runs `recon apply --auto-approve`, killing it after `lines` progress lines.
/// Returns whether it was killed (false: it finished first).
fn apply_and_kill(moto: &Moto, cwd: &Path, stack: &Path, lines: usize, extra_ms: u64) -> bool {
    let mut cmd = moto.recon(cwd);
    cmd.args(["-C", stack.to_str().unwrap(), "apply", "--auto-approve"]);
    let mut child = spawn_piped(&mut cmd);
    let mut stderr = child.stderr.take().unwrap();
    let drain = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
    });
    let mut seen = 0;
    let mut killed = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        if line.contains(": Creating...") || line.contains(" complete after ") {
            seen += 1;
            if seen == lines {
                std::thread::sleep(Duration::from_millis(extra_ms));
                killed = child.kill().is_ok();
                break;
            }
        }
    }
    let _ = child.wait();
    let _ = drain.join();
    killed
}

/// The lock ID in a "state is locked" message.
fn lock_id(run: &Run) -> Option<String> {
    let line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("Lock ID:"))?;
    Some(line.split(':').nth(1)?.trim().to_string())
}

/// `recon apply --auto-approve` until it succeeds, breaking the lock when recon
/// says a killed process left it; at most a few rounds.
fn recover(moto: &Moto, cwd: &Path, stack: &Path, round: usize) {
    let mut transcript = String::new();
    for _ in 0..4 {
        let run = moto.run(cwd, stack, &["apply", "--auto-approve"]);
        if run.code == 0 {
            return;
        }
        transcript.push_str(&run.all());
        match lock_id(&run) {
            Some(id) => {
                ok(moto.run(cwd, stack, &["force-unlock", &id, "--force"]));
            }
            None => panic!(
                "round {round}: apply after the kill failed without a lock to break:\n{transcript}"
            ),
        }
    }
    panic!("round {round}: apply did not converge:\n{transcript}");
}

#[test]
fn killed_applies_converge_with_no_duplicate_and_no_leak() {
    let moto = Moto::start();
    let mut killed = 0;
    for (round, &(lines, extra_ms)) in KILL_AFTER_LINES.iter().enumerate() {
        moto.reset();
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path();
        let stack = copy_example_stack(cwd);
        if apply_and_kill(&moto, cwd, &stack, lines, extra_ms) {
            killed += 1;
        }
        recover(&moto, cwd, &stack, round);
        moto.expect_no_changes(cwd, &stack);
        ok(moto.run(
            cwd,
            &stack,
            &[
                "destroy",
                "--auto-approve",
                "--allow-data-loss",
                "aws_ebs_volume.data",
                "--allow-data-loss",
                "aws_instance.sync",
            ],
        ));
        // Anything a killed create made twice, or made and lost, would still be here.
        let left = leftovers(&moto.sdk_config());
        assert!(
            left.is_empty(),
            "round {round} (killed after {lines} lines + {extra_ms} ms) left: {left:?}"
        );
    }
    assert!(
        killed >= 10,
        "only {killed} of the rounds were killed mid-apply"
    );
}
