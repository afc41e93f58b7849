//! Shared state in S3 against moto, through the real binary: two operators racing
//! for the lock, racing saved plans that must lose no update, a writer whose lock
//! was broken refused by the conditional write, a SIGKILLed apply and
//! force-unlock, client-side encryption, environments, and the state commands.

use crate::common::{on_terminal, runtime, spawn_piped, Moto, Run};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BUCKET: &str = "recon-state";

fn recon(moto: &Moto, cwd: &Path, args: &[&str]) -> Run {
    Run::of(moto.recon(cwd).args(args).stdin(Stdio::null()))
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{}", run.all());
    run
}

/// A running recon whose output (stdout and stderr together) is collected as it comes.
struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Proc {
    fn collect(mut child: Child) -> Proc {
        let out = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        let pipes: Vec<Box<dyn Read + Send>> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        .collect();
        for mut pipe in pipes {
            let out = out.clone();
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }));
        }
        let stdin = child.stdin.take();
        Proc {
            child,
            stdin,
            out,
            readers,
        }
    }

    /// recon with pipes.
    fn spawn(moto: &Moto, cwd: &Path, args: &[&str]) -> Proc {
        Proc::collect(spawn_piped(moto.recon(cwd).args(args)))
    }

    /// recon on a pseudo-terminal, as an operator at a prompt runs it. The first
    /// line of output is `PID <recon's pid>`.
    fn terminal(moto: &Moto, cwd: &Path, args: &[&str]) -> Proc {
        let mut cmd = on_terminal(cwd);
        cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
        for (k, v) in moto.env() {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pty");
        Proc::collect(child)
    }

    fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    fn wait_for(&self, text: &str, timeout: Duration) {
        self.wait_for_n(text, 1, timeout)
    }

    /// Waits until `text` has appeared `n` times.
    fn wait_for_n(&self, text: &str, n: usize, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.output().matches(text).count() >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "no {text:?} within {timeout:?}; output so far:\n{}",
            self.output()
        );
    }

    fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        (status.code().unwrap_or(-1), self.output())
    }
}

/// An S3 client for the test's own look at the bucket.
fn s3(moto: &Moto) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&moto.sdk_config())
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn create_bucket(moto: &Moto, versioned: bool) {
    let client = s3(moto);
    runtime().block_on(async {
        client.create_bucket().bucket(BUCKET).send().await.unwrap();
        if versioned {
            client
                .put_bucket_versioning()
                .bucket(BUCKET)
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
    });
}

/// The object's bytes and metadata, None if it does not exist.
fn object(moto: &Moto, key: &str) -> Option<(Vec<u8>, std::collections::HashMap<String, String>)> {
    let client = s3(moto);
    runtime().block_on(async {
        let out = client
            .get_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .ok()?;
        let meta = out.metadata().cloned().unwrap_or_default();
        let bytes = out.body.collect().await.unwrap().into_bytes().to_vec();
        Some((bytes, meta))
    })
}

fn remote_state(moto: &Moto, key: &str) -> serde_json::Value {
    let (bytes, _) = object(moto, key).unwrap_or_else(|| panic!("no state object {key}"));
    serde_json::from_slice(&bytes).unwrap()
}

fn serial_of(moto: &Moto, key: &str) -> u64 {
    let (_, meta) = object(moto, key).expect("state object");
    meta["recon-serial"].parse().unwrap()
}

fn lock_id(moto: &Moto, key: &str) -> String {
    let (bytes, _) = object(moto, &format!("{key}.lock")).expect("a lock object");
    let info: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    info["id"].as_str().unwrap().to_string()
}

fn addresses(state: &serde_json::Value) -> Vec<String> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn attribute(state: &serde_json::Value, address: &str, name: &str) -> serde_json::Value {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in state"))["attributes"][name]
        .clone()
}

fn backend_block(key: &str) -> String {
    format!("recon {{\n  backend \"s3\" {{\n    bucket = \"{BUCKET}\"\n    key    = \"{key}\"\n  }}\n}}\n")
}

fn eip(name: &str) -> String {
    // The baseline policy against Elastic IPs is not what these tests are about.
    format!("resource \"aws_eip\" \"{name}\" {{\n  # recon:skip=ec2_no_elastic_ip cheap test resource\n  domain = \"vpc\"\n}}\n")
}

/// An operator's checkout: `<root>/<who>/web` with the given files.
fn checkout(root: &Path, who: &str, files: &[(&str, String)]) -> (PathBuf, PathBuf) {
    let cwd = root.join(who);
    let stack = cwd.join("web");
    std::fs::create_dir_all(&stack).unwrap();
    for (name, text) in files {
        std::fs::write(stack.join(name), text).unwrap();
    }
    (cwd, stack)
}

fn eips_exist(moto: &Moto, ids: &[String]) -> usize {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let out = ec2
            .describe_addresses()
            .set_allocation_ids(Some(ids.to_vec()))
            .send()
            .await
            .unwrap();
        out.addresses().len()
    })
}

