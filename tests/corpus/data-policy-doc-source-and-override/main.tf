data "aws_iam_policy_document" "src" {
  statement {
    sid       = "OverridePlaceholder"
    actions   = ["ec2:DescribeAccountAttributes"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "ovr" {
  statement {
    sid       = "OverridePlaceholder"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "politik" {
  source_policy_documents   = [data.aws_iam_policy_document.src.json]
  override_policy_documents = [data.aws_iam_policy_document.ovr.json]
}

output "politik" {
  value = data.aws_iam_policy_document.politik.json
}
