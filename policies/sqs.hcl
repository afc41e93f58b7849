# Baseline: SQS.

policy "sqs_encrypted" {
  resource_types = ["aws_sqs_queue"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_27"
  message        = "SQS queues must encrypt messages at rest: kms_master_key_id (a customer-managed key) or sqs_managed_sse_enabled = true"
  condition      = configured(self.kms_master_key_id) || self.sqs_managed_sse_enabled == true
}

# A queue's policy (inline or aws_sqs_queue_policy) must not let anyone send to or
# read a queue: "*" as principal only with a Condition that narrows who (a source
# ARN, an organisation). Deny statements never open anything.
policy "sqs_policy_not_public" {
  resource_types = ["aws_sqs_queue", "aws_sqs_queue_policy"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_168"
  message        = "A queue policy must not allow any principal (\"*\") without a Condition that narrows who"
  condition      = alltrue([for s in statements(try(self.policy, null)) : !allows_public(s)])
}
