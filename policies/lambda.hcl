# Baseline: Lambda.

policy "lambda_tracing" {
  resource_types = ["aws_lambda_function"]
  severity       = "low"
  checkov_id     = "CKV_AWS_50"
  message        = "Lambda functions must have X-Ray tracing configured (tracing_config { mode = \"Active\" } or \"PassThrough\")"
  condition      = anytrue([for t in self.tracing_config : contains(["Active", "PassThrough"], t.mode)])
}

policy "lambda_environment_encrypted" {
  resource_types = ["aws_lambda_function"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_173"
  message        = "Lambda functions with environment variables must encrypt them with a customer-managed KMS key (kms_key_arn)"
  condition      = length(self.environment) == 0 || configured(self.kms_key_arn)
}

policy "lambda_dead_letter" {
  resource_types = ["aws_lambda_function"]
  severity       = "low"
  checkov_id     = "CKV_AWS_116"
  message        = "Lambda functions must send failed asynchronous invocations to a dead-letter target (dead_letter_config { target_arn = ... })"
  condition      = anytrue([for d in self.dead_letter_config : configured(d.target_arn)])
}

policy "lambda_reserved_concurrency" {
  resource_types = ["aws_lambda_function"]
  severity       = "low"
  checkov_id     = "CKV_AWS_115"
  message        = "Lambda functions must set reserved concurrency (reserved_concurrent_executions >= 0) so one function cannot starve the account"
  condition      = self.reserved_concurrent_executions != null && self.reserved_concurrent_executions >= 0
}

policy "lambda_permission_not_public" {
  resource_types = ["aws_lambda_permission"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_301"
  message        = "Lambda permissions must not be granted to every principal (\"*\"); name the service or account"
  condition      = self.principal != "*"
}
