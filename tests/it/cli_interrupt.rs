//! Ctrl-C and SIGTERM through the real binary: a first SIGINT during apply lets the
//! operation in flight finish, starts nothing new, records what landed and
//! releases the lock; a second one stops at once; a signal while planning, while
//! waiting for the lock or at the confirmation prompt stops at once.
//!
//! The "at once" cases point AWS_ENDPOINT_URL at a socket that accepts
//! connections and never answers, so that an AWS call is reliably in flight
//! when the signal comes.
//!
//! The lock is released on every way out once taken: also for signals right
//! after the apply completed, and when stdout is a pipe whose reader went away
//! (`recon apply | head -1`), which must not crash recon either.

use crate::common;
use crate::common::{on_terminal, runtime, spawn_piped, Moto};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);
const N: usize = 8;

/// N VPCs, each with a subnet: the VPCs are independent, each subnet waits for its VPC.
fn stack() -> String {
    (0..N)
        .map(|i| {
            format!(
                "resource \"aws_vpc\" \"v{i}\" {{\n  cidr_block = \"10.{i}.0.0/16\"\n}}\n\n\
                 resource \"aws_subnet\" \"s{i}\" {{\n  vpc_id     = aws_vpc.v{i}.id\n  cidr_block = \"10.{i}.1.0/24\"\n}}\n\n"
            )
        })
        .collect()
}

const ONE_VPC: &str = "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";

fn all_addresses() -> Vec<String> {
    let mut all: Vec<String> = (0..N)
        .flat_map(|i| [format!("aws_subnet.s{i}"), format!("aws_vpc.v{i}")])
        .collect();
    all.sort();
    all
}

/// A stack directory named "stack" (state: `<dir>/state/stack.json`).
fn stack_dir(root: &Path, text: &str) -> PathBuf {
    let dir = root.join("stack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.hcl"), text).unwrap();
    dir
}

fn state_file(dir: &Path) -> PathBuf {
    dir.join("state/stack.json")
}

fn lock_file(dir: &Path) -> PathBuf {
    dir.join("state/stack.json.lock")
}

/// (address, id) of every resource in the local state, sorted by address.
fn state_resources(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(state_file(dir)).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out: Vec<(String, String)> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["attributes"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// recon with the AWS environment of `endpoint`, run in `dir`.
fn recon(endpoint: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recon"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("RECON_ENV");
    cmd
}

struct Done {
    code: i32,
    out: String,
    err: String,
}

impl Done {
    fn all(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.out, self.err
        )
    }
}

fn run(endpoint: &str, dir: &Path, args: &[&str]) -> Done {
    let run = common::Run::of(recon(endpoint, dir).args(args).stdin(Stdio::null()));
    Done {
        code: run.code,
        out: run.stdout,
        err: run.stderr,
    }
}

/// A running recon whose output lines arrive on channels as they are written.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    seen_out: Vec<String>,
    seen_err: Vec<String>,
}

