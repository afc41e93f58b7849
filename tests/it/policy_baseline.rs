//! Every baseline policy (policies/*.hcl) against passing, failing and (where a
//! value can be known only after apply) unknown resources, evaluated the way
//! `recon check` does: statically, with the real resource schemas.

use recon::aws::{AwsProvider, Clients};
use recon::config::vars::{self, VarInputs};
use recon::config::Stack;
use recon::graph::ConfigGraph;
use recon::policy::{self, Outcome, Report};
use std::path::Path;

/// Declared in every case: `local.later` is a bool and `local.later_text` a string
/// known only after apply (they come from a KMS key that does not exist yet).
const PRELUDE: &str = r#"
resource "aws_kms_key" "later" {
  enable_key_rotation = true
}
locals {
  later      = aws_kms_key.later.arn != ""
  later_text = aws_kms_key.later.arn
}
"#;

fn check(src: &str) -> Report {
    let text = format!("{PRELUDE}\n{src}");
    let stack = Stack::from_sources(
        Path::new("/nonexistent/policy-test"),
        vec![("main.tf".into(), text)],
    )
    .unwrap_or_else(|e| {
        panic!(
            "{}\n{src}",
            e.0.iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    if let Err(e) = ConfigGraph::build(&stack) {
        panic!(
            "{}",
            e.0.iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        )
    }
    let vars = vars::resolve(&stack, &VarInputs::default()).unwrap();
    let provider = AwsProvider::new(&Clients::offline());
    let policies = policy::load(Path::new("/nonexistent/policy-test")).unwrap();
    let loaded = policy::check::Loaded::new(stack);
    policy::check_stack(&loaded, &vars, &provider, &policies).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.0.iter()
                .map(|d| d.render(false))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

use Outcome::{Error, Fail, Pass, Unknown};

/// (policy, address, expected result, resources)
type Case = (&'static str, &'static str, Outcome, &'static str);

fn run(cases: &[Case]) {
    let mut wrong = Vec::new();
    for (i, (policy_id, address, expected, src)) in cases.iter().enumerate() {
        let report = check(src);
        let found: Vec<&policy::Finding> = report
            .findings
            .iter()
            .filter(|f| report.policy(f).id == *policy_id && f.address.to_string() == *address)
            .collect();
        match found.as_slice() {
            [f] if f.outcome == *expected => {}
            [f] => wrong.push(format!("case {i}: {policy_id} on {address}: expected {expected:?}, got {:?} ({:?})\n{src}", f.outcome, f.detail)),
            _ => wrong.push(format!(
                "case {i}: {policy_id} on {address}: {} results (is the type registered?) notes: {:?}",
                found.len(),
                report.notes
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "{} case(s) wrong:\n\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
}

const SG: &str = "aws_security_group.s";
const RULE: &str = "aws_vpc_security_group_ingress_rule.r";

const LEGACY: &str = "aws_security_group_rule.r";

/// aws_security_group_rule: judged by its `type`, with several sources at once.
#[test]
fn legacy_rule_exposure() {
    let rule = |body: &'static str| -> &'static str {
        Box::leak(format!("resource \"aws_security_group_rule\" \"r\" {{\n  security_group_id = \"sg-1\"\n{body}}}").into_boxed_str())
    };
    run(&[
        (
            "sg_no_public_ssh",
            LEGACY,
            Fail,
            rule("  type = \"ingress\"\n  from_port = 22\n  to_port = 22\n  protocol = \"tcp\"\n  cidr_blocks = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n"),
        ),
        (
            "sg_no_public_ssh",
            LEGACY,
            Fail,
            rule("  type = \"ingress\"\n  from_port = 0\n  to_port = 65535\n  protocol = \"all\"\n  ipv6_cidr_blocks = [\"::/0\"]\n"),
        ),
        (
            "sg_no_public_all_ports",
            LEGACY,
            Fail,
            rule("  type = \"ingress\"\n  from_port = -1\n  to_port = -1\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n"),
        ),
        // Egress to the internet opens no port to it.
        (
            "sg_no_public_ssh",
            LEGACY,
            Pass,
            rule("  type = \"egress\"\n  from_port = 22\n  to_port = 22\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n"),
        ),
        (
            "sg_no_public_ssh",
            LEGACY,
            Pass,
            rule("  type = \"ingress\"\n  from_port = 22\n  to_port = 22\n  protocol = \"tcp\"\n  source_security_group_id = \"sg-2\"\n"),
        ),
        (
            "sg_no_public_rdp",
            LEGACY,
            Pass,
            rule("  type = \"ingress\"\n  from_port = 3389\n  to_port = 3389\n  protocol = \"tcp\"\n  self = true\n"),
        ),
        // Whether it is ingress at all is known only after apply.
        (
            "sg_no_public_ssh",
            LEGACY,
            Unknown,
            rule("  type = local.later ? \"ingress\" : \"egress\"\n  from_port = 22\n  to_port = 22\n  protocol = \"tcp\"\n  cidr_blocks = [\"0.0.0.0/0\"]\n"),
        ),
        (
            "sg_description",
            LEGACY,
            Fail,
            rule("  type = \"egress\"\n  from_port = 0\n  to_port = 0\n  protocol = \"-1\"\n  cidr_blocks = [\"10.0.0.0/8\"]\n"),
        ),
        (
            "sg_description",
            LEGACY,
            Pass,
            rule("  type = \"egress\"\n  from_port = 0\n  to_port = 0\n  protocol = \"-1\"\n  cidr_blocks = [\"10.0.0.0/8\"]\n  description = \"to the VPC\"\n"),
        ),
    ]);
}

#[test]
fn network_exposure() {
    run(&[
        (
            "sg_no_public_ssh",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  description = "no rules at all"
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8", "0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port        = 20
    to_port          = 25
    protocol         = "tcp"
    ipv6_cidr_blocks = ["::/0"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            SG,
            Unknown,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [local.later ? "0.0.0.0/0" : "10.0.0.0/8"]
  }
}"#,
        ),
        (
            "sg_no_public_ssh",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
        (
            "sg_no_public_ssh",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "-1"
  cidr_ipv6         = "::/0"
}"#,
        ),
        (
            "sg_no_public_ssh",
            RULE,
            Pass,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
        (
            "sg_no_public_ssh",
            RULE,
            Unknown,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = local.later ? "0.0.0.0/0" : "10.0.0.0/8"
}"#,
        ),
        (
            "sg_no_public_rdp",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 3389
    to_port     = 3389
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_rdp",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_rdp",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 3000
  to_port           = 4000
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
        (
            "sg_no_public_rdp",
            RULE,
            Unknown,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 3389
  to_port           = 3389
  cidr_ipv4         = local.later_text
}"#,
        ),
        (
            "sg_no_public_http",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_http",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_http",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
        (
            "sg_no_public_admin_ports",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 8000
    to_port     = 9000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_admin_ports",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 10000
  to_port           = 10000
  cidr_ipv6         = "::/0"
}"#,
        ),
        (
            "sg_no_public_admin_ports",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.1.0.0/16"]
  }
}"#,
        ),
        (
            "sg_no_public_all_ports",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 0
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_all_ports",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_no_public_all_ports",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
        (
            "sg_no_public_all_ports",
            RULE,
            Pass,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id            = "sg-1"
  ip_protocol                  = "-1"
  referenced_security_group_id = "sg-2"
}"#,
        ),
        (
            "sg_no_public_all_ports",
            RULE,
            Unknown,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = local.later ? "-1" : "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}"#,
        ),
    ]);
}

#[test]
fn descriptions_and_public_addresses() {
    run(&[
        (
            "sg_description",
            SG,
            // A rule without a description fails the group (Checkov's CKV_AWS_23).
            Fail,
            r#"resource "aws_security_group" "s" {
  description = "web tier"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}"#,
        ),
        // Checkov's semantics: every rule has a description, the group none.
        (
            "sg_description",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  egress {
    description = "HTTPS out"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_description",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}"#,
        ),
        (
            "sg_description",
            RULE,
            Fail,
            r#"resource "aws_vpc_security_group_ingress_rule" "r" {
  security_group_id = "sg-1"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
}"#,
        ),
        (
            "sg_description",
            "aws_vpc_security_group_egress_rule.e",
            Pass,
            r#"resource "aws_vpc_security_group_egress_rule" "e" {
  security_group_id = "sg-1"
  description       = "HTTPS to the VPC"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
}"#,
        ),
        (
            "sg_description",
            SG,
            Fail,
            r#"resource "aws_security_group" "s" {
  description = "web tier"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}"#,
        ),
        (
            "sg_description",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  description = "web tier"
  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}"#,
        ),
        (
            "subnet_no_public_ip_on_launch",
            "aws_subnet.a",
            Pass,
            r#"resource "aws_subnet" "a" {
  vpc_id     = "vpc-1"
  cidr_block = "10.0.1.0/24"
}"#,
        ),
        (
            "subnet_no_public_ip_on_launch",
            "aws_subnet.a",
            Fail,
            r#"resource "aws_subnet" "a" {
  vpc_id                  = "vpc-1"
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}"#,
        ),
        (
            "subnet_no_public_ip_on_launch",
            "aws_subnet.a",
            Unknown,
            r#"resource "aws_subnet" "a" {
  vpc_id                  = "vpc-1"
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = local.later
}"#,
        ),
        (
            "ec2_no_public_ip",
            "aws_instance.i",
            Pass,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}"#,
        ),
        (
            "ec2_no_public_ip",
            "aws_instance.i",
            Pass,
            r#"resource "aws_instance" "i" {
  ami                         = "ami-1"
  instance_type               = "t3.micro"
  associate_public_ip_address = false
}"#,
        ),
        (
            "ec2_no_public_ip",
            "aws_instance.i",
            Fail,
            r#"resource "aws_instance" "i" {
  ami                         = "ami-1"
  instance_type               = "t3.micro"
  associate_public_ip_address = true
}"#,
        ),
        (
            "ec2_no_public_ip",
            "aws_instance.i",
            Unknown,
            r#"resource "aws_instance" "i" {
  ami                         = "ami-1"
  instance_type               = "t3.micro"
  associate_public_ip_address = local.later
}"#,
        ),
        (
            "ec2_no_elastic_ip",
            "aws_eip.e",
            Fail,
            r#"resource "aws_eip" "e" {
  domain = "vpc"
}"#,
        ),
    ]);
}

