# Baseline: network exposure. Security groups (inline ingress blocks) and
# aws_vpc_security_group_ingress_rule resources are checked alike; a rule is open
# to the world when its source is 0.0.0.0/0 or ::/0, and it covers a port when its
# protocol is -1 ("all"), its range includes the port, or from_port = to_port = 0
# (Checkov reads that as every port). The port test comes first: && stops at a
# known false, so a rule on another port is judged even when its source is not
# known yet.

policy "sg_no_public_ssh" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_24"
  message        = "Security groups must not allow SSH (port 22) from 0.0.0.0/0 or ::/0; reach instances through SSM Session Manager or a known address range"
  condition = (
    resource.type == "aws_security_group"
    ? alltrue([
      for r in self.ingress : !(
        (contains(["-1", "all"], r.protocol) || (r.from_port == 0 && r.to_port == 0) || (r.from_port <= 22 && r.to_port >= 22))
        && (contains(r.cidr_blocks == null ? [] : r.cidr_blocks, "0.0.0.0/0") || contains(r.ipv6_cidr_blocks == null ? [] : r.ipv6_cidr_blocks, "::/0"))
      )
    ])
    : !(
      (contains(["-1", "all"], self.ip_protocol) || try(self.from_port <= 22 && self.to_port >= 22, false))
      && (self.cidr_ipv4 == "0.0.0.0/0" || self.cidr_ipv6 == "::/0")
    )
  )
}

policy "sg_no_public_rdp" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_25"
  message        = "Security groups must not allow RDP (port 3389) from 0.0.0.0/0 or ::/0"
  condition = (
    resource.type == "aws_security_group"
    ? alltrue([
      for r in self.ingress : !(
        (contains(["-1", "all"], r.protocol) || (r.from_port == 0 && r.to_port == 0) || (r.from_port <= 3389 && r.to_port >= 3389))
        && (contains(r.cidr_blocks == null ? [] : r.cidr_blocks, "0.0.0.0/0") || contains(r.ipv6_cidr_blocks == null ? [] : r.ipv6_cidr_blocks, "::/0"))
      )
    ])
    : !(
      (contains(["-1", "all"], self.ip_protocol) || try(self.from_port <= 3389 && self.to_port >= 3389, false))
      && (self.cidr_ipv4 == "0.0.0.0/0" || self.cidr_ipv6 == "::/0")
    )
  )
}

policy "sg_no_public_http" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_260"
  message        = "Security groups must not allow HTTP (port 80) from 0.0.0.0/0 or ::/0; put public web traffic behind a load balancer or CDN"
  condition = (
    resource.type == "aws_security_group"
    ? alltrue([
      for r in self.ingress : !(
        (contains(["-1", "all"], r.protocol) || (r.from_port == 0 && r.to_port == 0) || (r.from_port <= 80 && r.to_port >= 80))
        && (contains(r.cidr_blocks == null ? [] : r.cidr_blocks, "0.0.0.0/0") || contains(r.ipv6_cidr_blocks == null ? [] : r.ipv6_cidr_blocks, "::/0"))
      )
    ])
    : !(
      (contains(["-1", "all"], self.ip_protocol) || try(self.from_port <= 80 && self.to_port >= 80, false))
      && (self.cidr_ipv4 == "0.0.0.0/0" || self.cidr_ipv6 == "::/0")
    )
  )
}

# Web consoles and admin APIs that commonly listen on these ports.
policy "sg_no_public_admin_ports" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule"]
  severity       = "medium"
  message        = "Security groups must not open HTTP admin ports (8080, 8443, 8888, 9090, 9443, 10000) to 0.0.0.0/0 or ::/0"
  condition = (
    resource.type == "aws_security_group"
    ? alltrue([
      for r in self.ingress : !(
        (contains(["-1", "all"], r.protocol) || (r.from_port == 0 && r.to_port == 0) || anytrue([for p in [8080, 8443, 8888, 9090, 9443, 10000] : r.from_port <= p && r.to_port >= p]))
        && (contains(r.cidr_blocks == null ? [] : r.cidr_blocks, "0.0.0.0/0") || contains(r.ipv6_cidr_blocks == null ? [] : r.ipv6_cidr_blocks, "::/0"))
      )
    ])
    : !(
      (contains(["-1", "all"], self.ip_protocol) || try(anytrue([for p in [8080, 8443, 8888, 9090, 9443, 10000] : self.from_port <= p && self.to_port >= p]), false))
      && (self.cidr_ipv4 == "0.0.0.0/0" || self.cidr_ipv6 == "::/0")
    )
  )
}

policy "sg_no_public_all_ports" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule"]
  severity       = "high"
  checkov_id     = "CKV_AWS_277"
  message        = "Security groups must not allow every port (protocol -1 or 0-65535) from 0.0.0.0/0 or ::/0"
  condition = (
    resource.type == "aws_security_group"
    ? alltrue([
      for r in self.ingress : !(
        (contains(["-1", "all"], r.protocol) || (r.from_port == 0 && r.to_port == 0) || (r.from_port <= 0 && r.to_port >= 65535))
        && (contains(r.cidr_blocks == null ? [] : r.cidr_blocks, "0.0.0.0/0") || contains(r.ipv6_cidr_blocks == null ? [] : r.ipv6_cidr_blocks, "::/0"))
      )
    ])
    : !(
      (contains(["-1", "all"], self.ip_protocol) || try(self.from_port <= 0 && self.to_port >= 65535, false))
      && (self.cidr_ipv4 == "0.0.0.0/0" || self.cidr_ipv6 == "::/0")
    )
  )
}

# Checkov's semantics: a security group passes with a description of its own, or
# when every inline rule has one; a separate rule resource needs its own.
policy "sg_description" {
  resource_types = ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]
  severity       = "low"
  checkov_id     = "CKV_AWS_23"
  message        = "Security groups and their rules must say what they are for (description)"
  condition = (
    resource.type == "aws_security_group"
    ? (
      !contains(["", "Managed by recon", "Managed by Terraform"], self.description == null ? "" : self.description)
      || alltrue([for r in concat(self.ingress, self.egress) : configured(r.description)])
    )
    : configured(self.description)
  )
}

policy "sg_rule_descriptions" {
  resource_types = ["aws_security_group"]
  severity       = "low"
  message        = "Every inline ingress and egress rule must have a description"
  condition      = alltrue([for r in concat(self.ingress, self.egress) : configured(r.description)])
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
