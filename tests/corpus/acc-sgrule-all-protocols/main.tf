resource "aws_security_group" "test" {
  name = "corpus-sgrule-all"
}

# Every protocol, ports written as -1 and the protocol as a number.
resource "aws_security_group_rule" "test" {
  cidr_blocks       = ["10.0.0.0/8"]
  description       = "every protocol from the private range"
  from_port         = -1
  protocol          = -1
  security_group_id = aws_security_group.test.id
  to_port           = -1
  type              = "ingress"
}

resource "aws_security_group_rule" "test2" {
  cidr_blocks       = ["172.168.0.0/16"]
  from_port         = 443
  protocol          = "tcp"
  security_group_id = aws_security_group.test.id
  to_port           = 443
  type              = "ingress"
}
