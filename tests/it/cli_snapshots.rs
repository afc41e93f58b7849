//! Snapshots (insta, in `snapshots/`) of what a user sees on the terminal, from
//! the real binary: plans against moto (create, then update in place and
//! replace), an error in a stack file, and the top-level help. Filters turn
//! what differs between runs (AWS ids, temp paths, ports, durations) into
//! placeholders; colour is off (NO_COLOR, set by the common helpers).

use crate::common::{ok, recon_offline, write_stack, Moto, Run};
use std::path::Path;

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.60.0.0/16"
  tags       = { Name = "snap" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.60.1.0/24"
  availability_zone = "us-east-1a"
  tags              = { Name = "snap-a" }
}

resource "aws_security_group" "web" {
  name        = "snap-web"
  description = "web"
  vpc_id      = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.60.0.0/16"]
  }
}

output "vpc_id" {
  value = aws_vpc.main.id
}
"#;

/// The run as a user reads it: exit code, stdout, stderr; the temp directory
/// replaced by `[cwd]` in case a path is printed whole.
fn shown(run: &Run, cwd: &Path) -> String {
    let text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    text.replace(cwd.to_str().unwrap(), "[cwd]")
}

/// Asserts the snapshot `name` with the filters for what varies between runs.
fn assert_shown(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            // AWS ids: moto makes new ones each run.
            (r"\b(vpc|subnet|sg|i|vol|igw|rtb|acl|eni|eipalloc)-[0-9a-f]{8,17}\b", "$1-[id]"),
            // Ports of moto or anything local.
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
            // Durations of AWS calls ("Creation complete after 2s").
            (r"\bafter \d+(\.\d+)?m?s\b", "after [time]"),
            // Any temp dir not already replaced by `shown`.
            (r"/tmp/\.tmp[A-Za-z0-9]+", "[tmp]"),
        ],
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// `recon plan -C <name>` run in `cwd`, relative so paths print short.
fn plan(moto: &Moto, cwd: &Path, name: &str) -> Run {
    Run::of(moto.recon(cwd).args(["plan", "-C", name]))
}

#[test]
fn plan_create_then_update_and_replace() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "snap", STACK);

    let create = ok(plan(&moto, cwd, "snap"));
    assert_shown("plan_create", &shown(&create, cwd));

    ok(moto.run(cwd, &stack, &["apply", "--auto-approve"]));

    // A tag changes in place; a subnet CIDR forces replacement.
    let changed = STACK
        .replace("Name = \"snap\" }", "Name = \"snap-renamed\" }")
        .replace("\"10.60.1.0/24\"", "\"10.60.2.0/24\"");
    assert_ne!(changed, STACK);
    write_stack(cwd, "snap", &changed);
    let update = ok(plan(&moto, cwd, "snap"));
    assert_shown("plan_update_and_replace", &shown(&update, cwd));

    moto.destroy(cwd, &stack);
}

#[test]
fn validate_error_points_at_file_line_col() {
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    write_stack(
        cwd,
        "bad",
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n\n\
         resource \"aws_subnet\" \"a\" {\n  vpc_id    = aws_vpc.main.id\n  cidr_blok = \"10.0.1.0/24\"\n}\n",
    );
    let run = Run::of(recon_offline(cwd).args(["validate", "-C", "bad"]));
    assert_eq!(run.code, 1, "{}", run.all());
    assert_shown("validate_error", &shown(&run, cwd));
}

#[test]
fn top_level_help() {
    let work = tempfile::tempdir().unwrap();
    // clap wraps help to the terminal; a fixed width keeps the snapshot stable.
    let run = Run::of(
        recon_offline(work.path())
            .arg("--help")
            .env("COLUMNS", "100"),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_shown("help", &shown(&run, work.path()));
}
