resource "aws_instance" "test" {
  ami           = "ami-03c3da4cfa8e8943a"
  instance_type = "t3.micro"

  root_block_device {
    volume_type = "gp3"
    volume_size = 11
  }

  ebs_block_device {
    device_name = "/dev/sdb"
    volume_size = 9
  }

  ebs_block_device {
    device_name = "/dev/sdc"
    volume_size = 10
    volume_type = "io1"
    iops        = 100
  }
}