#[test]
fn racing_applies_one_holds_the_lock_the_other_fails_at_once_or_waits() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let root = tempfile::tempdir().unwrap();
    let files = [
        ("main.hcl", backend_block("web.json")),
        ("ip.hcl", eip("ip")),
    ];
    let (alice, _) = checkout(root.path(), "alice", &files);
    let (bob, _) = checkout(root.path(), "bob", &files);

    // Alice is reviewing the plan at the prompt: she holds the lock.
    let mut a = Proc::terminal(&moto, &alice, &["-C", "web", "apply"]);
    a.wait_for("Enter a value:", Duration::from_secs(60));
    let id = lock_id(&moto, "web.json");

    let started = Instant::now();
    let b = recon(&moto, &bob, &["-C", "web", "apply", "--auto-approve"]);
    assert_eq!(b.code, 1, "{}", b.all());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    for want in [
        "s3://recon-state/web.json is locked".to_string(),
        format!("Lock ID:    {id}"),
        "Operation:  apply".to_string(),
        "Held by:    ".to_string(),
        format!("recon -C web force-unlock {id}"),
        "--lock-timeout".to_string(),
    ] {
        assert!(
            b.stderr.contains(&want),
            "missing {want:?} in:\n{}",
            b.all()
        );
    }
    assert!(
        b.stdout.is_empty() || !b.stdout.contains("Creating"),
        "{}",
        b.all()
    );

    // With --lock-timeout Bob waits, then gets the lock once Alice is done.
    let mut waiting = Proc::spawn(
        &moto,
        &bob,
        &[
            "-C",
            "web",
            "apply",
            "--auto-approve",
            "--lock-timeout",
            "60s",
        ],
    );
    waiting.wait_for(
        "Waiting up to 1m0s for the state lock",
        Duration::from_secs(30),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(waiting.running(), "{}", waiting.output());

    a.send("yes\n");
    let (code, out) = a.finish();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Apply complete! Resources: 1 added"), "{out}");

    let (code, out) = waiting.finish();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("No changes"), "{out}");
    assert!(
        object(&moto, "web.json.lock").is_none(),
        "the lock was left behind"
    );
    assert_eq!(addresses(&remote_state(&moto, "web.json")), ["aws_eip.ip"]);
}

