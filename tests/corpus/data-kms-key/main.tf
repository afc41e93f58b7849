data "aws_kms_key" "by_alias" {
  key_id = "alias/my-key"
}

data "aws_kms_key" "by_id" {
  key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
}

output "arns" {
  value = [data.aws_kms_key.by_alias.arn, data.aws_kms_key.by_id.arn]
}