fn lines(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Running {
    /// recon `args` against `endpoint`, run in `dir`.
    fn start(endpoint: &str, dir: &Path, args: &[&str]) -> Running {
        let mut child = spawn_piped(recon(endpoint, dir).args(args));
        Running::wrap(&mut child, None).with(child)
    }

    fn wrap(child: &mut Child, stdin: Option<ChildStdin>) -> RunningParts {
        RunningParts {
            stdin,
            out: lines(child.stdout.take().unwrap()),
            err: lines(child.stderr.take().unwrap()),
        }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits for a line of stdout (`err` false) or stderr containing `text`.
    fn wait_line(&mut self, err: bool, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let rx = if err { &self.err } else { &self.out };
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    if err {
                        self.seen_err.push(line.clone());
                    } else {
                        self.seen_out.push(line.clone());
                    }
                    if found {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {text:?} on {}; so far:\nstdout:\n{}\nstderr:\n{}",
                    if err { "stderr" } else { "stdout" },
                    self.seen_out.join("\n"),
                    self.seen_err.join("\n")
                ),
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (bounded) for the exit; everything written is returned.
    fn finish(mut self, within: Duration) -> Done {
        drop(self.stdin.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > within {
                let _ = self.child.kill();
                panic!(
                    "recon did not exit within {within:?}; so far:\nstdout:\n{}\nstderr:\n{}",
                    self.seen_out.join("\n"),
                    self.seen_err.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = self.seen_out;
        out.extend(self.out.iter());
        let mut err = self.seen_err;
        err.extend(self.err.iter());
        Done {
            code: status.code().unwrap_or(-1),
            out: out.join("\n"),
            err: err.join("\n"),
        }
    }
}

struct RunningParts {
    stdin: Option<ChildStdin>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

impl RunningParts {
    fn with(self, child: Child) -> Running {
        Running {
            child,
            stdin: self.stdin,
            out: self.out,
            err: self.err,
            seen_out: Vec::new(),
            seen_err: Vec::new(),
        }
    }
}

/// An "AWS endpoint" that accepts connections and never answers: every call
/// made to it stays in flight.
fn silent_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// Only what recon created (moto's default VPC and subnets have no recon tags).
fn recon_tagged() -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name("tag-key")
        .values("recon:address")
        .build()
}

fn sorted<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<String> = ids.map(str::to_string).collect();
    ids.sort();
    ids
}

/// VPC ids in moto that recon created.
fn recon_vpcs(moto: &Moto) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    let out = runtime()
        .block_on(ec2.describe_vpcs().filters(recon_tagged()).send())
        .unwrap();
    sorted(out.vpcs().iter().filter_map(|v| v.vpc_id()))
}

fn subnet_ids(moto: &Moto) -> Vec<String> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    let out = runtime()
        .block_on(ec2.describe_subnets().filters(recon_tagged()).send())
        .unwrap();
    sorted(out.subnets().iter().filter_map(|s| s.subnet_id()))
}

#[test]
fn a_first_ctrl_c_finishes_what_is_in_flight_records_it_and_releases_the_lock() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), &stack());
    let mut apply = Running::start(
        &moto.endpoint,
        &dir,
        &["apply", "--auto-approve", "--parallelism", "1"],
    );
    apply.wait_line(false, "Creation complete");
    apply.signal("INT");
    let done = apply.finish(WAIT);

    assert_eq!(done.code, 1, "{}", done.all());
    assert!(
        done.err.contains(
            "Interrupt received. Finishing the operations in progress; no new ones will start. \
             Press Ctrl-C again to stop at once (creates in flight are then resolved by the next plan or apply)."
        ),
        "{}",
        done.all()
    );
    assert!(done.err.contains("Apply interrupted:"), "{}", done.all());
    assert!(!done.out.contains("Apply complete"), "{}", done.all());

    // State holds exactly what was reported complete: the one the signal came
    // after, and the one in flight then, if any.
    let mut completed: Vec<String> = done
        .out
        .lines()
        .filter(|l| l.contains(": Creation complete"))
        .map(|l| l.split(": ").next().unwrap().to_string())
        .collect();
    completed.sort();
    let in_state = state_resources(&dir);
    let addresses: Vec<String> = in_state.iter().map(|(a, _)| a.clone()).collect();
    assert_eq!(addresses, completed, "{}", done.all());
    // One job at a time: normally the one in flight when the signal came finishes
    // after it, but a slow `kill` may let one more start first.
    assert!((1..2 * N).contains(&completed.len()), "{}", done.all());
    // Nothing created is missing from state, and what state says exists.
    let mut state_ids: Vec<String> = in_state.iter().map(|(_, id)| id.clone()).collect();
    state_ids.sort();
    let mut created = recon_vpcs(&moto);
    created.extend(subnet_ids(&moto));
    created.sort();
    assert_eq!(created, state_ids);

    // The message names what was left undone, and the lock is gone.
    let rest: Vec<String> = all_addresses()
        .into_iter()
        .filter(|a| !addresses.contains(a))
        .collect();
    let not_attempted = done
        .err
        .lines()
        .find(|l| l.starts_with("Apply interrupted:"))
        .unwrap();
    for a in &rest {
        assert!(not_attempted.contains(a.as_str()), "{a} in {not_attempted}");
    }
    assert!(
        done.err.contains("run `recon apply` to do the rest"),
        "{}",
        done.all()
    );
    assert!(!lock_file(&dir).exists(), "the lock was left behind");

    // The next operator plans without force-unlock and sees the rest to add...
    let plan = run(&moto.endpoint, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.out
            .contains(&format!("{} to add, 0 to change, 0 to destroy", rest.len())),
        "{}",
        plan.all()
    );
    // ...and the next apply does it.
    let again = run(&moto.endpoint, &dir, &["apply", "--auto-approve"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(
        again.out.contains(&format!(
            "Apply complete! Resources: {} added, 0 changed, 0 destroyed.",
            rest.len()
        )),
        "{}",
        again.all()
    );
    let all: Vec<String> = state_resources(&dir).into_iter().map(|(a, _)| a).collect();
    assert_eq!(all, all_addresses());
    assert_eq!(recon_vpcs(&moto).len(), N);
    let converged = run(&moto.endpoint, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(converged.code, 0, "{}", converged.all());
}

#[test]
fn a_second_ctrl_c_stops_at_once_and_still_releases_the_lock() {
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), ONE_VPC);
    let endpoint = silent_endpoint();
    let mut apply = Running::start(&endpoint, &dir, &["apply", "--auto-approve"]);
    // The create is now in flight, and will never come back.
    apply.wait_line(false, "aws_vpc.v: Creating...");
    assert!(lock_file(&dir).exists(), "apply holds the lock");
    apply.signal("INT");
    apply.wait_line(true, "Interrupt received.");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        apply.child.try_wait().unwrap().is_none(),
        "the first signal waits for what is in flight"
    );
    apply.signal("INT");
    let done = apply.finish(Duration::from_secs(10));
    assert_eq!(done.code, 130, "{}", done.all());
    assert!(
        done.err
            .contains("Stopped at once: the operations in flight were abandoned"),
        "{}",
        done.all()
    );
    assert!(!done.err.contains("force-unlock"), "{}", done.all());
    assert!(!lock_file(&dir).exists(), "the lock was left behind");
}

