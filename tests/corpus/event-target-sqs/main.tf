resource "aws_cloudwatch_event_rule" "console" {
  name        = "capture-ec2-scaling-events"
  description = "Capture all EC2 scaling events"

  event_pattern = <<PATTERN
{
  "source": [
    "aws.autoscaling"
  ],
  "detail-type": [
    "EC2 Instance Launch Successful",
    "EC2 Instance Terminate Successful"
  ]
}
PATTERN
}

resource "aws_sqs_queue" "events" {
  name = "scaling-events"
}

resource "aws_cloudwatch_event_target" "queue" {
  target_id = "ToQueue"
  rule      = aws_cloudwatch_event_rule.console.name
  arn       = aws_sqs_queue.events.arn
}