#[test]
fn twenty_rounds_of_racing_operators_lose_no_update() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let root = tempfile::tempdir().unwrap();
    let (alice, alice_stack) = checkout(
        root.path(),
        "alice",
        &[("main.hcl", backend_block("web.json"))],
    );
    let (bob, bob_stack) = checkout(
        root.path(),
        "bob",
        &[("main.hcl", backend_block("web.json"))],
    );
    let mut last_serial = 0;
    let mut expected = Vec::new();
    let started = Instant::now();
    for round in 0..20 {
        // Each adds a resource in their own checkout and plans it for review.
        let (fa, fb) = (format!("a{round}.hcl"), format!("b{round}.hcl"));
        std::fs::write(alice_stack.join(&fa), eip(&format!("a{round}"))).unwrap();
        std::fs::write(bob_stack.join(&fb), eip(&format!("b{round}"))).unwrap();
        let plans = [
            Proc::spawn(
                &moto,
                &alice,
                &[
                    "-C",
                    "web",
                    "plan",
                    "--out",
                    "tfplan",
                    "--lock-timeout",
                    "60s",
                ],
            ),
            Proc::spawn(
                &moto,
                &bob,
                &[
                    "-C",
                    "web",
                    "plan",
                    "--out",
                    "tfplan",
                    "--lock-timeout",
                    "60s",
                ],
            ),
        ];
        for p in plans {
            let (code, out) = p.finish();
            assert_eq!(code, 0, "round {round}: {out}");
        }
        // Both apply their saved plan at once.
        let applies = [
            Proc::spawn(
                &moto,
                &alice,
                &["-C", "web", "apply", "tfplan", "--lock-timeout", "60s"],
            ),
            Proc::spawn(
                &moto,
                &bob,
                &["-C", "web", "apply", "tfplan", "--lock-timeout", "60s"],
            ),
        ];
        let results: Vec<(i32, String)> = applies.into_iter().map(Proc::finish).collect();
        let winners: Vec<usize> = (0..2).filter(|&i| results[i].0 == 0).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one apply must win: {results:?}"
        );
        let loser = 1 - winners[0];
        assert!(
            results[loser].1.contains("the saved plan is stale"),
            "round {round}: {}",
            results[loser].1
        );
        // The loser brings in the winner's change and applies again.
        let (loser_cwd, loser_stack, winner_stack, winner_file) = if loser == 0 {
            (&alice, &alice_stack, &bob_stack, &fb)
        } else {
            (&bob, &bob_stack, &alice_stack, &fa)
        };
        std::fs::copy(
            winner_stack.join(winner_file),
            loser_stack.join(winner_file),
        )
        .unwrap();
        let again = ok(recon(
            &moto,
            loser_cwd,
            &[
                "-C",
                "web",
                "apply",
                "--auto-approve",
                "--lock-timeout",
                "60s",
            ],
        ));
        assert!(
            again
                .stdout
                .contains("Resources: 1 added, 0 changed, 0 destroyed"),
            "round {round}: {}",
            again.all()
        );
        let loser_file = if loser == 0 { &fa } else { &fb };
        std::fs::copy(loser_stack.join(loser_file), winner_stack.join(loser_file)).unwrap();

        let serial = serial_of(&moto, "web.json");
        assert!(
            serial > last_serial,
            "round {round}: serial {serial} after {last_serial}"
        );
        last_serial = serial;
        expected.push(format!("aws_eip.a{round}"));
        expected.push(format!("aws_eip.b{round}"));
    }
    let state = remote_state(&moto, "web.json");
    let mut have = addresses(&state);
    have.sort();
    expected.sort();
    assert_eq!(have, expected);
    let ids: Vec<String> = expected
        .iter()
        .map(|a| attribute(&state, a, "id").as_str().unwrap().to_string())
        .collect();
    assert_eq!(eips_exist(&moto, &ids), 40);
    eprintln!("20 rounds in {:?}", started.elapsed());
}

#[test]
fn a_writer_whose_lock_was_broken_cannot_overwrite_a_newer_state() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let root = tempfile::tempdir().unwrap();
    let base = [
        ("main.hcl", backend_block("web.json")),
        ("base.hcl", eip("base")),
    ];
    let (alice, alice_stack) = checkout(root.path(), "alice", &base);
    let (bob, bob_stack) = checkout(root.path(), "bob", &base);
    ok(recon(
        &moto,
        &alice,
        &["-C", "web", "apply", "--auto-approve"],
    ));
    std::fs::write(alice_stack.join("x.hcl"), eip("x")).unwrap();
    std::fs::write(bob_stack.join("y.hcl"), eip("y")).unwrap();

    // Alice reads the state and stops at the prompt, holding the lock...
    let mut a = Proc::terminal(&moto, &alice, &["-C", "web", "apply"]);
    a.wait_for("Enter a value:", Duration::from_secs(60));
    let id = lock_id(&moto, "web.json");
    // ...which Bob breaks, and applies his own change.
    ok(recon(
        &moto,
        &bob,
        &["-C", "web", "force-unlock", &id, "--force"],
    ));
    ok(recon(
        &moto,
        &bob,
        &["-C", "web", "apply", "--auto-approve"],
    ));
    let bobs = remote_state(&moto, "web.json");
    assert_eq!(addresses(&bobs), ["aws_eip.base", "aws_eip.y"]);

    // Alice goes ahead: her state write is refused.
    a.send("yes\n");
    let (code, out) = a.finish();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("was changed by another writer"), "{out}");
    assert!(out.contains("412 Precondition Failed"), "{out}");
    assert!(
        out.contains("already gone"),
        "the release should say the lock was broken: {out}"
    );

    // The remote state is still Bob's, untouched.
    let after = remote_state(&moto, "web.json");
    assert_eq!(after, bobs);

    // Alice's pending state is in the recovery file she was told about.
    let dir = alice.join("web/state/recovery");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        out.contains(&files[0].file_name().unwrap().to_string_lossy().to_string()),
        "{out}"
    );
    let pending: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    // Her first write is the intent to create x: refused, so x was never made
    // and is there only as a pending create.
    assert_eq!(addresses(&pending), ["aws_eip.base"]);
    assert_eq!(pending["pending"][0]["address"], "aws_eip.x", "{pending}");
    assert_eq!(pending["lineage"], bobs["lineage"]);
    // Pushing it as it is would lose Bob's update: refused.
    let push = recon(
        &moto,
        &alice,
        &["-C", "web", "state", "push", files[0].to_str().unwrap()],
    );
    assert_eq!(push.code, 1, "{}", push.all());
    assert!(
        push.stderr.contains("someone wrote it since"),
        "{}",
        push.all()
    );
}