#[test]
fn a_signal_while_planning_stops_at_once_and_releases_the_lock() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), ONE_VPC);
    let first = run(&moto.endpoint, &dir, &["apply", "--auto-approve"]);
    assert_eq!(first.code, 0, "{}", first.all());
    let before = std::fs::read(state_file(&dir)).unwrap();

    // Refreshing the VPC never returns; apply holds the lock meanwhile.
    let endpoint = silent_endpoint();
    let apply = Running::start(&endpoint, &dir, &["apply", "--auto-approve"]);
    let started = Instant::now();
    while !lock_file(&dir).exists() {
        assert!(started.elapsed() < WAIT, "apply never took the lock");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    apply.signal("TERM");
    let done = apply.finish(Duration::from_secs(10));
    assert_eq!(done.code, 143, "SIGTERM: 128 + 15; {}", done.all());
    assert!(
        done.err
            .contains("Interrupted: recon stopped before changing anything."),
        "{}",
        done.all()
    );
    assert!(!lock_file(&dir).exists(), "the lock was left behind");
    assert_eq!(std::fs::read(state_file(&dir)).unwrap(), before);
}

#[test]
fn a_signal_while_waiting_for_the_lock_stops_at_once_and_leaves_the_holders_lock() {
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), ONE_VPC);
    let endpoint = silent_endpoint();
    // Someone else's apply holds the lock, stuck on a create.
    let mut holder = Running::start(&endpoint, &dir, &["apply", "--auto-approve"]);
    holder.wait_line(false, "Creating...");
    let lock = std::fs::read(lock_file(&dir)).unwrap();

    let mut waiter = Running::start(&endpoint, &dir, &["plan", "--lock-timeout", "5m"]);
    waiter.wait_line(true, "Waiting up to 5m0s for the state lock");
    waiter.signal("INT");
    let done = waiter.finish(Duration::from_secs(10));
    assert_eq!(done.code, 130, "{}", done.all());
    assert!(done.err.contains("Interrupted"), "{}", done.all());
    assert_eq!(
        std::fs::read(lock_file(&dir)).unwrap(),
        lock,
        "the holder's lock is not ours to release"
    );

    // The holder stops at once on two signals and releases its lock.
    holder.signal("INT");
    holder.wait_line(true, "Interrupt received.");
    holder.signal("INT");
    let done = holder.finish(Duration::from_secs(10));
    assert_eq!(done.code, 130, "{}", done.all());
    assert!(!lock_file(&dir).exists());
}

