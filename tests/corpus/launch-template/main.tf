resource "aws_launch_template" "web" {
  name          = "web"
  image_id      = "ami-03c3da4cfa8e8943a"
  instance_type = "t3.micro"

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  tag_specifications {
    resource_type = "instance"

    tags = {
      Name = "test"
    }
  }

  user_data = filebase64("example.sh")
}
