data "aws_iam_policy_document" "base" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }

  statement {
    sid = "SidToOverride"

    actions   = ["s3:*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "from_base" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]

  statement {
    sid = "SidToOverride"

    actions = ["s3:*"]

    resources = [
      "arn:aws:s3:::somebucket",
      "arn:aws:s3:::somebucket/*",
    ]
  }
}

resource "aws_iam_policy" "merged" {
  name   = "corpus-source-doc"
  policy = data.aws_iam_policy_document.from_base.json
}
