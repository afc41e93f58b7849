variable "trusted_role_arn" {
  default = "arn:aws:iam::123456789012:role/trusted"
}
variable "account_id" {
  default = "123456789012"
}
variable "provider_name" {
  default = "corp-idp"
}

data "aws_iam_policy_document" "stream_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    principals {
      type        = "AWS"
      identifiers = [var.trusted_role_arn]
    }

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${var.account_id}:saml-provider/${var.provider_name}", "cognito-identity.amazonaws.com"]
    }
  }
}

output "trust" {
  value = data.aws_iam_policy_document.stream_assume.json
}
