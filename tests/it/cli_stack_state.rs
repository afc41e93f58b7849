//! State is bound to its stack: local state lives in the stack directory
//! whatever directory recon runs from, records the stack it belongs to, and a
//! stack refuses another stack's state. Two stacks with the same directory name
//! never share state or `recon:stack` tags.

use crate::common::{local_state, ok, recon_offline, runtime, write_stack, Moto, Run};
use std::path::Path;

fn queue(name: &str) -> String {
    format!("resource \"aws_sqs_queue\" \"q\" {{\n  name = \"{name}\"\n}}\n")
}

/// The `recon:stack` tag of the queue `name` in moto.
fn stack_tag_of_queue(moto: &Moto, name: &str) -> Option<String> {
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let url = sqs.get_queue_url().queue_name(name).send().await.unwrap();
        let tags = sqs
            .list_queue_tags()
            .queue_url(url.queue_url().unwrap())
            .send()
            .await
            .unwrap();
        tags.tags().and_then(|t| t.get("recon:stack")).cloned()
    })
}

/// The stack identity a state records.
fn identity(state: &serde_json::Value) -> (String, String) {
    let stack = &state["stack"];
    assert_eq!(stack["name"], "network", "{state}");
    assert_eq!(stack["environment"], "default", "{state}");
    (
        stack["key"].as_str().unwrap().to_string(),
        stack["tag"].as_str().unwrap().to_string(),
    )
}

fn addresses(state: &serde_json::Value) -> Vec<String> {
    state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_stacks_with_one_name_keep_their_own_state_and_tags() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path();
    let (a, b) = (cwd.join("a"), cwd.join("b"));
    let stack_a = write_stack(&a, "network", &queue("queue-a"));
    let stack_b = write_stack(&b, "network", &queue("queue-b"));

    // Both applied from the same directory: each creates its own queue...
    for stack in [&stack_a, &stack_b] {
        let applied = ok(moto.run(cwd, stack, &["apply", "--auto-approve"]));
        assert!(
            applied
                .stdout
                .contains("Resources: 1 added, 0 changed, 0 destroyed."),
            "{}",
            applied.all()
        );
    }
    // ...and neither then proposes to destroy the other's.
    moto.expect_no_changes(cwd, &stack_a);
    moto.expect_no_changes(cwd, &stack_b);

    // Each state is in its stack's directory, and records that stack.
    assert!(
        !cwd.join("state").exists(),
        "state was written under the working directory"
    );
    let (state_a, state_b) = (local_state(&a, "network"), local_state(&b, "network"));
    assert_eq!(addresses(&state_a), ["aws_sqs_queue.q"]);
    assert_eq!(addresses(&state_b), ["aws_sqs_queue.q"]);
    let (key_a, tag_a) = identity(&state_a);
    let (key_b, tag_b) = identity(&state_b);
    assert!(key_a.ends_with("a/network/state/network.json"), "{key_a}");
    assert!(key_b.ends_with("b/network/state/network.json"), "{key_b}");
    assert!(
        tag_a.starts_with("network-") && tag_b.starts_with("network-"),
        "{tag_a} {tag_b}"
    );
    assert_ne!(tag_a, tag_b);

    // What each stack created carries its own stack's tag.
    assert_eq!(stack_tag_of_queue(&moto, "queue-a"), Some(tag_a));
    assert_eq!(stack_tag_of_queue(&moto, "queue-b"), Some(tag_b));

    // Run from anywhere, -C finds the same state.
    let elsewhere = cwd.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    moto.expect_no_changes(&elsewhere, &stack_a);
    moto.expect_no_changes(&b, Path::new("network"));
    moto.expect_no_changes(&stack_a, Path::new("../../b/network"));
    assert!(!elsewhere.join("state").exists() && !b.join("state").exists());
}

