data "aws_partition" "current" {}

resource "aws_iam_role" "test" {
  name                 = "corpus-bounded"
  permissions_boundary = "arn:${data.aws_partition.current.partition}:iam::aws:policy/PowerUserAccess"
  path                 = "/corpus/"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}
