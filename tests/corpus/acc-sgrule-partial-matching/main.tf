resource "aws_vpc" "test" {
  cidr_block = "10.0.0.0/16"

  tags = {
    Name = "corpus-sgrule-partial"
  }
}

resource "aws_security_group" "test" {
  count = 2

  name   = "corpus-sgrule-partial-${count.index}"
  vpc_id = aws_vpc.test.id

  tags = {
    Name = "corpus-sgrule-partial"
  }
}

resource "aws_security_group_rule" "test1" {
  type        = "ingress"
  from_port   = 80
  to_port     = 80
  protocol    = "tcp"
  cidr_blocks = ["10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24"]

  security_group_id = aws_security_group.test[0].id
}

resource "aws_security_group_rule" "test2" {
  type        = "ingress"
  from_port   = 80
  to_port     = 80
  protocol    = "tcp"
  cidr_blocks = ["10.0.5.0/24"]

  security_group_id = aws_security_group.test[0].id
}

# The same rule on the other group: one id per group.
resource "aws_security_group_rule" "test3" {
  type        = "ingress"
  from_port   = 80
  to_port     = 80
  protocol    = "tcp"
  cidr_blocks = ["10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24"]

  security_group_id = aws_security_group.test[1].id
}
