resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "edge" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "ingress" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table_association" "edge" {
  gateway_id     = aws_internet_gateway.edge.id
  route_table_id = aws_route_table.ingress.id
}
