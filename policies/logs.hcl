# Baseline: CloudWatch Logs.

policy "log_group_kms_encrypted" {
  resource_types = ["aws_cloudwatch_log_group"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_158"
  message        = "CloudWatch log groups must encrypt their logs with a customer-managed KMS key (kms_key_id)"
  condition      = configured(self.kms_key_id)
}

# An unset retention_in_days is 0, never expire, which keeps logs a year too;
# Checkov fails it only because the intent is not written down.
policy "log_group_retention_year" {
  resource_types = ["aws_cloudwatch_log_group"]
  severity       = "low"
  checkov_id     = "CKV_AWS_338"
  message        = "CloudWatch log groups must keep logs for at least a year (retention_in_days >= 365, or 0: never expire)"
  condition      = self.retention_in_days == 0 || self.retention_in_days >= 365
}
