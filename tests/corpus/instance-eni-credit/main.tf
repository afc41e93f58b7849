resource "aws_vpc" "net" {
  cidr_block = "172.16.0.0/16"

  tags = {
    Name = "tf-example"
  }
}

resource "aws_subnet" "net" {
  vpc_id            = aws_vpc.net.id
  cidr_block        = "172.16.10.0/24"
  availability_zone = "us-west-2a"

  tags = {
    Name = "tf-example"
  }
}

resource "aws_network_interface" "eth0" {
  subnet_id   = aws_subnet.net.id
  private_ips = ["172.16.10.100"]

  tags = {
    Name = "primary_network_interface"
  }
}

resource "aws_instance" "burst" {
  ami           = "ami-005e54dee72cc1d00" # us-west-2
  instance_type = "t2.micro"

  primary_network_interface {
    network_interface_id = aws_network_interface.eth0.id
  }

  credit_specification {
    cpu_credits = "unlimited"
  }
}
