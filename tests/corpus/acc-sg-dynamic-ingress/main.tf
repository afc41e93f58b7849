resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

variable "open_ports" {
  type    = list(number)
  default = [80, 443]
}

resource "aws_security_group" "web" {
  name        = "corpus-dynamic-web"
  description = "web ports"
  vpc_id      = aws_vpc.main.id

  dynamic "ingress" {
    for_each = var.open_ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
