# Baseline: SNS.

policy "sns_topic_encrypted" {
  resource_types = ["aws_sns_topic"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_26"
  message        = "SNS topics must encrypt messages at rest with a KMS key (kms_master_key_id; alias/aws/sns is AWS's own)"
  condition      = configured(self.kms_master_key_id)
}
