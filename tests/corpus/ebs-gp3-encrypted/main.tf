resource "aws_kms_key" "disk" {
  description = "disk key"
}

resource "aws_ebs_volume" "fast" {
  availability_zone = "us-east-1a"
  size              = 20
  type              = "gp3"
  iops              = 4000
  throughput        = 250
  encrypted         = true
  kms_key_id        = aws_kms_key.disk.arn
}
