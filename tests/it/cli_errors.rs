//! Bad stack files get an error that says where (file:line:col, with the source
//! line) and what to do; so do an unreachable endpoint, missing credentials and
//! a resource AWS refuses (against moto). These run the real binary.

use crate::common::{write_stack, Moto, Run};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn recon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recon"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Nothing listens here: any AWS call would fail loudly.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run recon")
}

/// Writes `main.hcl` into a fresh stack directory and runs `recon <args>` there.
fn run(src: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), src).unwrap();
    let out = recon(dir.path(), args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out.status.code().unwrap_or(-1), stderr)
}

fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "expected {n:?} in:\n{haystack}");
    }
}

#[test]
fn malformed_hcl_points_at_the_syntax_error() {
    let (code, err) = run(
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags = {\n}\n",
        &["validate"],
    );
    assert_eq!(code, 1);
    assert_contains(&err, &["malformed HCL", "main.hcl:4:2", "fix the syntax"]);
}

#[test]
fn misspelt_attribute_names_the_nearest_valid_one() {
    let src = "resource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n  instanse_type = \"t3.micro\"\n}\n";
    let (code, err) = run(src, &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "aws_instance.web: unsupported argument \"instanse_type\"",
            "main.hcl:3:3",
            "instanse_type = \"t3.micro\"",
            "did you mean \"instance_type\"?",
        ],
    );
}

#[test]
fn misspelt_block_names_the_nearest_valid_one() {
    let src = "resource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n  instance_type = \"t3.micro\"\n  root_block_devise {\n    volume_size = 8\n  }\n}\n";
    let (code, err) = run(src, &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "unsupported block \"root_block_devise\"",
            "main.hcl:4:3",
            "did you mean \"root_block_device\"?",
        ],
    );
}

#[test]
fn missing_required_argument_points_at_the_block() {
    let (code, err) = run(
        "resource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n}\n",
        &["validate"],
    );
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "missing required argument \"instance_type\"",
            "main.hcl:1:1",
            "add instance_type = <string>",
        ],
    );
}

#[test]
fn unknown_resource_type_suggests_a_supported_one() {
    let (code, err) = run("resource \"aws_instanse\" \"web\" {}\n", &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "unsupported resource type \"aws_instanse\"",
            "main.hcl:1:1",
            "did you mean \"aws_instance\"?",
        ],
    );
}

/// A value AWS would refuse (outside what the argument allows) is refused by
/// validate and plan where it is written; arguments that do not go together
/// are refused by plan at the resource, before anything is applied.
#[test]
fn values_aws_refuses_are_refused_before_apply() {
    let group = "resource \"aws_cloudwatch_log_group\" \"g\" {\n  name              = \"g\"\n  retention_in_days = 2\n}\n";
    for command in ["validate", "plan"] {
        let (code, err) = run(group, &[command]);
        assert_eq!(code, 1, "{err}");
        assert_contains(
            &err,
            &[
                "aws_cloudwatch_log_group.g.retention_in_days: must be one of 0, 1, 3, 5, 7, 14",
                "got 2",
                "main.hcl:3:23",
            ],
        );
    }
    let queue = "resource \"aws_sqs_queue\" \"q\" {\n  name = \"q\"\n  content_based_deduplication = true\n}\n";
    let (code, err) = run(queue, &["plan"]);
    assert_eq!(code, 1, "{err}");
    assert_contains(
        &err,
        &[
            "aws_sqs_queue.q: content_based_deduplication can only be set for a FIFO queue",
            "main.hcl:1:1",
        ],
    );
}

#[test]
fn wrong_type_is_reported_at_the_value() {
    let src = "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  enable_dns_support = [true]\n}\n";
    let (code, err) = run(src, &["plan"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "wrong type for \"enable_dns_support\"",
            "a bool is required",
            "main.hcl:3:24",
        ],
    );
}

#[test]
fn reference_to_undeclared_variable_is_located() {
    let src = "variable \"cidr\" {\n  default = \"10.0.0.0/16\"\n}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = var.cdir\n}\n";
    let (code, err) = run(src, &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "reference to undeclared variable var.cdir",
            "main.hcl:5:16",
            "did you mean var.cidr?",
        ],
    );
}

