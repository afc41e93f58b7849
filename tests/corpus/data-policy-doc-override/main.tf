data "aws_iam_policy_document" "over" {
  statement {
    sid = "SidToOverride"

    actions   = ["s3:*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "with_override" {
  override_policy_documents = [data.aws_iam_policy_document.over.json]

  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }

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
  name   = "corpus-override-doc"
  policy = data.aws_iam_policy_document.with_override.json
}
