//! `recon show` through the real binary against moto: a saved plan shown for
//! people and as JSON (made again from its inputs, refused once stale), and the
//! state with its outputs (sensitive ones hidden for people, marked in JSON).

mod common;

use common::{ok, write_stack, Moto};

const STACK: &str = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
  tags       = { Name = "show" }
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.50.1.0/24"
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "subnet_id" {
  value     = aws_subnet.a.id
  sensitive = true
}
"#;

#[test]
fn show_a_saved_plan_then_the_state() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path();
    let stack = write_stack(cwd, "show", STACK);

    let empty = ok(moto.run(cwd, &stack, &["show"]));
    assert!(
        empty.stdout.contains("The state is empty"),
        "{}",
        empty.all()
    );

    let plan_file = cwd.join("tfplan");
    let plan_arg = plan_file.to_str().unwrap();
    ok(moto.run(cwd, &stack, &["plan", "--out", plan_arg]));
    let shown = ok(moto.run(cwd, &stack, &["show", plan_arg]));
    assert!(
        shown.stdout.contains("# aws_vpc.main will be created"),
        "{}",
        shown.all()
    );
    assert!(
        shown
            .stdout
            .contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{}",
        shown.all()
    );
    let json = ok(moto.run(cwd, &stack, &["show", "--json", plan_arg])).json();
    let changes: Vec<(&str, &str)> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["change"]["actions"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [("aws_subnet.a", "create"), ("aws_vpc.main", "create")]
    );
    assert_eq!(
        json["policy_checks"]["results"][0]["policy_id"],
        "subnet_no_public_ip_on_launch"
    );
    assert!(!stack.join("state/show.json").exists(), "show wrote state");

    ok(moto.run(cwd, &stack, &["apply", plan_arg]));
    let vpc_id = ok(moto.run(cwd, &stack, &["output", "--raw", "vpc_id"]))
        .stdout
        .trim()
        .to_string();
    let subnet_id = ok(moto.run(cwd, &stack, &["output", "--raw", "subnet_id"]))
        .stdout
        .trim()
        .to_string();

    // The plan is spent: shown no more than applied again.
    let stale = moto.run(cwd, &stack, &["show", plan_arg]);
    assert_eq!(stale.code, 1, "{}", stale.all());
    assert!(
        stale.stderr.contains("the saved plan is stale"),
        "{}",
        stale.all()
    );

    let state = ok(moto.run(cwd, &stack, &["show"]));
    assert!(
        state
            .stdout
            .contains("# aws_vpc.main:\nresource \"aws_vpc\" \"main\" {"),
        "{}",
        state.all()
    );
    assert!(
        state.stdout.contains(&format!("\"{vpc_id}\"")),
        "{}",
        state.all()
    );
    assert!(state.stdout.contains("Outputs:"), "{}", state.all());
    assert!(
        state.stdout.contains("subnet_id = (sensitive value)"),
        "{}",
        state.all()
    );
    assert!(
        state.stdout.contains(&format!("vpc_id    = \"{vpc_id}\"")),
        "{}",
        state.all()
    );

    let json = ok(moto.run(cwd, &stack, &["show", "--json"])).json();
    let values = &json["values"];
    let addresses: Vec<&str> = values["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["aws_subnet.a", "aws_vpc.main"]);
    assert_eq!(
        values["root_module"]["resources"][1]["values"]["id"],
        vpc_id.as_str()
    );
    assert_eq!(values["outputs"]["subnet_id"]["sensitive"], true);
    assert_eq!(values["outputs"]["subnet_id"]["value"], subnet_id.as_str());
    moto.destroy(cwd, &stack);
}
