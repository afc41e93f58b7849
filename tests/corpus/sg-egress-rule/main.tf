resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "web" {
  name   = "web-out"
  vpc_id = aws_vpc.main.id
}

resource "aws_vpc_security_group_egress_rule" "https_out" {
  security_group_id = aws_security_group.web.id

  cidr_ipv4   = "10.0.0.0/8"
  from_port   = 443
  ip_protocol = "tcp"
  to_port     = 443
}