const INSTANCE: &str = "aws_instance.i";
const TEMPLATE: &str = "aws_launch_template.t";

#[test]
fn instances_and_volumes() {
    run(&[
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Pass,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  metadata_options {
    http_tokens = "required"
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Pass,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  metadata_options {
    http_endpoint = "disabled"
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}"#,
        ),
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  metadata_options {
    http_put_response_hop_limit = 2
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  metadata_options {
    http_tokens = "optional"
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            INSTANCE,
            Unknown,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  metadata_options {
    http_tokens = local.later ? "required" : "optional"
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            TEMPLATE,
            Pass,
            r#"resource "aws_launch_template" "t" {
  name = "web"
  metadata_options {
    http_tokens = "required"
  }
}"#,
        ),
        (
            "ec2_imdsv2_required",
            TEMPLATE,
            Fail,
            r#"resource "aws_launch_template" "t" {
  name = "web"
}"#,
        ),
        (
            "ec2_imdsv2_required",
            TEMPLATE,
            Fail,
            r#"resource "aws_launch_template" "t" {
  name = "web"
  metadata_options {
    http_tokens = "optional"
  }
}"#,
        ),
        (
            "ec2_ebs_encrypted",
            INSTANCE,
            Pass,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = true
  }
  ebs_block_device {
    device_name = "/dev/sdg"
    snapshot_id = "snap-1"
  }
}"#,
        ),
        (
            "ec2_ebs_encrypted",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}"#,
        ),
        (
            "ec2_ebs_encrypted",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 20
  }
}"#,
        ),
        (
            "ec2_ebs_encrypted",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = true
  }
  ebs_block_device {
    device_name = "/dev/sdg"
    volume_size = 10
  }
}"#,
        ),
        (
            "ec2_ebs_encrypted",
            INSTANCE,
            Unknown,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = local.later
  }
}"#,
        ),
        // A key created in the same apply: its ARN is unknown, but it is set.
        (
            "ec2_ebs_cmk",
            INSTANCE,
            Pass,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    encrypted  = true
    kms_key_id = aws_kms_key.later.arn
  }
}"#,
        ),
        (
            "ec2_ebs_cmk",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
  root_block_device {
    encrypted = true
  }
}"#,
        ),
        (
            "ec2_ebs_cmk",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}"#,
        ),
        (
            "ec2_instance_profile",
            INSTANCE,
            Pass,
            r#"resource "aws_instance" "i" {
  ami                  = "ami-1"
  instance_type        = "t3.micro"
  iam_instance_profile = "ssm-managed"
}"#,
        ),
        (
            "ec2_instance_profile",
            INSTANCE,
            Pass,
            r#"resource "aws_iam_instance_profile" "p" {
  role = "ssm"
}
resource "aws_instance" "i" {
  ami                  = "ami-1"
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.p.name
}"#,
        ),
        (
            "ec2_instance_profile",
            INSTANCE,
            Fail,
            r#"resource "aws_instance" "i" {
  ami           = "ami-1"
  instance_type = "t3.micro"
}"#,
        ),
        (
            "ebs_volume_encrypted",
            "aws_ebs_volume.v",
            Pass,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
}"#,
        ),
        (
            "ebs_volume_encrypted",
            "aws_ebs_volume.v",
            Fail,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
}"#,
        ),
        (
            "ebs_volume_encrypted",
            "aws_ebs_volume.v",
            Unknown,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = local.later
}"#,
        ),
        (
            "ebs_volume_cmk",
            "aws_ebs_volume.v",
            Pass,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
  kms_key_id        = aws_kms_key.later.arn
}"#,
        ),
        (
            "ebs_volume_cmk",
            "aws_ebs_volume.v",
            Fail,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
}"#,
        ),
        (
            "volume_attachment_encrypted",
            "aws_volume_attachment.a",
            Pass,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
}
resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.v.id
  instance_id = "i-1"
}"#,
        ),
        (
            "volume_attachment_encrypted",
            "aws_volume_attachment.a",
            Fail,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
}
resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.v.id
  instance_id = "i-1"
}"#,
        ),
        // Through a local, and one of several volumes.
        (
            "volume_attachment_encrypted",
            "aws_volume_attachment.a",
            Fail,
            r#"resource "aws_ebs_volume" "ok" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
}
resource "aws_ebs_volume" "plain" {
  availability_zone = "us-east-1a"
  size              = 10
}
locals {
  data_volume = aws_ebs_volume.plain.id
}
resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = local.data_volume
  instance_id = "i-1"
}"#,
        ),
        (
            "volume_attachment_encrypted",
            "aws_volume_attachment.a",
            Unknown,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = local.later
}
resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.v.id
  instance_id = "i-1"
}"#,
        ),
        // Judged on the volume (Checkov's CKV2_AWS_2): attached and not encrypted.
        (
            "ebs_attached_volume_encrypted",
            "aws_ebs_volume.v",
            Fail,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
}
resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.v.id
  instance_id = "i-1"
}"#,
        ),
        (
            "ebs_attached_volume_encrypted",
            "aws_ebs_volume.v",
            Pass,
            r#"resource "aws_ebs_volume" "v" {
  availability_zone = "us-east-1a"
  size              = 10
}"#,
        ),
        // A volume outside the stack cannot be judged here.
        (
            "volume_attachment_encrypted",
            "aws_volume_attachment.a",
            Unknown,
            r#"resource "aws_volume_attachment" "a" {
  device_name = "/dev/sdf"
  volume_id   = "vol-0123456789abcdef0"
  instance_id = "i-1"
}"#,
        ),
    ]);
}