#[test]
fn a_stack_copied_with_its_state_is_refused_and_a_moved_one_keeps_it() {
    let moto = Moto::start();
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path();
    let original = write_stack(&cwd.join("a"), "network", &queue("queue-a"));
    ok(moto.run(cwd, &original, &["apply", "--auto-approve"]));
    let before = local_state(&cwd.join("a"), "network");

    // A copy of the directory, state and all, must not manage the original's queue.
    let copy = cwd.join("c/network");
    std::fs::create_dir_all(copy.join("state")).unwrap();
    std::fs::copy(original.join("main.hcl"), copy.join("main.hcl")).unwrap();
    std::fs::copy(
        original.join("state/network.json"),
        copy.join("state/network.json"),
    )
    .unwrap();
    let refused = moto.run(cwd, &copy, &["plan"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    for expected in [
        "belongs to another stack",
        "a/network/state/network.json",
        "c/network/state/network.json",
        "state push --force state.json",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected:?} in {}",
            refused.all()
        );
    }
    assert!(!refused.stdout.contains("to destroy"), "{}", refused.all());
    assert_eq!(
        local_state(&cwd.join("a"), "network"),
        before,
        "the original's state changed"
    );

    // Its operator can look at it, and take it over deliberately.
    let pulled = ok(moto.run(cwd, &copy, &["state", "pull"]));
    std::fs::write(cwd.join("state.json"), &pulled.stdout).unwrap();
    let plain_push = moto.run(cwd, &copy, &["state", "push", "state.json"]);
    assert_eq!(plain_push.code, 1, "{}", plain_push.all());
    ok(moto.run(cwd, &copy, &["state", "push", "--force", "state.json"]));
    moto.expect_no_changes(cwd, &copy);
    let (key, tag) = identity(&local_state(&cwd.join("c"), "network"));
    assert!(key.ends_with("c/network/state/network.json"), "{key}");
    assert_eq!(
        tag,
        identity(&before).1,
        "a state taken over keeps the tag its objects carry"
    );

    // A stack moved with its state (the old place is gone) simply keeps it; its
    // next write records the new place, and the tag stays.
    std::fs::rename(cwd.join("a"), cwd.join("moved")).unwrap();
    let moved = cwd.join("moved/network");
    moto.expect_no_changes(cwd, &moved);
    std::fs::write(
        moved.join("more.hcl"),
        queue("queue-m").replace("\"q\"", "\"m\""),
    )
    .unwrap();
    let applied = ok(moto.run(cwd, &moved, &["apply", "--auto-approve"]));
    assert!(
        applied
            .stdout
            .contains("Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        applied.all()
    );
    let (key, tag) = identity(&local_state(&cwd.join("moved"), "network"));
    assert!(key.ends_with("moved/network/state/network.json"), "{key}");
    assert_eq!(tag, identity(&before).1);
    assert_eq!(stack_tag_of_queue(&moto, "queue-m"), Some(tag));
}

#[test]
fn a_state_left_where_recon_kept_it_before_is_not_silently_replaced() {
    let root = tempfile::tempdir().unwrap();
    let cwd = root.path();
    let stack = write_stack(&cwd.join("stacks"), "network", &queue("q"));
    let old = r#"{"version": 1, "serial": 3, "lineage": "5d0b7e41-0000-4000-8000-000000000000", "recon_version": "0.1.0", "resources": []}"#;

    // Before, local state was state/<stack name>.json under the working directory.
    std::fs::create_dir_all(cwd.join("state")).unwrap();
    std::fs::write(cwd.join("state/network.json"), old).unwrap();
    let plan = Run::of(recon_offline(cwd).args(["plan", "-C", "stacks/network"]));
    assert_eq!(plan.code, 1, "{}", plan.all());
    assert!(
        plan.stderr.contains("there is no state at"),
        "{}",
        plan.all()
    );
    assert!(
        plan.stderr.contains("mv state/network.json*"),
        "{}",
        plan.all()
    );
    assert!(!stack.join("state").exists());

    // Moved as told, it is this stack's state, bound to it on the next write.
    let dir = stack.join("state");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::rename(cwd.join("state/network.json"), dir.join("network.json")).unwrap();
    let list = Run::of(recon_offline(cwd).args(["state", "list", "-C", "stacks/network"]));
    assert_eq!(list.code, 0, "{}", list.all());

    // A stack directory renamed away from its state's name is stopped the same way.
    std::fs::rename(cwd.join("stacks/network"), cwd.join("stacks/net")).unwrap();
    let renamed = Run::of(recon_offline(cwd).args(["state", "list", "-C", "stacks/net"]));
    assert_eq!(renamed.code, 1, "{}", renamed.all());
    assert!(
        renamed.stderr.contains("holds network.json"),
        "{}",
        renamed.all()
    );
    assert!(
        renamed.stderr.contains("state/net.json"),
        "{}",
        renamed.all()
    );
}
