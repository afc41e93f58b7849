resource "aws_iam_role" "for_lambda" {
  name = "iam_for_lambda"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Action = "sts:AssumeRole"
        Effect = "Allow"
        Sid    = ""
        Principal = {
          Service = "lambda.amazonaws.com"
        }
      },
    ]
  })
}

resource "aws_lambda_function" "fn" {
  filename      = "lambdatest.zip"
  function_name = "on_schedule"
  role          = aws_iam_role.for_lambda.arn
  handler       = "exports.handler"
  runtime       = "nodejs18.x"
}

resource "aws_cloudwatch_event_rule" "every_five" {
  name                = "every-five-minutes"
  schedule_expression = "rate(5 minutes)"
}

resource "aws_cloudwatch_event_target" "fn" {
  rule  = aws_cloudwatch_event_rule.every_five.name
  arn   = aws_lambda_function.fn.arn
  input = jsonencode({ source = "schedule" })
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowExecutionFromEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.every_five.arn
}
