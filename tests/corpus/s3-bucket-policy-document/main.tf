resource "aws_s3_bucket" "example" {
  bucket = "corpus-policy-doc-bucket"
}

resource "aws_s3_bucket_policy" "allow_other_account" {
  bucket = aws_s3_bucket.example.id
  policy = data.aws_iam_policy_document.allow_other_account.json
}

data "aws_iam_policy_document" "allow_other_account" {
  statement {
    principals {
      type        = "AWS"
      identifiers = ["123456789012"]
    }

    actions = [
      "s3:GetObject",
      "s3:ListBucket",
    ]

    resources = [
      aws_s3_bucket.example.arn,
      "${aws_s3_bucket.example.arn}/*",
    ]
  }
}