const KEY: &str = "aws_kms_key.k";

#[test]
fn kms_keys() {
    run(&[
        (
            "kms_key_rotation",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  enable_key_rotation = true
}"#,
        ),
        (
            "kms_key_rotation",
            KEY,
            Fail,
            r#"resource "aws_kms_key" "k" {
  description = "no rotation"
}"#,
        ),
        (
            "kms_key_rotation",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}"#,
        ),
        (
            "kms_key_rotation",
            KEY,
            Unknown,
            r#"resource "aws_kms_key" "k" {
  enable_key_rotation = local.later
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  enable_key_rotation = true
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "Root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Fail,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }]
  })
}"#,
        ),
        // The standalone policy type is judged alike.
        (
            "kms_key_no_public_principal",
            "aws_kms_key_policy.p",
            Fail,
            r#"resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "aws_kms_key_policy" "p" {
  key_id = aws_kms_key.k.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "kms:Decrypt", Resource = "*" }]
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            "aws_kms_key_policy.p",
            Pass,
            r#"resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "aws_kms_key_policy" "p" {
  key_id = aws_kms_key.k.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Fail,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = { Principal = { AWS = ["arn:aws:iam::123456789012:root", "*"] }, Action = "kms:*", Resource = "*" }
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = ["kms:Encrypt", "kms:Decrypt"]
      Resource  = "*"
      Condition = { StringEquals = { "kms:CallerAccount" = "123456789012" } }
    }]
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = [{ Effect = "Deny", Principal = "*", Action = "kms:ScheduleKeyDeletion", Resource = "*" }]
  })
}"#,
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Unknown,
            r#"resource "aws_kms_key" "k" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = local.later_text }, Action = "kms:*", Resource = "*" }]
  })
}"#,
        ),
        (
            "kms_key_enabled",
            KEY,
            Pass,
            r#"resource "aws_kms_key" "k" {}"#,
        ),
        (
            "kms_key_enabled",
            KEY,
            Fail,
            r#"resource "aws_kms_key" "k" {
  is_enabled = false
}"#,
        ),
        (
            "kms_key_enabled",
            KEY,
            Unknown,
            r#"resource "aws_kms_key" "k" {
  is_enabled = local.later
}"#,
        ),
    ]);
}