#[test]
fn reference_to_undeclared_resource_is_located() {
    let src = "resource \"aws_subnet\" \"a\" {\n  vpc_id = aws_vpc.mian.id\n  cidr_block = \"10.0.1.0/24\"\n}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let (code, err) = run(src, &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "reference to undeclared resource aws_vpc.mian",
            "main.hcl:2:12",
            "did you mean aws_vpc.main?",
        ],
    );
}

#[test]
fn cycle_lists_every_address_and_reference() {
    let src = r#"resource "aws_security_group" "a" {
  description = aws_security_group.b.id
}

resource "aws_security_group" "b" {
  description = aws_security_group.a.id
}
"#;
    let (code, err) = run(src, &["validate"]);
    assert_eq!(code, 1);
    assert_contains(
        &err,
        &[
            "dependency cycle between aws_security_group.a, aws_security_group.b",
            "aws_security_group.a refers to aws_security_group.b",
            "main.hcl:2:17",
            "aws_security_group.b refers to aws_security_group.a",
            "main.hcl:6:17",
        ],
    );
}

#[test]
fn valid_example_stack_validates() {
    let stack = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/cron-btsync");
    let dir = tempfile::tempdir().unwrap();
    let out = recon(dir.path(), &["validate", "-C", stack.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Success!"));
}

#[test]
fn apply_without_terminal_needs_auto_approve() {
    let (code, err) = run(
        "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
        &["apply"],
    );
    assert_eq!(code, 1);
    assert_contains(&err, &["pass --auto-approve"]);
}

/// Input that used to crash recon or make it print megabytes: each gets a short
/// error that says where, and exit 1 (never 101, a panic).
#[test]
fn huge_lines_counts_widths_and_tokens_get_short_errors() {
    let long_line = format!(
        "resource \"aws_vpc\" \"v\" {{\n  cidr_block = \"{}\" +\n}}\n",
        "x".repeat(70_000)
    );
    let huge_count = "resource \"aws_vpc\" \"v\" {\n  count = 100000000000000000000000\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let wide_format =
        "resource \"aws_vpc\" \"v\" {\n  cidr_block = format(\"%.99999999999d\", 1)\n}\n";
    let long_token = format!(
        "resource \"aws_vpc\" \"v\" {{\n  cidr_block = {}\n}}\n",
        "y".repeat(2_000_000)
    );
    let cases: [(&str, &str, &[&str]); 4] = [
        (&long_line, "validate", &["malformed HCL", "main.hcl:2:"]),
        (
            huge_count,
            "plan",
            &[
                "count is 100000000000000000000000",
                "more than the 100000 instances",
                "main.hcl:2:11",
            ],
        ),
        (
            wide_format,
            "plan",
            &[
                "more than the 100000 characters recon allows",
                "main.hcl:2:16",
            ],
        ),
        (
            &long_token,
            "validate",
            &["invalid reference", "main.hcl:2:16", "more characters)"],
        ),
    ];
    for (src, command, expected) in cases {
        let (code, err) = run(src, &[command]);
        assert_eq!(code, 1, "{command} on {:.60}...: {err:.2000}", src);
        assert_contains(&err, expected);
        assert!(
            err.len() < 3_000,
            "{} bytes of error output:\n{err:.3000}",
            err.len()
        );
    }
}

/// `validate` judges what plan would, with no AWS: function names, literal types
/// and the attributes a reference reads; values from variables and resources are
/// unknown, never an error.
#[test]
fn validate_catches_unknown_functions_literal_types_and_missing_attributes() {
    let cases: [(&str, &[&str]); 3] = [
        (
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  tags = { n = lenght([\"a\"]) }\n}\n",
            &["call to unknown function \"lenght\"", "main.hcl:3:16", "did you mean \"length\"?"],
        ),
        (
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n  enable_dns_support = \"yes\"\n}\n",
            &["wrong type for \"enable_dns_support\"", "main.hcl:3:24"],
        ),
        (
            "resource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_subnet\" \"s\" {\n  vpc_id     = aws_vpc.main.nonexistent\n  cidr_block = \"10.0.1.0/24\"\n}\n",
            &["no attribute \"nonexistent\"", "main.hcl:5:16"],
        ),
    ];
    for (src, needles) in cases {
        let (code, err) = run(src, &["validate"]);
        assert_eq!(code, 1, "{err}");
        assert_contains(&err, needles);
    }
    let fine = "variable \"cidr\" {}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = var.cidr\n  enable_dns_support = var.cidr == \"\"\n}\nresource \"aws_subnet\" \"s\" {\n  count      = 2\n  vpc_id     = aws_vpc.main.id\n  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)\n}\n";
    let (code, err) = run(fine, &["validate"]);
    assert_eq!(code, 0, "{err}");
}

/// Writes `files` (`STACK` in a name is the directory's name) into a fresh stack directory and runs `recon <args>` there.
fn run_files(files: &[(&str, Vec<u8>)], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().file_name().unwrap().to_str().unwrap();
    for (name, bytes) in files {
        // Local state is state/<stack directory name>.json.
        let path = dir.path().join(name.replace("STACK", stack));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let out = recon(dir.path(), args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

/// Files of a stack directory, arguments, exit code, what the output says.
type Case<'a> = (Vec<(&'a str, Vec<u8>)>, &'a [&'a str], i32, Vec<&'a str>);

/// More input that crashed recon, overflowed its stack or made it allocate
/// without bound: each is a short error that says where (exit 1; `check`
/// reports what it could not read with exit 2), never a panic (101) or an abort.
#[test]
fn deep_nesting_huge_values_and_bad_bytes_get_short_errors() {
    const VPC: &str = "resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let count_var = "variable \"n\" {\n  type = number\n}\nresource \"aws_vpc\" \"v\" {\n  count = var.n\n  cidr_block = \"10.0.0.0/16\"\n}\n";
    let output =
        |value: &str| format!("{VPC}output \"o\" {{\n  value = {value}\n}}\n").into_bytes();
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    let doubling = {
        let mut s = String::from("locals {\n  a0 = \"xxxxxxxxxxxxxxxx\"\n");
        for i in 1..40 {
            s += &format!("  a{i} = \"${{local.a{}}}${{local.a{}}}\"\n", i - 1, i - 1);
        }
        s + "}\noutput \"o\" {\n  value = length(local.a39)\n}\n"
    };
    let main = |text: Vec<u8>| vec![("main.hcl", text)];
    let cases: Vec<Case> = vec![
        (
            main(count_var.into()),
            &["plan", "--var", "n=1e20"],
            1,
            vec!["count is 100000000000000000000", "main.hcl:5:11"],
        ),
        (
            main(count_var.into()),
            &["check", "--var", "n=1e20"],
            2,
            vec!["count is 100000000000000000000", "main.hcl:5:11"],
        ),
        (
            main(b"resource \"aws_vpc\" \"v\" {\n  count = 1e23\n  cidr_block = \"10.0.0.0/16\"\n}\n".to_vec()),
            &["validate"],
            1,
            vec!["count is 100000000000000000000000", "main.hcl:2:11"],
        ),
        (
            main(output("indent(99999999999, \"a\\nb\")")),
            &["plan"],
            1,
            vec!["longer than the 67108864 characters", "main.hcl:5:11"],
        ),
        (
            main(output("file(\"/dev/zero\")")),
            &["plan"],
            1,
            vec!["larger than the 64 MiB recon reads", "main.hcl:5:11"],
        ),
        (
            main(output(&format!("jsondecode(\"{}\")", deep("[", "]")))),
            &["plan"],
            1,
            vec!["more than 128 nested arrays and objects", "main.hcl:5:11"],
        ),
        (
            main(doubling.into_bytes()),
            &["plan"],
            1,
            vec!["longer than the 67108864 characters", "main.hcl:2"],
        ),
        (
            main(b"resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.\xff.0.0/16\"\n}\n".to_vec()),
            &["validate"],
            1,
            vec!["main.hcl is not UTF-8 text: byte 0xff at line 2, column 20 (byte offset 44)", "main.hcl:2:20"],
        ),
        (
            vec![("main.hcl", VPC.into()), ("x.tfvars", b"a = \"\xc3\"\n".to_vec())],
            &["plan", "--var-file", "x.tfvars"],
            1,
            vec!["x.tfvars is not UTF-8 text: byte 0xc3 at line 1, column 6"],
        ),
        (
            main(format!("locals {{\n  x = {}\n}}\n", deep("[", "]")).into_bytes()),
            &["validate"],
            1,
            vec!["nesting depth", "main.hcl:2:"],
        ),
        (
            main(format!("locals {{\n  x = {}1{}\n}}\n", deep("(", ")"), "").into_bytes()),
            &["plan"],
            1,
            vec!["nesting depth", "main.hcl:2:"],
        ),
        (
            main(format!("{}{}", "a {\n".repeat(100_000), "}\n".repeat(100_000)).into_bytes()),
            &["validate"],
            1,
            vec!["nesting depth"],
        ),
        (
            vec![
                ("main.hcl", VPC.into()),
                ("policies/deep.hcl", format!("policy \"p\" {{\n  condition = {}\n}}\n", deep("[", "]")).into_bytes()),
            ],
            &["check"],
            1,
            vec!["nesting depth", "deep.hcl:2:"],
        ),
        (
            vec![
                ("main.hcl", VPC.into()),
                ("policies/bad.hcl", b"policy \"p\" {\n  message = \"\xfe\"\n}\n".to_vec()),
            ],
            &["check"],
            1,
            vec!["bad.hcl is not UTF-8 text: byte 0xfe at line 2, column 14"],
        ),
        (
            vec![
                ("main.hcl", VPC.into()),
                ("state/STACK.json", format!("{{\"version\": 1, \"x\": {}}}", deep("[", "]")).into_bytes()),
            ],
            &["state", "list"],
            1,
            vec!["recursion limit exceeded"],
        ),
    ];
    for (files, args, code, expected) in cases {
        let (got, out) = run_files(&files, args);
        assert_eq!(got, code, "recon {args:?}: {out:.3000}");
        assert_contains(&out, &expected);
        assert!(!out.contains("panicked"), "{out:.3000}");
        assert!(
            out.len() < 4_000,
            "recon {args:?}: {} bytes:\n{out:.4000}",
            out.len()
        );
    }
}

/// No region anywhere: one line naming the provider configuration and the fix,
/// before any AWS call (the SDK would fail each call late with a debug dump).
#[test]
fn a_missing_region_is_one_line_that_says_what_to_set() {
    let plan_without_region = |src: &str| {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), src).unwrap();
        Command::new(env!("CARGO_BIN_EXE_recon"))
            .args(["plan"])
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", tmp.path().join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                tmp.path().join("no-credentials"),
            )
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run recon")
    };
    let out = plan_without_region(r#"resource "aws_vpc" "main" { cidr_block = "10.0.0.0/16" }"#);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        r#"Error: no AWS region for provider "aws": set AWS_REGION, or region = "..." in the provider block"#
    );

    let out = plan_without_region(
        r#"
provider "aws" {
  alias = "west"
}
resource "aws_vpc" "main" {
  provider   = aws.west
  cidr_block = "10.0.0.0/16"
}
"#,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(r#"no AWS region for provider "aws" (alias = "west")"#),
        "{stderr}"
    );
}

/// A port on 127.0.0.1 with nothing listening (bound, then let go).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// `recon <args>` in a stack whose plan reads AWS (a data source), with
/// `endpoint` and the credentials environment `creds` (removed when None).
fn run_against(endpoint: &str, creds: Option<&str>, args: &[&str]) -> (Run, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "data \"aws_availability_zones\" \"all\" {}\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recon"));
    cmd.args(args)
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", tmp.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            tmp.path().join("no-credentials"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("RECON_LOG");
    match creds {
        Some(key) => cmd
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", "testing"),
        None => cmd
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY"),
    };
    let start = Instant::now();
    let run = Run::of(&mut cmd);
    (run, start.elapsed())
}

/// Lines of stderr that say something (not blank).
fn said(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn an_unreachable_endpoint_fails_fast_in_one_line_naming_it() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    for args in [&["plan"][..], &["apply", "--auto-approve"][..]] {
        let (run, took) = run_against(&endpoint, Some("testing"), args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(took < Duration::from_secs(8), "{args:?} took {took:?}");
        // The plan's data source is what reaches AWS first: a diagnostic line.
        let lines = said(&run.stderr);
        assert_eq!(lines.len(), 1, "{args:?}: {}", run.all());
        assert!(
            lines[0].ends_with(&format!(
                "cannot reach {endpoint} (connection refused): check AWS_ENDPOINT_URL / network"
            )),
            "{args:?}: {}",
            run.all()
        );
        assert!(!run.all().contains("DispatchFailure"), "{}", run.all());
    }
}

#[test]
fn debug_shows_the_whole_chain_of_an_error() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let (run, _) = run_against(&endpoint, Some("testing"), &["plan", "--debug"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("cannot reach {endpoint}")),
        "{}",
        run.all()
    );
    // The SDK's own report, with the cause the one line summarises.
    assert!(run.stderr.contains("Caused by: "), "{}", run.all());
    assert!(
        run.stderr.to_lowercase().contains("connection refused"),
        "{}",
        run.all()
    );
    assert!(
        run.stderr.contains("dispatch failure") && !run.stderr.contains("more characters)"),
        "{}",
        run.all()
    );
}

#[test]
fn missing_credentials_are_one_line_that_says_what_to_set() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let (run, took) = run_against(&endpoint, None, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(
        said(&run.stderr),
        ["Error: no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (log in again if they expired)"],
        "{}",
        run.all()
    );
}

/// An instance with an AMI that does not exist: moto refuses it as AWS does.
const BAD_AMI: &str = r#"resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_instance" "web" {
  ami           = "ami-00000000000000000"
  instance_type = "t3.micro"
}
"#;

