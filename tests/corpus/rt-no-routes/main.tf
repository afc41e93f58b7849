resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_route_table" "empty" {
  vpc_id = aws_vpc.main.id
  route  = []

  tags = {
    Name = "empty"
  }
}
