//! `recon taint` / `recon untaint` through the real binary against moto: a tainted
//! instance is replaced by the next apply, untaint takes the mark off, and
//! mistakes (not in state, a block with several instances, a data source, not
//! tainted) are refused with nothing written.

use crate::common::{local_state, ok, state_resource, write_stack, Moto};
use std::path::Path;

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_subnet" "a" {
  count      = 2
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.40.${count.index}.0/24"
}

data "aws_region" "current" {}
"#;

fn state(cwd: &Path) -> serde_json::Value {
    local_state(cwd, "taint")
}

fn resource(cwd: &Path, address: &str) -> serde_json::Value {
    state_resource(&state(cwd), address)
}

#[test]
fn taint_replaces_on_next_apply_and_untaint_takes_the_mark_off() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "taint", STACK);
    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    let old_id = resource(cwd, "aws_subnet.a[1]")["attributes"]["id"].clone();

    let tainted = ok(moto.run(cwd, &stack, &["taint", "aws_subnet.a[1]"]));
    assert!(
        tainted
            .stdout
            .contains("aws_subnet.a[1] is marked as tainted"),
        "{}",
        tainted.all()
    );
    assert_eq!(resource(cwd, "aws_subnet.a[1]")["tainted"], true);
    let plan = moto.expect_plan(cwd, &stack, "Plan: 1 to add, 0 to change, 1 to destroy.");
    assert!(
        plan.stdout
            .contains("aws_subnet.a[1] is tainted, so must be replaced"),
        "{}",
        plan.all()
    );

    // Untainted, nothing is left to do; a second untaint is refused.
    let untainted = ok(moto.run(cwd, &stack, &["untaint", "aws_subnet.a[1]"]));
    assert!(
        untainted.stdout.contains("no longer tainted"),
        "{}",
        untainted.all()
    );
    moto.expect_no_changes(cwd, &stack);
    let serial = state(cwd)["serial"].clone();
    let again = moto.run(cwd, &stack, &["untaint", "aws_subnet.a[1]"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again.stderr.contains("aws_subnet.a[1] is not tainted"),
        "{}",
        again.all()
    );

    // Mistakes are refused and write nothing.
    for (args, says) in [
        (
            &["taint", "aws_subnet.a"][..],
            "aws_subnet.a has several instances; name one: aws_subnet.a[0], aws_subnet.a[1]",
        ),
        (
            &["taint", "aws_subnet.b[0]"][..],
            "aws_subnet.b[0] is not in state",
        ),
        (
            &["taint", "data.aws_region.current"][..],
            "is a data source",
        ),
        (&["taint", "aws_vpc..main"][..], "aws_vpc..main"),
    ] {
        let run = moto.run(cwd, &stack, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stderr.contains(says), "{args:?}: {}", run.all());
    }
    assert_eq!(state(cwd)["serial"], serial, "a refused taint wrote state");
    // Terraform's spelling of the flag works too.
    let missing = ok(moto.run(cwd, &stack, &["taint", "-allow-missing", "aws_subnet.b[0]"]));
    assert!(
        missing.stderr.contains("not in state; nothing to taint"),
        "{}",
        missing.all()
    );

    // Tainted again and applied: a new subnet, no longer tainted; the other is untouched.
    ok(moto.run(cwd, &stack, &["taint", "aws_subnet.a[1]"]));
    let applied = ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));
    assert!(
        applied.stdout.contains("1 added, 0 changed, 1 destroyed"),
        "{}",
        applied.all()
    );
    let replaced = resource(cwd, "aws_subnet.a[1]");
    assert_ne!(replaced["attributes"]["id"], old_id);
    assert_eq!(replaced["tainted"], false);
    moto.expect_no_changes(cwd, &stack);
    moto.destroy(cwd, &stack);
}
