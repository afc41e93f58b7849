resource "aws_vpc" "test" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "test" {
  vpc_id = aws_vpc.test.id
  name   = "corpus-sgrule-v4v6"
}

resource "aws_security_group_rule" "test" {
  type             = "ingress"
  protocol         = "6"
  from_port        = 80
  to_port          = 8000
  cidr_blocks      = ["10.2.0.0/16"]
  ipv6_cidr_blocks = ["2001:db8:85a3::/64"]

  security_group_id = aws_security_group.test.id
}

resource "aws_security_group_rule" "test_egress" {
  count = 3

  security_group_id = aws_security_group.test.id
  type              = "egress"
  from_port         = count.index
  to_port           = count.index
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.${count.index}/32"]
}