#[test]
fn a_killed_apply_leaves_a_lock_that_force_unlock_clears() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let root = tempfile::tempdir().unwrap();
    let many: String = (0..30).map(|i| eip(&format!("ip{i:02}"))).collect();
    let (alice, _) = checkout(
        root.path(),
        "alice",
        &[("main.hcl", backend_block("web.json")), ("ips.hcl", many)],
    );
    let (bob, _) = checkout(
        root.path(),
        "bob",
        &[("main.hcl", backend_block("web.json"))],
    );
    std::fs::copy(alice.join("web/ips.hcl"), bob.join("web/ips.hcl")).unwrap();

    let mut a = Proc::spawn(
        &moto,
        &alice,
        &["-C", "web", "apply", "--auto-approve", "--parallelism", "1"],
    );
    // The second resource done means the first one's state write has landed
    // (with --parallelism 1 the next create starts only after it).
    a.wait_for_n("Creation complete", 2, Duration::from_secs(60));
    a.child.kill().unwrap(); // SIGKILL: no chance to clean up
    let (_, out) = a.finish();
    assert!(!out.contains("Apply complete"), "killed too late: {out}");
    let id = lock_id(&moto, "web.json");
    // Writes after the apply's first went to the journal; reading state folds it in.
    assert!(!keys_under(&moto, "web.json.journal/").is_empty());
    let listed = ok(recon(&moto, &bob, &["-C", "web", "state", "list"])).stdout;
    let landed = listed.lines().filter(|l| l.starts_with("aws_eip.")).count();
    assert!(
        (1..30).contains(&landed),
        "{landed} landed before the kill:\n{listed}"
    );

    // The next operator is told exactly how to break the lock...
    let b = recon(&moto, &bob, &["-C", "web", "apply", "--auto-approve"]);
    assert_eq!(b.code, 1, "{}", b.all());
    let command = format!("recon -C web force-unlock {id}");
    let line = b
        .stderr
        .lines()
        .find(|l| l.trim() == command)
        .unwrap_or_else(|| panic!("no line {command:?} in:\n{}", b.all()));
    // ...does so (asked for confirmation without a terminal: needs --force)...
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let refused = recon(&moto, &bob, &args);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stderr.contains("--force"), "{}", refused.all());
    let wrong = recon(
        &moto,
        &bob,
        &[
            "-C",
            "web",
            "force-unlock",
            "00000000-0000-0000-0000-000000000000",
            "--force",
        ],
    );
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(
        object(&moto, "web.json.lock").is_some(),
        "a wrong id must not unlock"
    );
    let mut with_force = args.clone();
    with_force.push("--force");
    let unlocked = ok(recon(&moto, &bob, &with_force));
    assert!(
        unlocked.stdout.contains("The lock was removed"),
        "{}",
        unlocked.all()
    );
    assert!(object(&moto, "web.json.lock").is_none());

    // ...and finishes the job: everything the killed apply recorded is kept.
    let done = ok(recon(
        &moto,
        &bob,
        &["-C", "web", "apply", "--auto-approve"],
    ));
    assert!(done.stdout.contains("Apply complete!"), "{}", done.all());
    let state = remote_state(&moto, "web.json");
    assert_eq!(addresses(&state).len(), 30);
    assert_eq!(
        keys_under(&moto, "web.json.journal/"),
        Vec::<String>::new(),
        "the apply's end compacts the journal"
    );
    ok(recon(
        &moto,
        &bob,
        &["-C", "web", "plan", "--detailed-exitcode"],
    ));
}

