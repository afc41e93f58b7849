//! The fault proxy (tests/moto/faultproxy.py) in front of moto: recon's apply
//! gets through a throttled call, and the proxy's log shows what happened.

use crate::common::{ok, runtime, write_stack, FaultProxy, Moto};
use serde_json::json;

const STACK: &str = r#"
resource "aws_vpc" "net" {
  cidr_block = "10.42.0.0/16"
  tags = {
    Name = "fault-proxy"
  }
}
"#;

#[test]
fn apply_and_plan_get_through_a_throttled_describe() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto);
    proxy.set_rules(json!([
        {"operation": "DescribeVpcs", "service": "ec2", "fault": "throttle", "times": 1}
    ]));
    let work = tempfile::tempdir().unwrap();
    let stack = write_stack(work.path(), "net", STACK);

    ok(proxy.run(work.path(), &stack, &["apply", "--auto-approve"]));
    // A plan reads the VPC back (DescribeVpcs) whether or not apply did.
    let plan = proxy.run(work.path(), &stack, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("No changes."), "{}", plan.all());

    let log = proxy.log();
    let describes: Vec<_> = log
        .iter()
        .filter(|e| e["operation"] == "DescribeVpcs")
        .collect();
    let throttled: Vec<_> = describes
        .iter()
        .filter(|e| e["fault"] == "throttle")
        .collect();
    assert_eq!(throttled.len(), 1, "{log:#?}");
    assert_eq!(throttled[0]["service"], "ec2");
    assert_eq!(throttled[0]["status"], 503);
    // The throttled call was retried and later ones passed.
    let after = throttled[0]["seq"].as_u64().unwrap();
    let retried = describes
        .iter()
        .any(|e| e["fault"].is_null() && e["status"] == 200 && e["seq"].as_u64().unwrap() > after);
    assert!(retried, "{log:#?}");
    let creates = proxy.calls("CreateVpc");
    assert_eq!(creates.len(), 1, "{log:#?}");
    assert_eq!(creates[0]["status"], 200);
    assert_eq!(proxy.rules()[0]["injected"], 1);

    // Exactly one VPC with the stack's tag, asked of moto directly.
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config());
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("tag:Name")
        .values("fault-proxy")
        .build();
    let vpcs = runtime()
        .block_on(ec2.describe_vpcs().filters(filter).send())
        .unwrap();
    assert_eq!(vpcs.vpcs().len(), 1);

    proxy.clear();
    assert!(proxy.log().is_empty());
    assert!(proxy.rules().is_empty());
}
