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

policy "s3_bucket_encryption" {
  resource_types = ["aws_s3_bucket"]
  severity       = "high"
  checkov_id     = "CKV_AWS_19"
  message        = "Every S3 bucket must have default encryption: an aws_s3_bucket_server_side_encryption_configuration that refers to it (AES256 or aws:kms)"
  condition = anytrue([
    for c in referrers("aws_s3_bucket_server_side_encryption_configuration", "bucket") :
    anytrue([
      for r in c.rule : anytrue([
        for d in r.apply_server_side_encryption_by_default : contains(["AES256", "aws:kms", "aws:kms:dsse"], d.sse_algorithm)
      ])
    ])
  ])
}

policy "s3_bucket_versioning" {
  resource_types = ["aws_s3_bucket"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_21"
  message        = "Every S3 bucket must have versioning enabled: an aws_s3_bucket_versioning that refers to it with status = \"Enabled\""
  condition = anytrue([
    for v in referrers("aws_s3_bucket_versioning", "bucket") :
    try(v.versioning_configuration[0].status, "") == "Enabled"
  ])
}

# A statement that allows anyone is acceptable only when a Condition really
# narrows who (a VPC endpoint, a source ARN, an organisation).
policy "s3_bucket_policy_not_public" {
  resource_types = ["aws_s3_bucket_policy"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_70"
  message        = "A bucket policy must not allow any principal (\"*\") without a Condition that narrows who"
  condition      = alltrue([for s in statements(self.policy) : !allows_public(s)])
}