#[test]
fn client_side_encryption_keeps_plaintext_out_of_s3() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let kms = aws_sdk_kms::Client::new(&moto.sdk_config());
    let key_arn = runtime().block_on(async {
        let key = kms.create_key().send().await.unwrap();
        let meta = key.key_metadata().unwrap();
        kms.create_alias()
            .alias_name("alias/recon-state")
            .target_key_id(meta.key_id())
            .send()
            .await
            .unwrap();
        meta.arn().unwrap().to_string()
    });
    let canary = "canary-7f3a91-do-not-leak";
    let main = format!(
        "recon {{\n  backend \"s3\" {{\n    bucket     = \"{BUCKET}\"\n    key        = \"web.json\"\n    kms_key_id = \"{key_arn}\"\n  }}\n  encryption {{\n    kms_key_id = \"alias/recon-state\"\n  }}\n}}\n\
         resource \"aws_eip\" \"ip\" {{\n  # recon:skip=ec2_no_elastic_ip cheap test resource\n  domain = \"vpc\"\n  tags   = {{ Owner = \"{canary}\" }}\n}}\n"
    );
    let root = tempfile::tempdir().unwrap();
    let (cwd, _) = checkout(root.path(), "alice", &[("main.hcl", main)]);
    let init = ok(recon(&moto, &cwd, &["-C", "web", "init"]));
    assert!(
        init.stdout.contains("encrypted client-side"),
        "{}",
        init.all()
    );
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "apply", "--auto-approve"],
    ));

    let (bytes, _) = object(&moto, "web.json").unwrap();
    let stored = String::from_utf8_lossy(&bytes).to_string();
    let shown = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "show", "aws_eip.ip"],
    ))
    .stdout;
    assert!(shown.contains(canary), "{shown}");
    let allocation = shown
        .lines()
        .find(|l| l.trim_start().starts_with("allocation_id"))
        .unwrap()
        .split('"')
        .nth(1)
        .unwrap()
        .to_string();
    for plain in [
        canary,
        allocation.as_str(),
        "aws_eip",
        "lineage",
        "\"serial\"",
    ] {
        assert!(
            !stored.contains(plain),
            "{plain:?} is in the S3 object:\n{stored}"
        );
    }
    assert!(
        stored.contains("recon_encrypted") && stored.contains("AES-256-GCM"),
        "{stored}"
    );

    // SSE-KMS on top, as configured.
    let client = s3(&moto);
    let head = runtime()
        .block_on(client.head_object().bucket(BUCKET).key("web.json").send())
        .unwrap();
    assert_eq!(
        head.server_side_encryption().map(|s| s.as_str()),
        Some("aws:kms")
    );

    // recon reads it back: nothing to change, the state reads in full.
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "plan", "--detailed-exitcode"],
    ));
    let pulled = ok(recon(&moto, &cwd, &["-C", "web", "state", "pull"])).stdout;
    assert!(
        pulled.contains(canary) && pulled.contains("\"serial\""),
        "{pulled}"
    );

    // A KMS key this operator cannot reach (here: the key lives in another region).
    let elsewhere = recon(
        &moto,
        &cwd,
        &["-C", "web", "plan", "--backend-config", "region=eu-west-1"],
    );
    assert_eq!(elsewhere.code, 1, "{}", elsewhere.all());
    assert!(
        elsewhere.stderr.contains("is encrypted under KMS key"),
        "{}",
        elsewhere.all()
    );
    assert!(
        elsewhere.stderr.contains("kms:Decrypt"),
        "{}",
        elsewhere.all()
    );

    // A damaged object is refused by its checksum, never used.
    runtime()
        .block_on(
            client
                .copy_object()
                .bucket(BUCKET)
                .key("web.json")
                .copy_source(format!("{BUCKET}/web.json"))
                .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
                .metadata("recon-sha256", "0000")
                .send(),
        )
        .unwrap();
    let damaged = recon(&moto, &cwd, &["-C", "web", "plan"]);
    assert_eq!(damaged.code, 1, "{}", damaged.all());
    assert!(
        damaged.stderr.contains("fails its checksum"),
        "{}",
        damaged.all()
    );
}

