resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.0.0/24"
}

resource "aws_network_interface" "multi" {
  subnet_id   = aws_subnet.main.id
  private_ips = ["10.0.0.10", "10.0.0.11"]
}

resource "aws_eip" "first" {
  vpc                       = true
  network_interface         = aws_network_interface.multi.id
  associate_with_private_ip = "10.0.0.10"
}

resource "aws_eip" "second" {
  vpc                       = true
  network_interface         = aws_network_interface.multi.id
  associate_with_private_ip = "10.0.0.11"
}
