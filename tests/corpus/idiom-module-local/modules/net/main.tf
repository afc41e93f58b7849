variable "name" {
  type = string
}

variable "cidr" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = var.cidr

  tags = {
    Name = var.name
  }
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(var.cidr, 8, 1)

  tags = {
    Name = "Main"
  }
}

output "subnet_id" {
  value = aws_subnet.main.id
}