const POLICY: &str = "aws_iam_policy.p";
const ROLE: &str = "aws_iam_role.r";

#[test]
fn iam() {
    run(&[
        (
            "iam_no_wildcard_action",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }] })
}"#,
        ),
        (
            "iam_no_wildcard_action",
            POLICY,
            Fail,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::b/*" }] })
}"#,
        ),
        (
            "iam_no_wildcard_action",
            POLICY,
            Fail,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = { Action = ["s3:GetObject", "*"], Resource = "*" } })
}"#,
        ),
        (
            "iam_no_wildcard_action",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "*", Resource = "*" }] })
}"#,
        ),
        (
            "iam_no_wildcard_action",
            "aws_iam_role_policy.rp",
            Fail,
            r#"resource "aws_iam_role_policy" "rp" {
  role   = "r"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}"#,
        ),
        (
            "iam_no_wildcard_action",
            POLICY,
            Unknown,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = local.later ? "*" : "s3:GetObject", Resource = "*" }] })
}"#,
        ),
        // Built with jsonencode from a value known only after apply: the known
        // actions are judged already.
        (
            "iam_no_wildcard_action",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["ec2:StartInstances"], Resource = local.later_text }] })
}"#,
        ),
        (
            "iam_no_admin_policy",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = local.later_text }] })
}"#,
        ),
        (
            "iam_no_admin_policy",
            POLICY,
            Fail,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}"#,
        ),
        (
            "iam_no_admin_policy",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::b" }] })
}"#,
        ),
        (
            "iam_no_admin_policy",
            POLICY,
            Pass,
            r#"resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}"#,
        ),
        (
            "iam_no_administrator_access",
            "aws_iam_role_policy_attachment.a",
            Fail,
            r#"resource "aws_iam_role_policy_attachment" "a" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}"#,
        ),
        (
            "iam_no_administrator_access",
            "aws_iam_role_policy_attachment.a",
            Pass,
            r#"resource "aws_iam_role_policy_attachment" "a" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}"#,
        ),
        (
            "iam_no_administrator_access",
            "aws_iam_role_policy_attachment.a",
            Unknown,
            r#"resource "aws_iam_role_policy_attachment" "a" {
  role       = "r"
  policy_arn = local.later_text
}"#,
        ),
        (
            "iam_no_administrator_access",
            ROLE,
            Pass,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_github_oidc_scoped",
            ROLE,
            Pass,
            r#"resource "aws_iam_role" "r" {
  name               = "deploy"
  assume_role_policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Action    = "sts:AssumeRoleWithWebIdentity"
    Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
    Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/site:*" } }
  }] })
}"#,
        ),
        (
            "iam_github_oidc_scoped",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  name               = "deploy"
  assume_role_policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Action    = "sts:AssumeRoleWithWebIdentity"
    Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
    Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme*" } }
  }] })
}"#,
        ),
        (
            "iam_github_oidc_scoped",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  name               = "deploy"
  assume_role_policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Action    = "sts:AssumeRoleWithWebIdentity"
    Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
    Condition = { StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" } }
  }] })
}"#,
        ),
        (
            "iam_github_oidc_scoped",
            ROLE,
            Unknown,
            r#"resource "aws_iam_role" "r" {
  name               = "deploy"
  assume_role_policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Action    = "sts:AssumeRoleWithWebIdentity"
    Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
    Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = local.later_text } }
  }] })
}"#,
        ),
        (
            "iam_trust_not_public",
            ROLE,
            Pass,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_public",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_public",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_public",
            ROLE,
            Unknown,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = local.later_text }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_whole_account",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_whole_account",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = ["123456789012"] }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_whole_account",
            ROLE,
            Pass,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/deployer" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        (
            "iam_trust_not_whole_account",
            ROLE,
            // Checkov 3.3.30: an external id narrows nothing inside the account.
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Principal = { AWS = "arn:aws:iam::123456789012:root" }
    Action    = "sts:AssumeRole"
    Condition = { StringEquals = { "sts:ExternalId" = "partner-42" } }
  }] })
}"#,
        ),
        (
            "iam_trust_not_whole_account",
            ROLE,
            Pass,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}"#,
        ),
    ]);
}

const BUCKET: &str = "aws_s3_bucket.b";
const PAB: &str = "aws_s3_bucket_public_access_block.b";

const PAB_ALL: &str = r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}"#;

#[test]
fn s3() {
    run(&[
        ("s3_block_public_acls", PAB, Pass, PAB_ALL),
        ("s3_block_public_policy", PAB, Pass, PAB_ALL),
        ("s3_ignore_public_acls", PAB, Pass, PAB_ALL),
        ("s3_restrict_public_buckets", PAB, Pass, PAB_ALL),
        ("s3_bucket_public_access_block", BUCKET, Pass, PAB_ALL),
        (
            "s3_block_public_acls",
            PAB,
            Fail,
            r#"resource "aws_s3_bucket_public_access_block" "b" {
  bucket = "backups"
}"#,
        ),
        (
            "s3_block_public_policy",
            PAB,
            Fail,
            r#"resource "aws_s3_bucket_public_access_block" "b" {
  bucket              = "backups"
  block_public_policy = false
}"#,
        ),
        (
            "s3_ignore_public_acls",
            PAB,
            Fail,
            r#"resource "aws_s3_bucket_public_access_block" "b" {
  bucket = "backups"
}"#,
        ),
        (
            "s3_restrict_public_buckets",
            PAB,
            Unknown,
            r#"resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = "backups"
  restrict_public_buckets = local.later
}"#,
        ),
        (
            "s3_bucket_public_access_block",
            BUCKET,
            Fail,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}"#,
        ),
        (
            "s3_bucket_public_access_block",
            BUCKET,
            Fail,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket            = aws_s3_bucket.b.id
  block_public_acls = true
}"#,
        ),
        // A block for another bucket does not count.
        (
            "s3_bucket_public_access_block",
            BUCKET,
            Fail,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket" "other" {
  bucket = "other"
}
resource "aws_s3_bucket_public_access_block" "other" {
  bucket              = aws_s3_bucket.other.id
  block_public_acls   = true
  block_public_policy = true
}"#,
        ),
        (
            "s3_bucket_public_access_block",
            BUCKET,
            Unknown,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket              = aws_s3_bucket.b.id
  block_public_acls   = true
  block_public_policy = local.later
}"#,
        ),
        (
            "s3_bucket_encryption",
            BUCKET,
            Pass,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.bucket
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.later.arn
    }
  }
}"#,
        ),
        (
            "s3_bucket_encryption",
            BUCKET,
            // AWS's default SSE-S3 (Checkov's CKV_AWS_19 alike).
            Pass,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}"#,
        ),
        (
            "s3_bucket_versioning",
            BUCKET,
            Pass,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Enabled"
  }
}"#,
        ),
        (
            "s3_bucket_versioning",
            BUCKET,
            Fail,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = "Suspended"
  }
}"#,
        ),
        (
            "s3_bucket_versioning",
            BUCKET,
            Fail,
            r#"resource "aws_s3_bucket" "b" {
  bucket = "backups"
}"#,
        ),
        (
            "s3_bucket_policy_no_lockout",
            "aws_s3_bucket_policy.p",
            Fail,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = { AWS = ["*"] }, Action = ["s3:GetObject", "s3:Put*"], Resource = "arn:aws:s3:::backups" }] })
}"#,
        ),
        (
            "s3_bucket_policy_no_lockout",
            "aws_s3_bucket_policy.p",
            Fail,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", NotAction = "s3:GetObject", Resource = "arn:aws:s3:::backups" }] })
}"#,
        ),
        (
            "s3_bucket_policy_no_lockout",
            "aws_s3_bucket_policy.p",
            Pass,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{
    Effect    = "Deny"
    Principal = "*"
    Action    = "s3:*"
    Resource  = "arn:aws:s3:::backups"
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }] })
}"#,
        ),
        (
            "s3_bucket_policy_no_lockout",
            "aws_s3_bucket_policy.p",
            Pass,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:DeleteObject", Resource = "arn:aws:s3:::backups/*" }] })
}"#,
        ),
        (
            "s3_bucket_policy_no_lockout",
            "aws_s3_bucket_policy.p",
            Unknown,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Deny", Principal = "*", Action = local.later_text, Resource = "arn:aws:s3:::backups" }] })
}"#,
        ),
        (
            "s3_bucket_policy_not_public",
            "aws_s3_bucket_policy.p",
            Fail,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::backups/*" }] })
}"#,
        ),
        (
            "s3_bucket_policy_not_public",
            "aws_s3_bucket_policy.p",
            Pass,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{
    Effect    = "Allow"
    Principal = { AWS = "*" }
    Action    = "s3:GetObject"
    Resource  = "arn:aws:s3:::backups/*"
    Condition = { StringEquals = { "aws:SourceVpce" = "vpce-1" } }
  }] })
}"#,
        ),
        (
            "s3_bucket_policy_not_public",
            "aws_s3_bucket_policy.p",
            Pass,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/reader" }, Action = "s3:GetObject", Resource = "arn:aws:s3:::backups/*" }] })
}"#,
        ),
        (
            "s3_bucket_policy_not_public",
            "aws_s3_bucket_policy.p",
            Unknown,
            r#"resource "aws_s3_bucket_policy" "p" {
  bucket = "backups"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = local.later_text }, Action = "s3:GetObject", Resource = "arn:aws:s3:::backups/*" }] })
}"#,
        ),
    ]);
}

const FUNCTION: &str = "aws_lambda_function.f";

#[test]
fn lambda() {
    run(&[
        (
            "lambda_tracing",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  tracing_config {
    mode = "Active"
  }
}"#,
        ),
        (
            "lambda_tracing",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  tracing_config {
    mode = "PassThrough"
  }
}"#,
        ),
        (
            "lambda_tracing",
            FUNCTION,
            Fail,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
}"#,
        ),
        (
            "lambda_tracing",
            FUNCTION,
            Unknown,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  tracing_config {
    mode = local.later ? "Active" : "None"
  }
}"#,
        ),
        (
            "lambda_environment_encrypted",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
}"#,
        ),
        (
            "lambda_environment_encrypted",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  kms_key_arn   = aws_kms_key.later.arn
  environment {
    variables = { MODE = "prod" }
  }
}"#,
        ),
        (
            "lambda_environment_encrypted",
            FUNCTION,
            Fail,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  environment {
    variables = { MODE = "prod" }
  }
}"#,
        ),
        (
            "lambda_dead_letter",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  dead_letter_config {
    target_arn = "arn:aws:sqs:us-east-1:123456789012:dlq"
  }
}"#,
        ),
        (
            "lambda_dead_letter",
            FUNCTION,
            Fail,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
}"#,
        ),
        (
            "lambda_reserved_concurrency",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name                  = "f"
  role                           = "arn:aws:iam::123456789012:role/f"
  reserved_concurrent_executions = 5
}"#,
        ),
        (
            "lambda_reserved_concurrency",
            FUNCTION,
            Fail,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
}"#,
        ),
        (
            "lambda_permission_not_public",
            "aws_lambda_permission.p",
            Pass,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "events.amazonaws.com"
}"#,
        ),
        (
            "lambda_permission_not_public",
            "aws_lambda_permission.p",
            Fail,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "*"
}"#,
        ),
        (
            "lambda_permission_not_public",
            "aws_lambda_permission.p",
            Unknown,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = local.later_text
}"#,
        ),
        (
            "lambda_permission_source_limited",
            "aws_lambda_permission.p",
            Fail,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "s3.amazonaws.com"
}"#,
        ),
        (
            "lambda_permission_source_limited",
            "aws_lambda_permission.p",
            Pass,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "events.amazonaws.com"
  source_arn    = local.later_text
}"#,
        ),
        (
            "lambda_permission_source_limited",
            "aws_lambda_permission.p",
            Pass,
            r#"resource "aws_lambda_permission" "p" {
  action         = "lambda:InvokeFunction"
  function_name  = "f"
  principal      = "logs.us-east-1.amazonaws.com"
  source_account = "123456789012"
}"#,
        ),
        (
            "lambda_permission_source_limited",
            "aws_lambda_permission.p",
            Pass,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "123456789012"
}"#,
        ),
        (
            "lambda_permission_source_limited",
            "aws_lambda_permission.p",
            Unknown,
            r#"resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = local.later_text
}"#,
        ),
        (
            "lambda_runtime_supported",
            FUNCTION,
            Fail,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.8"
}"#,
        ),
        (
            "lambda_runtime_supported",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
}"#,
        ),
        (
            "lambda_runtime_supported",
            FUNCTION,
            Pass,
            r#"resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  package_type  = "Image"
  image_uri     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"
}"#,
        ),
    ]);
}

const FUNCTION_URL: &str = "aws_lambda_function_url.u";

#[test]
fn lambda_function_url() {
    run(&[
        (
            "lambda_function_url_auth",
            FUNCTION_URL,
            Pass,
            r#"resource "aws_lambda_function_url" "u" {
  function_name      = "f"
  authorization_type = "AWS_IAM"
}"#,
        ),
        (
            "lambda_function_url_auth",
            FUNCTION_URL,
            Fail,
            r#"resource "aws_lambda_function_url" "u" {
  function_name      = "f"
  authorization_type = "NONE"
  cors {
    allow_origins = ["*"]
  }
}"#,
        ),
        (
            "lambda_function_url_auth",
            FUNCTION_URL,
            Unknown,
            r#"resource "aws_lambda_function_url" "u" {
  function_name      = "f"
  authorization_type = local.later ? "AWS_IAM" : "NONE"
}"#,
        ),
    ]);
}

const QUEUE: &str = "aws_sqs_queue.q";
const QUEUE_POLICY: &str = "aws_sqs_queue_policy.p";

#[test]
fn sqs() {
    run(&[
        (
            "sqs_encrypted",
            QUEUE,
            Pass,
            r#"resource "aws_sqs_queue" "q" {
  name              = "q"
  kms_master_key_id = aws_kms_key.later.arn
}"#,
        ),
        (
            "sqs_encrypted",
            QUEUE,
            Pass,
            r#"resource "aws_sqs_queue" "q" {
  name                    = "q"
  sqs_managed_sse_enabled = true
}"#,
        ),
        (
            "sqs_encrypted",
            QUEUE,
            Fail,
            r#"resource "aws_sqs_queue" "q" {
  name = "q"
}"#,
        ),
        (
            "sqs_encrypted",
            QUEUE,
            Fail,
            r#"resource "aws_sqs_queue" "q" {
  name                    = "q"
  sqs_managed_sse_enabled = false
}"#,
        ),
        (
            "sqs_encrypted",
            QUEUE,
            Unknown,
            r#"resource "aws_sqs_queue" "q" {
  name                    = "q"
  sqs_managed_sse_enabled = local.later
}"#,
        ),
        (
            "sqs_policy_not_public",
            QUEUE_POLICY,
            Fail,
            r#"resource "aws_sqs_queue_policy" "p" {
  queue_url = local.later
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }]
  })
}"#,
        ),
        (
            "sqs_policy_not_public",
            QUEUE_POLICY,
            Pass,
            r#"resource "aws_sqs_queue_policy" "p" {
  queue_url = local.later
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "sqs:SendMessage"
      Resource  = "*"
      Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:sns:us-east-1:123456789012:topic" } }
    }]
  })
}"#,
        ),
        (
            "sqs_policy_not_public",
            QUEUE,
            Fail,
            r#"resource "aws_sqs_queue" "q" {
  name   = "q"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sqs:*", Resource = "*" }]
  })
}"#,
        ),
        (
            "sqs_policy_not_public",
            QUEUE,
            Pass,
            r#"resource "aws_sqs_queue" "q" {
  name = "q"
}"#,
        ),
        (
            "sqs_policy_not_public",
            QUEUE_POLICY,
            Pass,
            r#"resource "aws_sqs_queue_policy" "p" {
  queue_url = local.later
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sqs:SendMessage", Resource = "*" }]
  })
}"#,
        ),
    ]);
}

const LOG_GROUP: &str = "aws_cloudwatch_log_group.g";

#[test]
fn logs() {
    run(&[
        (
            "log_group_kms_encrypted",
            LOG_GROUP,
            Pass,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name       = "/app"
  kms_key_id = aws_kms_key.later.arn
}"#,
        ),
        (
            "log_group_kms_encrypted",
            LOG_GROUP,
            Fail,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name = "/app"
}"#,
        ),
        (
            "log_group_retention_year",
            LOG_GROUP,
            Pass,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name              = "/app"
  retention_in_days = 365
}"#,
        ),
        (
            "log_group_retention_year",
            LOG_GROUP,
            Pass,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name              = "/app"
  retention_in_days = 0
}"#,
        ),
        // Unset is never expire (Checkov fails it).
        (
            "log_group_retention_year",
            LOG_GROUP,
            Pass,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name = "/app"
}"#,
        ),
        (
            "log_group_retention_year",
            LOG_GROUP,
            Fail,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name              = "/app"
  retention_in_days = 14
}"#,
        ),
        (
            "log_group_retention_year",
            LOG_GROUP,
            Unknown,
            r#"resource "aws_cloudwatch_log_group" "g" {
  name              = "/app"
  retention_in_days = local.later ? 365 : 14
}"#,
        ),
    ]);
}

/// Configurations that once passed although they open things to everyone (issue
/// 12): each must FAIL, ERROR or at least not PASS.
#[test]
fn dangerous_configurations_do_not_pass() {
    const OPEN_ATTR: &str = r#"resource "aws_security_group" "s" {
  description = "attribute syntax"
  ingress = [{ from_port = 0, to_port = 0, protocol = "-1", cidr_blocks = ["0.0.0.0/0"], ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false, description = "" }]
}"#;
    const KMS_ANYONE: &str = r#"resource "aws_kms_key" "k" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = PRINCIPAL, Action = "kms:Decrypt", Resource = "*" }] })
}"#;
    let kms =
        |principal: &str| -> &'static str { KMS_ANYONE.replace("PRINCIPAL", principal).leak() };
    let bucket_policy = |condition: &str| -> &'static str {
        format!(
            r#"resource "aws_s3_bucket_policy" "p" {{
  bucket = "b"
  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Principal = {{ AWS = "*" }}, Action = "s3:GetObject", Resource = "arn:aws:s3:::b/*", Condition = {condition} }}] }})
}}"#
        )
        .leak()
    };
    const BUCKET_POLICY: &str = "aws_s3_bucket_policy.p";
    // An ingress rule resource of group sg-1 with these arguments.
    let rule = |args: &[&str]| -> &'static str {
        let body = args.join("\n  ");
        format!("resource \"aws_vpc_security_group_ingress_rule\" \"r\" {{\n  security_group_id = \"sg-1\"\n  {body}\n}}").leak()
    };
    // A security group with one ingress block of these arguments.
    let ingress = |args: &[&str]| -> &'static str {
        let body = args.join("\n    ");
        format!("resource \"aws_security_group\" \"s\" {{\n  ingress {{\n    {body}\n  }}\n}}")
            .leak()
    };
    run(&[
        // Blocks written as an argument are the same blocks.
        ("sg_no_public_all_ports", SG, Fail, OPEN_ATTR),
        ("sg_no_public_ssh", SG, Fail, OPEN_ATTR),
        ("sg_description", SG, Fail, OPEN_ATTR),
        (
            "sg_no_public_ssh",
            SG,
            Pass,
            r#"resource "aws_security_group" "s" {
  ingress = [{ from_port = 22, to_port = 22, protocol = "tcp", cidr_blocks = ["10.0.0.0/8"] }]
}"#,
        ),
        // A /0 of any address is the internet (AWS canonicalises the CIDR).
        (
            "sg_no_public_http",
            SG,
            Fail,
            ingress(&[
                "from_port = 80",
                "to_port = 80",
                r#"protocol = "tcp""#,
                r#"cidr_blocks = ["10.1.2.3/0"]"#,
            ]),
        ),
        (
            "sg_no_public_ssh",
            SG,
            Fail,
            ingress(&[
                "from_port = 22",
                "to_port = 22",
                r#"protocol = "tcp""#,
                r#"ipv6_cidr_blocks = ["2001:db8::1/0"]"#,
            ]),
        ),
        (
            "sg_no_public_rdp",
            RULE,
            Fail,
            rule(&[
                r#"ip_protocol = "tcp""#,
                "from_port = 3389",
                "to_port = 3389",
                r#"cidr_ipv4 = "192.168.1.5/0""#,
            ]),
        ),
        // -1/-1 over tcp is every port.
        (
            "sg_no_public_all_ports",
            SG,
            Fail,
            ingress(&[
                r#"from_port = -1"#,
                r#"to_port = -1"#,
                r#"protocol = "tcp""#,
                r#"cidr_blocks = ["0.0.0.0/0"]"#,
            ]),
        ),
        (
            "sg_no_public_all_ports",
            RULE,
            Fail,
            rule(&[
                r#"ip_protocol = "tcp""#,
                "from_port = -1",
                "to_port = -1",
                r#"cidr_ipv4 = "0.0.0.0/0""#,
            ]),
        ),
        // Neither a source nor a port: AWS refuses it; it cannot pass.
        (
            "sg_no_public_ssh",
            RULE,
            Unknown,
            rule(&[r#"ip_protocol = "tcp""#]),
        ),
        // Every spelling of "anyone".
        (
            "kms_key_no_public_principal",
            KEY,
            Fail,
            kms(r#"["foo", "*"]"#),
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Fail,
            kms(r#"{ AWS = ["*"] }"#),
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Fail,
            kms(r#"{ AWS = "*" }"#),
        ),
        (
            "kms_key_no_public_principal",
            KEY,
            Pass,
            kms(r#"{ AWS = "arn:aws:iam::123456789012:root" }"#),
        ),
        // A policy that is not valid JSON is never "no statements".
        (
            "kms_key_no_public_principal",
            KEY,
            Error,
            r#"resource "aws_kms_key" "k" {
  policy = <<EOF
{ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*" }], }
EOF
}"#,
        ),
        (
            "iam_no_wildcard_action",
            POLICY,
            Error,
            r#"resource "aws_iam_policy" "p" {
  policy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},]}"
}"#,
        ),
        (
            "iam_trust_not_public",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { AWS = ["arn:aws:iam::123456789012:root", "*"] }, Action = "sts:AssumeRole" }] })
}"#,
        ),
        // Only a Condition that narrows who counts.
        (
            "s3_bucket_policy_not_public",
            BUCKET_POLICY,
            Fail,
            bucket_policy(r#"{ StringLike = { "aws:PrincipalArn" = "arn:aws:iam::*" } }"#),
        ),
        (
            "s3_bucket_policy_not_public",
            BUCKET_POLICY,
            Fail,
            bucket_policy(r#"{ Bool = { "aws:SecureTransport" = "true" } }"#),
        ),
        (
            "s3_bucket_policy_not_public",
            BUCKET_POLICY,
            Pass,
            bucket_policy(r#"{ StringEquals = { "aws:PrincipalOrgID" = "o-abc123" } }"#),
        ),
        (
            "iam_no_administrator_access",
            ROLE,
            Fail,
            r#"resource "aws_iam_role" "r" {
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"]
}"#,
        ),
        // A missing attribute gives a result, not an error.
        (
            "iam_no_administrator_access",
            "aws_iam_role_policy_attachment.a",
            Pass,
            r#"resource "aws_iam_role_policy_attachment" "a" {
  role = "r"
}"#,
        ),
        (
            "s3_bucket_encryption",
            "aws_s3_bucket.b",
            Fail,
            r#"resource "aws_s3_bucket" "b" {}
resource "aws_s3_bucket_server_side_encryption_configuration" "e" {
  bucket = aws_s3_bucket.b.id
  rule {
    bucket_key_enabled = true
  }
}"#,
        ),
    ]);
}

#[test]
fn every_baseline_policy_is_tested() {
    let source = include_str!("policy_baseline.rs");
    let policies = policy::load(Path::new("/nonexistent/policy-test")).unwrap();
    let untested: Vec<&str> = policies
        .policies
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| !source.contains(&format!("\"{id}\",")))
        .collect();
    assert!(
        untested.is_empty(),
        "baseline policies without test cases: {untested:?}"
    );
}

const TOPIC: &str = "aws_sns_topic.t";

#[test]
fn sns() {
    run(&[
        (
            "sns_topic_encrypted",
            TOPIC,
            Pass,
            r#"resource "aws_sns_topic" "t" {
  name              = "t"
  kms_master_key_id = "alias/aws/sns"
}"#,
        ),
        // A key known only at apply is configured.
        (
            "sns_topic_encrypted",
            TOPIC,
            Pass,
            r#"resource "aws_sns_topic" "t" {
  name              = "t"
  kms_master_key_id = aws_kms_key.later.arn
}"#,
        ),
        (
            "sns_topic_encrypted",
            TOPIC,
            Fail,
            r#"resource "aws_sns_topic" "t" {
  name = "t"
}"#,
        ),
        (
            "sns_topic_encrypted",
            TOPIC,
            Fail,
            r#"resource "aws_sns_topic" "t" {
  name              = "t"
  kms_master_key_id = ""
}"#,
        ),
    ]);
}
