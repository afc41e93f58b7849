//! Modules through the real binary against moto: a local module called twice
//! (once with for_each) plans with module addresses, applies, re-plans with no
//! changes; a `moved` block takes a root resource into the module without
//! destroying it; `--target module.NAME` plans only that module; destroy
//! empties the state.

use crate::common::{local_state, ok, Moto};
use std::path::Path;

const MODULE: &str = r#"
variable "cidr" {
  type = string
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be a CIDR block"
  }
}

variable "name" {
  type    = string
  default = "net"
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr
  tags = {
    Name = var.name
  }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)
}

resource "aws_security_group" "web" {
  name   = "${var.name}-web"
  vpc_id = aws_vpc.main.id
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_cidr" {
  value = aws_subnet.a.cidr_block
}
"#;

const ROOT: &str = r#"
locals {
  envs = {
    dev  = "10.11.0.0/16"
    prod = "10.12.0.0/16"
  }
}

module "core" {
  source = "./modules/net"
  cidr   = "10.10.0.0/16"
  name   = "core"
}

module "env" {
  source   = "./modules/net"
  for_each = local.envs
  cidr     = each.value
  name     = each.key
}

resource "aws_security_group" "shared" {
  name   = "shared"
  vpc_id = module.core.vpc_id
}

output "core_vpc" {
  value = module.core.vpc_id
}

output "env_subnets" {
  value = { for k, m in module.env : k => m.subnet_cidr }
}
"#;

