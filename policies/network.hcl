# Baseline: network exposure. Security groups (inline ingress blocks, or
# `ingress = [{ ... }]`), aws_security_group_rule (type = "ingress") and
# aws_vpc_security_group_ingress_rule resources are (through ingress_rules)
# checked alike by closed_to_internet (src/policy/functions.rs): a rule is open to
# the world when its source is a /0 network (CIDRs are read as AWS stores them:
# 10.1.2.3/0 is 0.0.0.0/0), and it covers a port when its protocol is -1 ("all"),
# its range includes the port, or its ports are 0-0 or -1/-1 (Checkov reads those
# as every port). A rule with no source, or tcp with no ports, is not decided.

policy "sg_no_public_ssh" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_24"
  message        = "Security groups must not allow SSH (port 22) from 0.0.0.0/0 or ::/0; reach instances through SSM Session Manager or a known address range"
  condition = alltrue([
    for r in ingress_rules(resource.type, self) : closed_to_internet(r, [22])
  ])
}

policy "sg_no_public_rdp" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_25"
  message        = "Security groups must not allow RDP (port 3389) from 0.0.0.0/0 or ::/0"
  condition = alltrue([
    for r in ingress_rules(resource.type, self) : closed_to_internet(r, [3389])
  ])
}

policy "sg_no_public_http" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_260"
  message        = "Security groups must not allow HTTP (port 80) from 0.0.0.0/0 or ::/0; put public web traffic behind a load balancer or CDN"
  condition = alltrue([
    for r in ingress_rules(resource.type, self) : closed_to_internet(r, [80])
  ])
}

# Web consoles and admin APIs that commonly listen on these ports.
policy "sg_no_public_admin_ports" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
  severity       = "medium"
  message        = "Security groups must not open HTTP admin ports (8080, 8443, 8888, 9090, 9443, 10000) to 0.0.0.0/0 or ::/0"
  condition = alltrue([
    for r in ingress_rules(resource.type, self) : closed_to_internet(r, [8080, 8443, 8888, 9090, 9443, 10000])
  ])
}

policy "sg_no_public_all_ports" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_277"
  message        = "Security groups must not allow every port (protocol -1 or 0-65535) from 0.0.0.0/0 or ::/0"
  condition = alltrue([
    for r in ingress_rules(resource.type, self) : closed_to_internet(r, "all")
  ])
}

# Checkov's semantics (CKV_AWS_23): a security group needs a description of its
# own and one on every inline rule; a separate rule resource needs its own. The
# provider's default ("Managed by recon" / "Managed by Terraform") is none.
policy "sg_description" {
  resource_types = ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
  severity       = "low"
  checkov_id     = "CKV_AWS_23"
  message        = "Security groups and each of their rules must say what they are for (description on the group and on every inline ingress/egress rule)"
  condition = (
    resource.type == "aws_security_group"
    ? (
      !contains(["", "Managed by recon", "Managed by Terraform"], self.description == null ? "" : self.description)
      && alltrue([for r in concat(self.ingress, self.egress) : configured(r.description)])
    )
    : configured(self.description)
  )
}

policy "subnet_no_public_ip_on_launch" {
  resource_types = ["aws_subnet"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_130"
  message        = "Subnets must not give instances a public IP address on launch (map_public_ip_on_launch = false)"
  condition      = self.map_public_ip_on_launch != true
}

policy "ec2_no_public_ip" {
  resource_types = ["aws_instance"]
  severity       = "high"
  checkov_id     = "CKV_AWS_88"
  message        = "Instances must not have a public IP address (associate_public_ip_address = false)"
  condition      = self.associate_public_ip_address != true
}

policy "ec2_no_elastic_ip" {
  resource_types = ["aws_eip"]
  severity       = "medium"
  message        = "Elastic IPs give resources a fixed public address; the baseline allows none (waive with # recon:skip=ec2_no_elastic_ip REASON where one is needed, e.g. for a NAT gateway)"
  condition      = false
}
