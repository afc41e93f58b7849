data "aws_iam_policy_document" "ec2_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "yak" {
  name               = "yak_role"
  assume_role_policy = data.aws_iam_policy_document.ec2_trust.json

  inline_policy {}
}