#[test]
fn environments_keep_separate_states_and_resources() {
    let moto = Moto::start();
    create_bucket(&moto, false);
    let root = tempfile::tempdir().unwrap();
    let main = format!(
        "{}variable \"owner\" {{\n  type = string\n}}\nresource \"aws_eip\" \"ip\" {{\n  # recon:skip=ec2_no_elastic_ip cheap test resource\n  domain = \"vpc\"\n  tags   = {{ Owner = var.owner }}\n}}\n",
        backend_block("web.json")
    );
    let (cwd, stack) = checkout(root.path(), "alice", &[("main.hcl", main)]);
    std::fs::write(stack.join("dev.tfvars"), "owner = \"dev-team\"\n").unwrap();
    std::fs::write(stack.join("prod.tfvars"), "owner = \"prod-team\"\n").unwrap();

    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "--env", "dev", "apply", "--auto-approve"],
    ));
    let prod = moto
        .recon(&cwd)
        .args(["-C", "web", "apply", "--auto-approve"])
        .env("RECON_ENV", "prod")
        .output()
        .unwrap();
    assert!(
        prod.status.success(),
        "{}",
        String::from_utf8_lossy(&prod.stderr)
    );

    let dev_state = remote_state(&moto, "env/dev/web.json");
    let prod_state = remote_state(&moto, "env/prod/web.json");
    assert!(
        object(&moto, "web.json").is_none(),
        "the default environment has no state"
    );
    assert_ne!(dev_state["lineage"], prod_state["lineage"]);
    let dev_ip = attribute(&dev_state, "aws_eip.ip", "id")
        .as_str()
        .unwrap()
        .to_string();
    let prod_ip = attribute(&prod_state, "aws_eip.ip", "id")
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(dev_ip, prod_ip);
    assert_eq!(
        attribute(&dev_state, "aws_eip.ip", "tags")["Owner"],
        "dev-team"
    );
    assert_eq!(
        attribute(&prod_state, "aws_eip.ip", "tags")["Owner"],
        "prod-team"
    );

    let list = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "--env", "prod", "env", "list"],
    ))
    .stdout;
    assert_eq!(list, "  dev\n* prod\n");

    // Destroying dev leaves prod alone.
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "--env", "dev", "destroy", "--auto-approve"],
    ));
    assert_eq!(eips_exist(&moto, &[prod_ip]), 1);
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "--env", "prod", "plan", "--detailed-exitcode"],
    ));

    // Local state: state/env/<NAME>/<stack>.json beside state/<stack>.json in the stack directory.
    let (local, local_stack) = checkout(root.path(), "carol", &[("ip.hcl", eip("ip"))]);
    ok(recon(
        &moto,
        &local,
        &["-C", "web", "--env", "qa", "apply", "--auto-approve"],
    ));
    assert!(local_stack.join("state/env/qa/web.json").is_file());
    assert!(!local_stack.join("state/web.json").exists());
    assert_eq!(
        ok(recon(
            &moto,
            &local,
            &["-C", "web", "--env", "qa", "env", "list"]
        ))
        .stdout,
        "* qa\n"
    );
}

