resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "nightly"
  description         = "Fires every night"
  schedule_expression = "cron(0 3 * * ? *)"
  state               = "ENABLED"

  tags = {
    Team = "ops"
  }
}
