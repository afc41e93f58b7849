data "aws_iam_policy_document" "one" {
  statement {
    actions   = ["ec2:*"]
    resources = ["*"]
  }

  statement {
    sid = "UniqueSidOne"

    actions   = ["s3:*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "two" {
  statement {
    sid = "UniqueSidTwo"

    actions   = ["iam:*"]
    resources = ["*"]
  }

  statement {
    actions   = ["lambda:*"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "combined" {
  source_policy_documents = [
    data.aws_iam_policy_document.one.json,
    data.aws_iam_policy_document.two.json
  ]
}

resource "aws_iam_policy" "combined" {
  name   = "corpus-combined-sources"
  policy = data.aws_iam_policy_document.combined.json
}
