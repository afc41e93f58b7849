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

resource "aws_lambda_layer_version" "shared" {
  filename   = "layer.zip"
  layer_name = "shared"
}

resource "aws_lambda_function" "fn" {
  filename      = "layer.zip"
  function_name = "with_layer"
  role          = aws_iam_role.for_lambda.arn
  handler       = "index.test"
  runtime       = "nodejs18.x"
  layers        = [aws_lambda_layer_version.shared.arn]
}
