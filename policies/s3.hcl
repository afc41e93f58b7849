# Baseline: S3. The bucket-level rules are cross-resource: the public access
# block, encryption and versioning resources that refer to the bucket.

policy "s3_block_public_acls" {
  resource_types = ["aws_s3_bucket_public_access_block"]
  severity       = "high"
  checkov_id     = "CKV_AWS_53"
  message        = "S3 public access blocks must block public ACLs (block_public_acls = true)"
  condition      = self.block_public_acls == true
}

policy "s3_block_public_policy" {
  resource_types = ["aws_s3_bucket_public_access_block"]
  severity       = "high"
  checkov_id     = "CKV_AWS_54"
  message        = "S3 public access blocks must block public bucket policies (block_public_policy = true)"
  condition      = self.block_public_policy == true
}

policy "s3_ignore_public_acls" {
  resource_types = ["aws_s3_bucket_public_access_block"]
  severity       = "high"
  checkov_id     = "CKV_AWS_55"
  message        = "S3 public access blocks must ignore public ACLs (ignore_public_acls = true)"
  condition      = self.ignore_public_acls == true
}

policy "s3_restrict_public_buckets" {
  resource_types = ["aws_s3_bucket_public_access_block"]
  severity       = "high"
  checkov_id     = "CKV_AWS_56"
  message        = "S3 public access blocks must restrict public buckets (restrict_public_buckets = true)"
  condition      = self.restrict_public_buckets == true
}

policy "s3_bucket_public_access_block" {
  resource_types = ["aws_s3_bucket"]
  severity       = "high"
  checkov_id     = "CKV2_AWS_6"
  message        = "Every S3 bucket must have an aws_s3_bucket_public_access_block that refers to it and blocks public ACLs and policies"
  condition = anytrue([
    for b in referrers("aws_s3_bucket_public_access_block", "bucket") :
    b.block_public_acls == true && b.block_public_policy == true
  ])
}

# Checkov's semantics (CKV_AWS_19): since January 2023 AWS encrypts every new
# object with SSE-S3 when a bucket says nothing, so a bucket without an
# encryption configuration is encrypted at rest; a configuration that refers to
# it (or the legacy inline server_side_encryption_configuration block of AWS
# provider v3) must name a real algorithm.
policy "s3_bucket_encryption" {
  resource_types = ["aws_s3_bucket"]
  severity       = "high"
  checkov_id     = "CKV_AWS_19"
  message        = "An S3 bucket's default encryption must be AES256 or aws:kms (an aws_s3_bucket_server_side_encryption_configuration that refers to it, or none: AWS's SSE-S3 default)"
  condition = alltrue(concat(
    [
      for c in referrers("aws_s3_bucket_server_side_encryption_configuration", "bucket") :
      anytrue([
        for r in c.rule : anytrue([
          for d in r.apply_server_side_encryption_by_default : contains(["AES256", "aws:kms", "aws:kms:dsse"], d.sse_algorithm)
        ])
      ])
    ],
    [
      for c in try(self.server_side_encryption_configuration, []) :
      anytrue([
        for r in try(c.rule, []) : anytrue([
          for d in try(r.apply_server_side_encryption_by_default, []) : contains(["AES256", "aws:kms", "aws:kms:dsse"], d.sse_algorithm)
        ])
      ])
    ],
  ))
}

# The legacy inline versioning block (AWS provider v3) counts as Checkov counts it.
policy "s3_bucket_versioning" {
  resource_types = ["aws_s3_bucket"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_21"
  message        = "Every S3 bucket must have versioning enabled: an aws_s3_bucket_versioning that refers to it with status = \"Enabled\""
  condition = anytrue(concat(
    [
      for v in referrers("aws_s3_bucket_versioning", "bucket") :
      try(v.versioning_configuration[0].status, "") == "Enabled"
    ],
    [for v in try(self.versioning, []) : try(v.enabled, false) == true],
  ))
}

# A statement that allows anyone is acceptable only when a Condition really
# narrows who (a VPC endpoint, a source ARN, an organisation). The legacy inline
# policy of aws_s3_bucket (AWS provider v3) is judged alike; a bucket without one
# passes.
policy "s3_bucket_policy_not_public" {
  resource_types = ["aws_s3_bucket_policy", "aws_s3_bucket"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_70"
  message        = "A bucket policy must not allow any principal (\"*\") without a Condition that narrows who"
  condition      = alltrue([for s in statements(try(self.policy, null)) : !allows_public(s)])
}

# A Deny for every principal on changing the bucket policy, with no condition,
# locks everyone out but the account's root user, who alone can then repair it.
policy "s3_bucket_policy_no_lockout" {
  resource_types = ["aws_s3_bucket_policy", "aws_s3_bucket"]
  severity       = "high"
  checkov_id     = "CKV_AWS_93"
  message        = "A bucket policy must not deny every principal (\"*\") s3:PutBucketPolicy without a Condition: only the root user could change it again"
  condition = alltrue([
    for s in statements(try(self.policy, null)) :
    !(try(s.Effect, null) == "Deny" && try(s.Condition, null) == null && names_anyone(s) && covers_action(s, "s3:PutBucketPolicy"))
  ])
}
