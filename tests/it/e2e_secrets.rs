//! Secrets stay secret: a sensitive variable used in an instance's user_data
//! and a Lambda function's environment, changed outside recon, appears in no
//! human output of any command (show, state show, plan, plan --refresh-only,
//! apply, errors); state marks where it is; the files that hold it are 0600.

use crate::common::{local_state, ok, runtime, state_resource, write_stack, Moto, Run};
use std::path::Path;

const SECRET: &str = "s3cr3t-tok-41f9c";
const CHANGED: &str = "s3cr3t-new-77abe";
const OTHER: &str = "s3cr3t-pin-5d02a";

const STACK: &str = r##"
variable "api_token" {
  type      = string
  sensitive = true
}
variable "pin" {
  type      = number
  sensitive = true
  default   = 1234
}
data "archive_file" "f" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/f.zip"
}
resource "aws_iam_role" "r" {
  name_prefix = "secret-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}
resource "aws_lambda_function" "f" {
  function_name    = "secret-fn"
  role             = aws_iam_role.r.arn
  handler          = "f.handler"
  runtime          = "python3.12"
  filename         = data.archive_file.f.output_path
  source_code_hash = data.archive_file.f.output_base64sha256
  environment {
    variables = {
      API_TOKEN = var.api_token
      STAGE     = "prod"
    }
  }
}
resource "aws_instance" "web" {
  ami           = "ami-03c3da4cfa8e8943a"
  instance_type = "t3.micro"
  user_data     = "#!/bin/sh\necho '${var.api_token}' > /etc/token\n"
  tags = {
    Name = "secret-web"
  }
}
output "token" {
  value     = var.api_token
  sensitive = true
}
"##;

/// The small stack here is not meant to pass the baseline policies.
const FAIL_ON: [&str; 2] = ["--policy-fail-on", "critical"];

fn run(moto: &Moto, cwd: &Path, stack: &Path, args: &[&str]) -> Run {
    Run::of(
        moto.recon(cwd)
            .args(args)
            .arg("-C")
            .arg(stack)
            .env("RECON_VAR_api_token", SECRET),
    )
}

/// Neither the secret nor the value it was changed to outside recon, in
/// stdout or stderr.
fn assert_masked(what: &str, run: &Run) {
    for secret in [SECRET, CHANGED, OTHER] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{what} shows the secret {secret}:\n{}",
            run.all()
        );
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_sensitive_variable_changed_outside_recon_is_never_shown() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "secrets", STACK);
    std::fs::create_dir_all(stack.join("lambda")).unwrap();
    std::fs::write(
        stack.join("lambda/f.py"),
        "def handler(e, c):\n    return 1\n",
    )
    .unwrap();

    let apply = ok(run(
        &moto,
        cwd,
        &stack,
        &[&["apply", "--auto-approve"][..], &FAIL_ON].concat(),
    ));
    assert_masked("apply", &apply);
    assert!(
        apply.stdout.contains("(sensitive value)"),
        "{}",
        apply.all()
    );

    // State holds the values (as Terraform's does) and marks where they are.
    let state = local_state(cwd, "secrets");
    let function = state_resource(&state, "aws_lambda_function.f");
    assert_eq!(
        function["attributes"]["environment"][0]["variables"]["API_TOKEN"],
        SECRET
    );
    assert_eq!(
        function["sensitive_attributes"],
        serde_json::json!([["environment"]])
    );
    let instance = state_resource(&state, "aws_instance.web");
    assert_eq!(
        instance["sensitive_attributes"],
        serde_json::json!([["user_data"]])
    );
    let instance_id = instance["attributes"]["id"].as_str().unwrap().to_string();

    // Someone changes the secret by hand, in the function and the instance.
    let config = moto.sdk_config();
    runtime().block_on(async {
        let lambda = aws_sdk_lambda::Client::new(&config);
        lambda
            .update_function_configuration()
            .function_name("secret-fn")
            .environment(
                aws_sdk_lambda::types::Environment::builder()
                    .variables("API_TOKEN", CHANGED)
                    .variables("STAGE", "prod")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let ec2 = aws_sdk_ec2::Client::new(&config);
        use base64::Engine as _;
        let data = base64::engine::general_purpose::STANDARD.encode(format!("echo {CHANGED}"));
        ec2.modify_instance_attribute()
            .instance_id(&instance_id)
            .attribute(aws_sdk_ec2::types::InstanceAttributeName::UserData)
            .value(data)
            .send()
            .await
            .unwrap();
    });

    let show = ok(run(&moto, cwd, &stack, &["show"]));
    assert_masked("show", &show);
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.all());
    for address in ["aws_lambda_function.f", "aws_instance.web"] {
        let shown = ok(run(&moto, cwd, &stack, &["state", "show", address]));
        assert_masked("state show", &shown);
        assert!(
            shown.stdout.contains("(sensitive value)"),
            "{}",
            shown.all()
        );
    }

    let plan = run(
        &moto,
        cwd,
        &stack,
        &[&["plan", "--detailed-exitcode"][..], &FAIL_ON].concat(),
    );
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("Objects have changed outside of recon"),
        "{}",
        plan.all()
    );
    assert_masked("plan", &plan);

    let refresh = ok(run(&moto, cwd, &stack, &["plan", "--refresh-only"]));
    assert!(
        refresh.stdout.contains("aws_lambda_function.f"),
        "{}",
        refresh.all()
    );
    assert_masked("plan --refresh-only", &refresh);

    // The JSON plan carries values, as Terraform's does, with the marks.
    let json = run(
        &moto,
        cwd,
        &stack,
        &[&["plan", "--json"][..], &FAIL_ON].concat(),
    );
    let doc = json.json();
    let change = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_lambda_function.f")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(change["change"]["after_sensitive"]["environment"], true);
    assert_eq!(change["change"]["before_sensitive"]["environment"], true);

    let apply = ok(run(
        &moto,
        cwd,
        &stack,
        &[&["apply", "--auto-approve"][..], &FAIL_ON].concat(),
    ));
    assert_masked("apply after drift", &apply);
    assert!(
        apply.stdout.contains("aws_lambda_function.f"),
        "{}",
        apply.all()
    );

    // A value of the wrong type for a sensitive variable, from each source:
    // the error names the variable and where, never the value.
    let flag = run(
        &moto,
        cwd,
        &stack,
        &["plan", "--var", &format!("pin={OTHER}")],
    );
    assert_ne!(flag.code, 0, "{}", flag.all());
    assert!(flag.stderr.contains("pin"), "{}", flag.all());
    assert_masked("--var", &flag);
    let env = Run::of(
        moto.recon(cwd)
            .args(["plan", "-C"])
            .arg(&stack)
            .env("RECON_VAR_api_token", SECRET)
            .env("RECON_VAR_pin", OTHER),
    );
    assert_ne!(env.code, 0, "{}", env.all());
    assert_masked("RECON_VAR_", &env);
    let tfvars = cwd.join("bad.tfvars");
    std::fs::write(
        &tfvars,
        format!("api_token = \"{SECRET}\"\npin = \"{OTHER}\"\nstage = \"{CHANGED}\"\n"),
    )
    .unwrap();
    let file = run(
        &moto,
        cwd,
        &stack,
        &["plan", "--var-file", tfvars.to_str().unwrap()],
    );
    assert_ne!(file.code, 0, "{}", file.all());
    assert!(file.stderr.contains("bad.tfvars"), "{}", file.all());
    assert_masked("--var-file", &file);

    ok(run(
        &moto,
        cwd,
        &stack,
        &[
            "destroy",
            "--auto-approve",
            "--allow-data-loss",
            "aws_instance.web",
        ],
    ));
}

