resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.5.0/24"
}

resource "aws_security_group" "box" {
  name   = "box"
  vpc_id = aws_vpc.main.id
}

resource "aws_iam_role" "box" {
  name = "box"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Action = "sts:AssumeRole", Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_instance_profile" "box" {
  name = "box"
  role = aws_iam_role.box.name
}

resource "aws_instance" "box" {
  ami                    = "ami-03c3da4cfa8e8943a"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = [aws_security_group.box.id]
  iam_instance_profile   = aws_iam_instance_profile.box.name
  user_data              = <<-EOF
    #!/bin/bash
    echo hello > /tmp/hello
  EOF

  root_block_device {
    volume_size = 16
    volume_type = "gp3"
    encrypted   = true
  }

  metadata_options {
    http_tokens   = "required"
    http_endpoint = "enabled"
  }

  tags = {
    Name = "box"
  }
}
