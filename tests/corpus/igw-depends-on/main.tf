resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_internet_gateway" "edge" {
  vpc_id = aws_vpc.main.id
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.3.0/24"
}

resource "aws_instance" "box" {
  ami           = "ami-03c3da4cfa8e8943a"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id

  depends_on = [aws_internet_gateway.edge]
}
