resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

variable "instance_count" {
  type    = number
  default = 2
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.8.0/24"
}

resource "aws_instance" "test" {
  count         = var.instance_count
  ami           = "ami-03c3da4cfa8e8943a"
  instance_type = element(["t3.micro", "t3.small"], count.index)
  subnet_id     = aws_subnet.a.id

  volume_tags = {
    Name = "corpus-${count.index}"
  }

  tags = {
    Name = format("corpus-%02d", count.index + 1)
  }
}