#[test]
fn state_commands_migrate_list_show_mv_rm_push_and_history() {
    let moto = Moto::start();
    create_bucket(&moto, true);
    let root = tempfile::tempdir().unwrap();
    let (cwd, stack) = checkout(
        root.path(),
        "alice",
        &[("a.hcl", eip("a")), ("b.hcl", eip("b"))],
    );
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "apply", "--auto-approve"],
    ));
    let local: serde_json::Value =
        serde_json::from_slice(&std::fs::read(stack.join("state/web.json")).unwrap()).unwrap();

    // Move the local state into S3.
    std::fs::write(stack.join("main.hcl"), backend_block("web.json")).unwrap();
    let init = ok(recon(&moto, &cwd, &["-C", "web", "init"]));
    assert!(
        init.stdout.contains("No state yet") && init.stdout.contains("Versioning is enabled"),
        "{}",
        init.all()
    );
    let migrated = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "init", "--migrate-state"],
    ));
    assert!(
        migrated.stdout.contains("Migrated the state"),
        "{}",
        migrated.all()
    );
    assert_eq!(remote_state(&moto, "web.json")["lineage"], local["lineage"]);
    let again = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "init", "--migrate-state"],
    ));
    assert!(
        again.stdout.contains("nothing to migrate"),
        "{}",
        again.all()
    );
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "plan", "--detailed-exitcode"],
    ));

    assert_eq!(
        ok(recon(&moto, &cwd, &["-C", "web", "state", "list"])).stdout,
        "aws_eip.a\naws_eip.b\n"
    );
    let show = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "show", "aws_eip.a"],
    ))
    .stdout;
    assert!(
        show.starts_with("# aws_eip.a:\nresource \"aws_eip\" \"a\" {"),
        "{show}"
    );
    let a_id = attribute(&local, "aws_eip.a", "id")
        .as_str()
        .unwrap()
        .to_string();
    assert!(show.contains(&a_id), "{show}");
    let missing = recon(&moto, &cwd, &["-C", "web", "state", "show", "aws_eip.c"]);
    assert!(
        missing.stderr.contains("is not in state"),
        "{}",
        missing.all()
    );

    // Rename a -> c in the files and in state: nothing to do afterwards.
    std::fs::remove_file(stack.join("a.hcl")).unwrap();
    std::fs::write(stack.join("c.hcl"), eip("c")).unwrap();
    let mv = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "mv", "aws_eip.a", "aws_eip.c"],
    ));
    assert!(
        mv.stdout.contains("Moved aws_eip.a to aws_eip.c"),
        "{}",
        mv.all()
    );
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "plan", "--detailed-exitcode"],
    ));

    // Forget b: it stays in AWS.
    std::fs::remove_file(stack.join("b.hcl")).unwrap();
    let b_id = attribute(&local, "aws_eip.b", "id")
        .as_str()
        .unwrap()
        .to_string();
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "rm", "aws_eip.b"],
    ));
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "plan", "--detailed-exitcode"],
    ));
    assert_eq!(eips_exist(&moto, &[b_id]), 1);
    let current = remote_state(&moto, "web.json");
    assert_eq!(addresses(&current), ["aws_eip.c"]);

    // History: every write is a version; an earlier one can be fetched.
    let history = ok(recon(&moto, &cwd, &["-C", "web", "state", "history"])).stdout;
    let rows: Vec<&str> = history
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 3, "{history}");
    assert!(rows[0].contains("(current)"), "{history}");
    let oldest = rows[2].split_whitespace().next().unwrap();
    let old = ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "pull", "--version", oldest],
    ))
    .stdout;
    let old_state: serde_json::Value = serde_json::from_str(&old).unwrap();
    assert_eq!(addresses(&old_state), ["aws_eip.a", "aws_eip.b"]);

    // Push: an older serial is refused, --force takes it (with the next serial).
    let old_file = cwd.join("old.json");
    std::fs::write(&old_file, &old).unwrap();
    let refused = recon(&moto, &cwd, &["-C", "web", "state", "push", "old.json"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(
        refused.stderr.contains("refusing to push"),
        "{}",
        refused.all()
    );
    ok(recon(
        &moto,
        &cwd,
        &["-C", "web", "state", "push", "old.json", "--force"],
    ));
    let pushed = remote_state(&moto, "web.json");
    assert_eq!(addresses(&pushed), ["aws_eip.a", "aws_eip.b"]);
    assert_eq!(
        pushed["serial"].as_u64().unwrap(),
        current["serial"].as_u64().unwrap() + 1
    );

    // Another stack's state is refused.
    let mut other = old_state.clone();
    other["lineage"] = "another-lineage".into();
    other["serial"] = 99.into();
    std::fs::write(cwd.join("other.json"), other.to_string()).unwrap();
    let foreign = recon(&moto, &cwd, &["-C", "web", "state", "push", "other.json"]);
    assert_eq!(foreign.code, 1, "{}", foreign.all());
    assert!(foreign.stderr.contains("lineage"), "{}", foreign.all());
    // And pulling gives back what is there.
    let pulled: serde_json::Value =
        serde_json::from_str(&ok(recon(&moto, &cwd, &["-C", "web", "state", "pull"])).stdout)
            .unwrap();
    assert_eq!(pulled, pushed);
}

/// Keys of the objects under `prefix`.
fn keys_under(moto: &Moto, prefix: &str) -> Vec<String> {
    let client = s3(moto);
    runtime().block_on(async {
        let out = client
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    })
}

#[test]
fn journal_entries_are_small_sealed_objects_read_back_in_order_and_dropped_by_a_whole_write() {
    use recon::state::journal::{Delta, Written};
    use recon::state::{Backend, ResourceState, State, StateError};
    let moto = Moto::start();
    create_bucket(&moto, true);
    let kms = aws_sdk_kms::Client::new(&moto.sdk_config());
    let key_arn = runtime().block_on(async {
        kms.create_key()
            .send()
            .await
            .unwrap()
            .key_metadata()
            .unwrap()
            .arn()
            .unwrap()
            .to_string()
    });
    let recovery = tempfile::tempdir().unwrap();
    let clients = recon::aws::Clients::from_config(&moto.sdk_config());
    let backend = || {
        let settings = recon::state::s3::S3Settings {
            bucket: BUCKET.into(),
            key: "j.json".into(),
            client_kms_key_id: Some(key_arn.clone()),
            recovery_dir: recovery.path().to_path_buf(),
            ..Default::default()
        };
        recon::aws::state_store::s3_backend(&clients, settings)
    };
    let canary = "canary-journal-5b1e";
    let eip = |i: usize| -> ResourceState {
        serde_json::from_value(serde_json::json!({
            "address": format!("aws_eip.ip{i}"), "mode": "managed", "type": "aws_eip", "name": format!("ip{i}"),
            "index": null, "attributes": { "id": format!("eipalloc-{i}"), "tags": { "Owner": canary } },
        }))
        .unwrap()
    };
    let (alice, bob) = (backend(), backend());
    let mut state = State::new();
    state.serial = 1;
    let lineage = state.lineage.clone();
    runtime().block_on(async {
        alice.write(&state, None).await.unwrap();
        for i in 0..5 {
            let before = state.serial;
            state.upsert(eip(i));
            state.bump_serial();
            let touched = [format!("aws_eip.ip{i}").parse().unwrap()]
                .into_iter()
                .collect();
            alice
                .append(
                    &state,
                    &Delta::of(&state, &touched, &Written::of(&state)),
                    (&lineage, before),
                )
                .await
                .unwrap();
        }
    });

    // Five entries under the document's serial; the document itself unchanged.
    let entries = keys_under(&moto, "j.json.journal/");
    assert_eq!(entries.len(), 5, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|k| k.starts_with("j.json.journal/00000000000000000001/")),
        "{entries:?}"
    );
    assert_eq!(serial_of(&moto, "j.json"), 1);
    for key in &entries {
        let (bytes, meta) = object(&moto, key).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("recon_encrypted") && !text.contains(canary) && !text.contains("aws_eip"),
            "{key}: {text}"
        );
        assert!(meta.contains_key("recon-sha256"), "{key}");
        // Each entry holds its change, not the state: far smaller than five resources.
        assert!(bytes.len() < 2000, "{key} is {} bytes", bytes.len());
    }

    // Another reader sees the document and its journal: the whole state.
    let read = runtime().block_on(bob.read()).unwrap().unwrap();
    assert_eq!(read, state);

    // Bob journals serial 7; Alice, who did not see it, is refused the same serial.
    let mut bobs = read.clone();
    bobs.bump_serial();
    let touched = Default::default();
    runtime()
        .block_on(bob.append(
            &bobs,
            &Delta::of(&bobs, &touched, &Written::of(&read)),
            (&lineage, 6),
        ))
        .unwrap();
    let mut alices = state.clone();
    alices.upsert(eip(9));
    alices.bump_serial();
    let touched = ["aws_eip.ip9".parse().unwrap()].into_iter().collect();
    let refused = runtime()
        .block_on(alice.append(
            &alices,
            &Delta::of(&alices, &touched, &Written::of(&state)),
            (&lineage, 6),
        ))
        .unwrap_err();
    assert!(matches!(refused, StateError::Conflict { .. }), "{refused}");

    // A whole write folds the journal in and drops it; history keeps documents only.
    bobs.bump_serial();
    runtime()
        .block_on(bob.write(&bobs, Some((&lineage, 7))))
        .unwrap();
    assert_eq!(keys_under(&moto, "j.json.journal/"), Vec::<String>::new());
    assert_eq!(runtime().block_on(backend().read()).unwrap().unwrap(), bobs);
    let history = runtime().block_on(bob.versions()).unwrap();
    assert_eq!(
        history.iter().map(|v| v.serial).collect::<Vec<_>>(),
        vec![Some(8), Some(1)]
    );
}
