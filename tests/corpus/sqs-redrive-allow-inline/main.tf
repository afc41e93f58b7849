resource "aws_sqs_queue" "dead" {
  name = "corpus-dlq-inline-target"
  redrive_allow_policy = jsonencode({
    redrivePermission = "allowAll"
  })
}

resource "aws_sqs_queue" "work" {
  name                       = "corpus-dlq-inline-source"
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead.arn
    maxReceiveCount     = 5
  })
}