#[test]
fn ctrl_c_at_the_prompt_cancels_and_changes_nothing() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), ONE_VPC);
    let cmd = recon(&moto.endpoint, &dir);
    let mut term = on_terminal(root.path());
    term.arg("apply")
        .current_dir(&dir)
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = term.spawn().expect("spawn pty");
    let stdin = child.stdin.take();
    let mut prompt = Running::wrap(&mut child, stdin).with(child);
    // The prompt has no newline: wait for the line before it, then a little.
    prompt.wait_line(false, "Only 'yes' will be accepted");
    std::thread::sleep(Duration::from_millis(500));
    let stdin = prompt.stdin.as_mut().unwrap();
    stdin.write_all(b"\x03").unwrap(); // Ctrl-C: the terminal sends SIGINT
    stdin.flush().unwrap();
    let done = prompt.finish(Duration::from_secs(10));
    assert_eq!(done.code, 130, "{}", done.all());
    assert!(done.out.contains("Apply cancelled."), "{}", done.all());
    assert!(!done.out.contains("Creating..."), "{}", done.all());
    assert!(recon_vpcs(&moto).is_empty());
    assert!(!lock_file(&dir).exists(), "the lock was left behind");
    assert!(!state_file(&dir).exists());
}

/// Runs `cmd` with its stdout read for `first` lines and then closed, as
/// `| head -1` does (0: closed before recon writes anything); waits for the exit.
fn reader_leaves_after(cmd: &mut Command, first: usize) -> Done {
    let mut child = spawn_piped(cmd);
    let err = lines(child.stderr.take().unwrap());
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut read = String::new();
    for _ in 0..first {
        out.read_line(&mut read).unwrap();
    }
    drop(out);
    // What stdout gave is read; an empty channel stands for the rest.
    let running = Running {
        child,
        stdin: None,
        out: mpsc::channel().1,
        err,
        seen_out: Vec::new(),
        seen_err: Vec::new(),
    };
    let done = running.finish(WAIT);
    Done { out: read, ..done }
}

#[test]
fn an_apply_whose_output_reader_leaves_finishes_its_work_and_releases_the_lock() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), &stack());
    let done = reader_leaves_after(
        recon(&moto.endpoint, &dir).args(["apply", "--auto-approve"]),
        1,
    );
    assert_eq!(done.code, 0, "no crash on the closed pipe: {}", done.all());
    assert!(!done.err.contains("panicked"), "{}", done.all());
    assert!(!lock_file(&dir).exists(), "the lock was left behind");
    // Everything was created, once, and state says so.
    let addresses: Vec<String> = state_resources(&dir).into_iter().map(|(a, _)| a).collect();
    assert_eq!(addresses, all_addresses());
    assert_eq!(recon_vpcs(&moto).len(), N);
    let again = run(&moto.endpoint, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.all());
}

#[test]
fn commands_whose_output_reader_leaves_exit_quietly() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let dir = stack_dir(root.path(), ONE_VPC);
    let applied = run(&moto.endpoint, &dir, &["apply", "--auto-approve"]);
    assert_eq!(applied.code, 0, "{}", applied.all());
    for (args, lines) in [
        (&["plan"][..], 0),
        (&["plan", "--destroy"][..], 1),
        (&["state", "list"][..], 0),
        (&["show", "--json"][..], 0),
        (&["check", "--format", "json"][..], 0),
        (&["check"][..], 1),
    ] {
        let done = reader_leaves_after(recon(&moto.endpoint, &dir).args(args), lines);
        assert!(
            [0, 1].contains(&done.code),
            "recon {args:?}: {}",
            done.all()
        );
        assert!(
            !done.err.contains("panicked"),
            "recon {args:?}: {}",
            done.all()
        );
        assert!(
            !lock_file(&dir).exists(),
            "recon {args:?} left the lock behind"
        );
    }
}

#[test]
fn ctrl_c_right_after_the_apply_completed_still_releases_the_lock() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let text = format!("{ONE_VPC}\noutput \"vpc\" {{\n  value = aws_vpc.v.id\n}}\n");
    // Right after the summary, and right after the last resource landed (the
    // final state write, the outputs).
    for (after, signal) in [("Apply complete!", "INT"), ("Creation complete", "TERM")] {
        let dir = stack_dir(&root.path().join(signal), &text);
        let mut apply = Running::start(&moto.endpoint, &dir, &["apply", "--auto-approve"]);
        apply.wait_line(false, after);
        apply.signal(signal);
        apply.signal(signal);
        let done = apply.finish(WAIT);
        assert!([0, 1, 130, 143].contains(&done.code), "{}", done.all());
        assert!(
            !done.err.contains("Stopped without releasing"),
            "{}",
            done.all()
        );
        assert!(
            !lock_file(&dir).exists(),
            "after {after:?} and two SIG{signal}: the lock was left behind; {}",
            done.all()
        );
        let vpcs: Vec<String> = state_resources(&dir)
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(vpcs.len(), 1, "{}", done.all());
        let plan = run(&moto.endpoint, &dir, &["plan", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}", plan.all());
    }
}
