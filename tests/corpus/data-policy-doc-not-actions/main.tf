data "aws_iam_policy_document" "deny_else" {
  statement {
    sid           = "DenyAllElse"
    effect        = "Deny"
    not_actions   = ["iam:*", "sts:*"]
    not_resources = ["arn:aws:s3:::corpus-keep/*"]
  }

  statement {
    sid     = "NobodyButAdmin"
    effect  = "Deny"
    actions = ["s3:DeleteBucket"]
    not_principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::123456789012:role/admin"]
    }
    resources = ["*"]
  }
}

resource "aws_s3_bucket" "keep" {
  bucket = "corpus-keep"
}

resource "aws_s3_bucket_policy" "keep" {
  bucket = aws_s3_bucket.keep.id
  policy = data.aws_iam_policy_document.deny_else.json
}
