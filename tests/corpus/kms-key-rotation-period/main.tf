resource "aws_kms_key" "slow" {
  description             = "rotates every 180 days"
  enable_key_rotation     = true
  rotation_period_in_days = 180
  is_enabled              = true

  tags = {
    Team = "platform"
  }
}