#[cfg(unix)]
#[test]
fn saved_plans_and_state_are_readable_by_their_owner_only() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(
        cwd,
        "private",
        r#"
variable "api_token" {
  type      = string
  sensitive = true
}
resource "aws_sqs_queue" "q" {
  name = "private-q"
  tags = {
    Token = var.api_token
  }
}
"#,
    );
    let plan_file = cwd.join("saved.plan");
    // A plan file left readable by an earlier tool is narrowed too.
    std::fs::write(&plan_file, "old").unwrap();
    let plan = run(
        &moto,
        cwd,
        &stack,
        &[
            &["plan", "--out", plan_file.to_str().unwrap()][..],
            &FAIL_ON,
        ]
        .concat(),
    );
    assert!(plan.code == 0 || plan.code == 2, "{}", plan.all());
    assert_eq!(mode(&plan_file), 0o600);
    // The saved plan holds the variable values: what makes 0600 matter.
    assert!(std::fs::read_to_string(&plan_file)
        .unwrap()
        .contains(SECRET));

    ok(run(
        &moto,
        cwd,
        &stack,
        &[&["apply", "--auto-approve"][..], &FAIL_ON].concat(),
    ));
    let state_dir = stack.join("state");
    let mut files = 0;
    for entry in std::fs::read_dir(&state_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("private.json") {
            assert_eq!(mode(&path), 0o600, "{name}");
            files += 1;
        }
    }
    assert!(files >= 1, "no state file in {}", state_dir.display());
    ok(run(&moto, cwd, &stack, &["destroy", "--auto-approve"]));
}
