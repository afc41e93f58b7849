resource "aws_instance" "web" {
  ami           = "ami-03c3da4cfa8e8943a"
  instance_type = "t3.micro"
}

resource "aws_eip" "web" {
  instance = aws_instance.web.id
  domain   = "vpc"
}