fn addresses(cwd: &Path) -> Vec<String> {
    local_state(cwd, "stack")["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

fn state_id(cwd: &Path, address: &str) -> String {
    let state = local_state(cwd, "stack");
    let r = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in state: {state}"))
        .clone();
    r["attributes"]["id"].as_str().unwrap().to_string()
}

fn write(dir: &Path, root: &str) {
    std::fs::create_dir_all(dir.join("modules/net")).unwrap();
    std::fs::write(dir.join("modules/net/main.tf"), MODULE).unwrap();
    std::fs::write(dir.join("main.tf"), root).unwrap();
}

#[test]
fn modules_plan_apply_replan_move_target_and_destroy() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = cwd.join("stack");
    write(&dir, ROOT);

    // Plan: nine resources in three module instances, one in the root.
    let plan = moto.expect_plan(cwd, &dir, "Plan: 10 to add, 0 to change, 0 to destroy.");
    for addr in [
        "module.core.aws_vpc.main",
        "module.core.aws_subnet.a",
        "module.env[\"dev\"].aws_vpc.main",
        "module.env[\"prod\"].aws_security_group.web",
        "aws_security_group.shared",
    ] {
        assert!(
            plan.stdout.contains(&format!("# {addr} will be created")),
            "{addr}\n{}",
            plan.stdout
        );
    }

    // The JSON plan carries Terraform's module fields.
    let json = ok(moto.run(cwd, &dir, &["plan", "-json"])).json();
    let change = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "module.env[\"dev\"].aws_subnet.a")
        .unwrap()
        .clone();
    assert_eq!(change["module_address"], "module.env[\"dev\"]");
    assert_eq!(change["name"], "a");
    let children = json["planned_values"]["root_module"]["child_modules"]
        .as_array()
        .unwrap();
    let shown: Vec<&str> = children
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown,
        ["module.core", "module.env[\"dev\"]", "module.env[\"prod\"]"]
    );
    assert_eq!(children[0]["resources"].as_array().unwrap().len(), 3);
    assert_eq!(
        json["configuration"]["root_module"]["module_calls"]["env"]["source"],
        "./modules/net"
    );

    ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));
    let state = local_state(cwd, "stack");
    let vpc = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "module.env[\"prod\"].aws_vpc.main")
        .unwrap()
        .clone();
    assert_eq!(vpc["module"], "module.env[\"prod\"]");
    assert_eq!(vpc["attributes"]["cidr_block"], "10.12.0.0/16");
    assert_eq!(vpc["attributes"]["tags"]["Name"], "prod");
    // The root resource got the module's VPC through its output.
    let shared_vpc = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_security_group.shared")
        .unwrap()["attributes"]["vpc_id"]
        .clone();
    assert_eq!(
        shared_vpc.as_str().unwrap(),
        state_id(cwd, "module.core.aws_vpc.main")
    );
    assert_eq!(
        state["outputs"]["env_subnets"]["value"]["prod"],
        "10.12.1.0/24"
    );
    moto.expect_no_changes(cwd, &dir);

    // `state list` and `state show` take module addresses.
    let list = ok(moto.run(cwd, &dir, &["state", "list", "module.env"]));
    assert_eq!(list.stdout.lines().count(), 6, "{}", list.stdout);
    let show = ok(moto.run(cwd, &dir, &["state", "show", "module.core.aws_vpc.main"]));
    assert!(show.stdout.contains("10.10.0.0/16"), "{}", show.stdout);

    // A root VPC moved into a new module instance: renamed, not replaced.
    let with_root_vpc = format!("{ROOT}\nresource \"aws_vpc\" \"extra\" {{\n  cidr_block = \"10.20.0.0/16\"\n  tags = {{\n    Name = \"extra\"\n  }}\n}}\n");
    write(&dir, &with_root_vpc);
    ok(moto.run(cwd, &dir, &["apply", "--auto-approve"]));
    let extra_id = state_id(cwd, "aws_vpc.extra");
    let moved = format!(
        "{ROOT}\nmodule \"extra\" {{\n  source = \"./modules/net\"\n  cidr   = \"10.20.0.0/16\"\n  name   = \"extra\"\n}}\n\nmoved {{\n  from = aws_vpc.extra\n  to   = module.extra.aws_vpc.main\n}}\n"
    );
    write(&dir, &moved);
    let plan = moto.expect_plan(cwd, &dir, "Plan: 2 to add, 0 to change, 0 to destroy.");
    assert!(
        plan.stdout
            .contains("# aws_vpc.extra has moved to module.extra.aws_vpc.main"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan
            .stdout
            .contains("module.extra.aws_vpc.main will be created"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("destroyed"), "{}", plan.stdout);

    // --target module.extra: only that module's two new resources.
    let targeted = ok(moto.run(
        cwd,
        &dir,
        &["apply", "--auto-approve", "--target", "module.extra"],
    ));
    assert!(
        targeted
            .stdout
            .contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        targeted.all()
    );
    assert_eq!(state_id(cwd, "module.extra.aws_vpc.main"), extra_id);
    assert!(!addresses(cwd).contains(&"aws_vpc.extra".to_string()));
    moto.expect_no_changes(cwd, &dir);

    moto.destroy(cwd, &dir);
    assert!(addresses(cwd).is_empty(), "{:?}", addresses(cwd));
}

#[test]
fn module_mistakes_are_reported_where_written() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let dir = cwd.join("stack");

    // A registry source: only local modules.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
    )
    .unwrap();
    let run = moto.run(cwd, &dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("main.tf:2:12"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("recon supports only local module sources"),
        "{}",
        run.stderr
    );

    // A value the module's validation refuses: the rule in the module's file.
    write(
        &dir,
        "module \"core\" {\n  source = \"./modules/net\"\n  cidr   = \"nonsense\"\n}\n",
    );
    let run = moto.run(cwd, &dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("cidr must be a CIDR block"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("modules/net/main.tf:5:"),
        "{}",
        run.stderr
    );

    // An argument the module does not declare.
    write(&dir, "module \"core\" {\n  source = \"./modules/net\"\n  cidr   = \"10.0.0.0/16\"\n  nmae   = \"x\"\n}\n");
    let run = moto.run(cwd, &dir, &["plan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("module \"core\" has no variable \"nmae\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean \"name\"?"),
        "{}",
        run.stderr
    );
}
