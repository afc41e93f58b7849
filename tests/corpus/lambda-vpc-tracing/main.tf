resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    effect = "Allow"

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    actions = ["sts:AssumeRole"]
  }
}

resource "aws_iam_role" "for_lambda" {
  name               = "iam_for_lambda"
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

resource "aws_subnet" "fn" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.6.0/24"
}

resource "aws_security_group" "fn" {
  name   = "fn"
  vpc_id = aws_vpc.main.id
}

resource "aws_lambda_function" "fn" {
  filename         = "lambda_function_payload.zip"
  source_code_hash = filebase64sha256("lambda_function_payload.zip")
  function_name    = "in_vpc"
  role             = aws_iam_role.for_lambda.arn
  handler          = "index.handler"
  runtime          = "python3.12"
  memory_size      = 256
  timeout          = 30
  architectures    = ["arm64"]

  vpc_config {
    subnet_ids         = [aws_subnet.fn.id]
    security_group_ids = [aws_security_group.fn.id]
  }

  tracing_config {
    mode = "Active"
  }
}
