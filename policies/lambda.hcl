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

# A service principal with no source lets the service invoke the function for any
# account's resource (a bucket or a rule someone else owns: a confused deputy).
policy "lambda_permission_source_limited" {
  resource_types = ["aws_lambda_permission"]
  severity       = "high"
  checkov_id     = "CKV_AWS_364"
  message        = "Lambda permissions for an AWS service principal (*.amazonaws.com) must name the source: source_arn or source_account"
  condition      = !endswith(self.principal, ".amazonaws.com") || configured(self.source_arn) || configured(self.source_account)
}

# A URL with no authorization lets anyone on the internet invoke the function.
policy "lambda_function_url_auth" {
  resource_types = ["aws_lambda_function_url"]
  severity       = "high"
  checkov_id     = "CKV_AWS_258"
  message        = "Lambda function URLs must require IAM authorization (authorization_type = \"AWS_IAM\"), not \"NONE\""
  condition      = self.authorization_type != "NONE"
}

# Deprecated runtimes get no security patches. Kept by hand from AWS's table of
# deprecated runtimes (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html),
# as of 2026-12-01: add a runtime when its deprecation date has passed.
policy "lambda_runtime_supported" {
  resource_types = ["aws_lambda_function"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_363"
  message        = "Lambda functions must not use a deprecated runtime (it gets no more security patches); move to a supported one"
  condition = !contains([
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
    "nodejs14.x", "nodejs16.x", "nodejs18.x", "nodejs20.x",
    "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
    "ruby2.5", "ruby2.7", "ruby3.2",
    "java8",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7",
    "go1.x", "provided", "provided.al2",
  ], self.runtime)
}
