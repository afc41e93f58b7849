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

resource "aws_lambda_permission" "with_sns" {
  statement_id  = "AllowExecutionFromSNS"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.calls.arn
}

resource "aws_sns_topic" "calls" {
  name = "call-lambda-maybe"
}

resource "aws_sns_topic_subscription" "fn" {
  topic_arn = aws_sns_topic.calls.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.fn.arn
}

resource "aws_lambda_function" "fn" {
  filename      = "lambdatest.zip"
  function_name = "lambda_called_from_sns"
  role          = aws_iam_role.for_lambda.arn
  handler       = "exports.handler"
  runtime       = "python3.7"
}