/// The small stack is not meant to pass the baseline policies.
const NOT_POLICIES: &str = "--policy-fail-on=critical";

#[test]
fn an_apply_error_names_the_resource_its_declaration_and_the_aws_code() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let stack = write_stack(tmp.path(), "bad-ami", BAD_AMI);
    let run = moto.run(
        tmp.path(),
        &stack,
        &["apply", "--auto-approve", NOT_POLICIES],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("Error: "))
        .unwrap_or_else(|| panic!("no error line:\n{}", run.all()));
    assert!(
        error.starts_with(
            "Error: creating aws_instance.web (bad-ami/main.hcl:5): InvalidAMIID.NotFound: "
        ),
        "{}",
        run.all()
    );
    assert!(error.contains("ami-00000000000000000"), "{}", run.all());
    assert!(run.stderr.contains("  Hint: "), "{}", run.all());
    assert!(
        run.stdout
            .contains("aws_instance.web: Creation failed (see the error below)"),
        "{}",
        run.all()
    );
    assert!(!run.all().contains("ServiceError"), "{}", run.all());
}

#[test]
fn apply_json_is_one_event_per_line_with_the_error_and_its_address() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let stack = write_stack(tmp.path(), "bad-ami", BAD_AMI);
    let refused = moto.run(tmp.path(), &stack, &["apply", "--json"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.all()
    );

    let run = moto.run(
        tmp.path(),
        &stack,
        &["apply", "--json", "--auto-approve", NOT_POLICIES],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for e in &events {
        for field in ["@level", "@message", "@timestamp", "type"] {
            assert!(e.get(field).is_some(), "{field} missing in {e}");
        }
    }
    let of = |kind: &str, addr: &str| {
        events.iter().find(|e| {
            e["type"] == kind
                && (e["hook"]["resource"]["addr"] == addr
                    || e["change"]["resource"]["addr"] == addr
                    || e["diagnostic"]["address"] == addr)
        })
    };
    assert_eq!(events[0]["type"], "version", "{}", run.stdout);
    assert!(
        of("planned_change", "aws_instance.web").is_some(),
        "{}",
        run.stdout
    );
    let plan = events
        .iter()
        .find(|e| e["type"] == "change_summary")
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(plan["changes"]["add"], 2);
    assert_eq!(plan["changes"]["operation"], "plan");
    let start = of("apply_start", "aws_vpc.main").unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(start["hook"]["action"], "create");
    assert_eq!(start["hook"]["resource"]["resource_type"], "aws_vpc");
    let done = of("apply_complete", "aws_vpc.main").unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        done["hook"]["id_value"]
            .as_str()
            .unwrap_or_default()
            .starts_with("vpc-"),
        "{done}"
    );
    let errored =
        of("apply_errored", "aws_instance.web").unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(errored["@level"], "error");
    let diag = of("diagnostic", "aws_instance.web").unwrap_or_else(|| panic!("{}", run.stdout));
    assert_eq!(diag["diagnostic"]["severity"], "error");
    assert_eq!(diag["diagnostic"]["code"], "InvalidAMIID.NotFound");
    assert_eq!(diag["diagnostic"]["error_kind"], "not_found");
    assert_eq!(diag["diagnostic"]["declared_at"], "bad-ami/main.hcl:5");
    assert!(
        diag["diagnostic"]["summary"]
            .as_str()
            .unwrap_or_default()
            .starts_with("creating aws_instance.web (bad-ami/main.hcl:5): InvalidAMIID.NotFound"),
        "{diag}"
    );
}
