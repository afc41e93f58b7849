locals {
  subnets = {
    a = "10.2.1.0/24"
    b = "10.2.2.0/24"
    c = "10.2.3.0/24"
  }
}

resource "aws_vpc" "test" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_subnet" "test" {
  for_each = local.subnets

  vpc_id     = aws_vpc.test.id
  cidr_block = each.value

  tags = {
    Name = "corpus-${each.key}"
  }
}

output "subnet_ids" {
  value = { for k, s in aws_subnet.test : k => s.id }
}
