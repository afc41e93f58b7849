data "aws_caller_identity" "me" {}

resource "aws_sqs_queue" "inbox" {
  name_prefix = "corpus-inbox-"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OwnerOnly"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "sqs:SendMessage"
      Resource  = "*"
    }]
  })
}
