data "aws_vpc" "default" {
  default = true
}

resource "aws_security_group" "in_default" {
  name   = "corpus-in-default-vpc"
  vpc_id = data.aws_vpc.default.id
}
