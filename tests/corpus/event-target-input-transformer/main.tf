resource "aws_cloudwatch_event_rule" "ec2_state" {
  name = "ec2-state"
  event_pattern = jsonencode({
    source      = ["aws.ec2"]
    detail-type = ["EC2 Instance State-change Notification"]
  })
}

resource "aws_sqs_queue" "events" {
  name = "ec2-state-events"
}

resource "aws_cloudwatch_event_target" "queue" {
  rule = aws_cloudwatch_event_rule.ec2_state.name
  arn  = aws_sqs_queue.events.arn

  input_transformer {
    input_paths = {
      instance = "$.detail.instance-id"
      status   = "$.detail.state"
    }
    input_template = "\"<instance> is now <status>\""
  }
}
