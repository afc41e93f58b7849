data "aws_ami" "jammy" {
  most_recent = true

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }

  owners = ["099720109477"] # Canonical
}

resource "aws_instance" "hello" {
  ami           = data.aws_ami.jammy.id
  instance_type = "t3.micro"

  tags = {
    Name = "HelloWorld"
  }
}
