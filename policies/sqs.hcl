# Baseline: SQS.

policy "sqs_encrypted" {
  resource_types = ["aws_sqs_queue"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_27"
  message        = "SQS queues must encrypt messages at rest: kms_master_key_id (a customer-managed key) or sqs_managed_sse_enabled = true"
  condition      = configured(self.kms_master_key_id) || self.sqs_managed_sse_enabled == true
}
