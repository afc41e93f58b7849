//! Changes made outside recon: shown as drift with the real value, put back by
//! apply; an object deleted outside recon is planned for re-creation.

use crate::common::{runtime, Moto};
use std::path::Path;

const STACK: &str = r#"
resource "aws_vpc" "net" {
  cidr_block = "10.9.0.0/16"
  tags = {
    Name = "drift-test"
  }
}
"#;

fn recon(moto: &Moto, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = moto.recon(dir).args(args).output().expect("run recon");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn vpc_id(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("state/stack.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["resources"][0]["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn name_tag(moto: &Moto, id: &str) -> Option<String> {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let out = ec2.describe_vpcs().vpc_ids(id).send().await.unwrap();
        out.vpcs()[0]
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .and_then(|t| t.value().map(str::to_string))
    })
}

#[test]
fn drift_is_shown_and_put_back() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("stack");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.hcl"), STACK).unwrap();

    let (code, out, err) = recon(&moto, &dir, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let id = vpc_id(&dir);

    // Someone edits the tag by hand.
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let tag = aws_sdk_ec2::types::Tag::builder()
            .key("Name")
            .value("edited-by-hand")
            .build();
        ec2.create_tags()
            .resources(&id)
            .tags(tag)
            .send()
            .await
            .unwrap();
    });

    let (code, out, _) = recon(&moto, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("Objects have changed outside of recon"),
        "{out}"
    );
    assert!(
        out.contains("\"edited-by-hand\""),
        "the drift shows the real value:\n{out}"
    );
    assert!(
        out.contains("aws_vpc.net will be updated in-place"),
        "{out}"
    );

    let (code, out, err) = recon(&moto, &dir, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(name_tag(&moto, &id).as_deref(), Some("drift-test"));
    let (code, out, _) = recon(&moto, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");

    // Someone deletes it: the plan re-creates it.
    runtime().block_on(async { ec2.delete_vpc().vpc_id(&id).send().await.unwrap() });
    let (code, out, _) = recon(&moto, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("aws_vpc.net has been deleted"), "{out}");
    assert!(out.contains("aws_vpc.net will be created"), "{out}");
    let (code, out, err) = recon(&moto, &dir, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let new_id = vpc_id(&dir);
    assert_ne!(new_id, id);
    assert_eq!(name_tag(&moto, &new_id).as_deref(), Some("drift-test"));
}

#[test]
fn refresh_only_accepts_drift_and_import_adopts_existing_objects() {
    let moto = Moto::start();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("stack");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.hcl"), STACK).unwrap();
    let (code, out, err) = recon(&moto, &dir, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let id = vpc_id(&dir);

    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    runtime().block_on(async {
        let tag = aws_sdk_ec2::types::Tag::builder()
            .key("Name")
            .value("edited-by-hand")
            .build();
        ec2.create_tags()
            .resources(&id)
            .tags(tag)
            .send()
            .await
            .unwrap();
    });

    // --refresh-only shows the drift and proposes nothing.
    let (code, out, _) = recon(
        &moto,
        &dir,
        &["plan", "--refresh-only", "--detailed-exitcode"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("\"edited-by-hand\""), "{out}");
    assert!(!out.contains("will be updated"), "{out}");

    // apply --refresh-only takes the real value into state and leaves AWS alone.
    let (code, out, err) = recon(&moto, &dir, &["apply", "--refresh-only", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state/stack.json")).unwrap())
            .unwrap();
    assert_eq!(
        state["resources"][0]["attributes"]["tags"]["Name"],
        "edited-by-hand"
    );
    assert_eq!(name_tag(&moto, &id).as_deref(), Some("edited-by-hand"));
    let (code, out, _) = recon(
        &moto,
        &dir,
        &["plan", "--refresh-only", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "{out}");

    // An object made outside recon is adopted by import under a block written for it.
    let outside = runtime().block_on(async {
        let out = ec2
            .create_vpc()
            .cidr_block("10.20.0.0/16")
            .send()
            .await
            .unwrap();
        out.vpc().unwrap().vpc_id().unwrap().to_string()
    });
    let stack = format!(
        "{STACK}\nresource \"aws_vpc\" \"adopted\" {{\n  cidr_block = \"10.20.0.0/16\"\n}}\n"
    );
    std::fs::write(dir.join("main.hcl"), stack).unwrap();
    let (code, out, err) = recon(&moto, &dir, &["import", "aws_vpc.adopted", &outside]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, _) = recon(&moto, &dir, &["plan"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("aws_vpc.adopted will be created"), "{out}");
    let (code, _, err) = recon(&moto, &dir, &["import", "aws_vpc.adopted", &outside]);
    assert_eq!(code, 1);
    assert!(err.contains("already managed"), "{err}");
    let (code, _, err) = recon(&moto, &dir, &["import", "aws_vpc.missing", &outside]);
    assert_eq!(code, 1);
    assert!(err.contains("no resource block aws_vpc.missing"), "{err}");

    // An import block in the stack: planned as "will be imported", adopted by apply.
    let third = runtime().block_on(async {
        let out = ec2
            .create_vpc()
            .cidr_block("10.30.0.0/16")
            .send()
            .await
            .unwrap();
        out.vpc().unwrap().vpc_id().unwrap().to_string()
    });
    let with_block = format!(
        "{}\nimport {{\n  to = aws_vpc.declared\n  id = \"{third}\"\n}}\n\nresource \"aws_vpc\" \"declared\" {{\n  cidr_block = \"10.30.0.0/16\"\n}}\n",
        std::fs::read_to_string(dir.join("main.hcl")).unwrap()
    );
    std::fs::write(dir.join("main.hcl"), with_block).unwrap();
    let (code, out, err) = recon(&moto, &dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains("aws_vpc.declared will be imported"), "{out}");
    assert!(out.contains("Plan: 1 to import,"), "{out}");
    let (code, out, err) = recon(&moto, &dir, &["apply", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, _) = recon(&moto, &dir, &["plan", "--detailed-exitcode"]);
    assert!(!out.contains("aws_vpc.declared will be"), "{out}");
    let _ = code;
    let state = std::fs::read_to_string(dir.join("state/stack.json")).unwrap();
    assert!(state.contains(&third), "the imported VPC is in state");
}
