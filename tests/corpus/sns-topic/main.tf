resource "aws_sns_topic" "updates" {
  name = "user-updates-topic"
}
