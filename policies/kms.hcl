# Baseline: KMS keys.

# Asymmetric and HMAC keys cannot rotate automatically; the rule is for
# symmetric encryption keys.
policy "kms_key_rotation" {
  resource_types = ["aws_kms_key"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_7"
  message        = "Symmetric KMS keys must rotate automatically (enable_key_rotation = true)"
  condition      = self.customer_master_key_spec != "SYMMETRIC_DEFAULT" || self.enable_key_rotation == true
}

# A statement that allows anyone ("*" in any spelling, or NotPrincipal) is
# acceptable only when a Condition really narrows who (kms:CallerAccount, an
# organisation; not aws:PrincipalArn like "arn:aws:iam::*"); Deny statements never
# open anything. A document that is not valid JSON is an error, never "no
# statements" (src/policy/functions.rs).
policy "kms_key_no_public_principal" {
  resource_types = ["aws_kms_key", "aws_kms_key_policy"]
  severity       = "critical"
  checkov_id     = "CKV_AWS_33"
  message        = "A KMS key policy must not allow the \"*\" principal without a Condition that narrows who"
  condition      = alltrue([for s in statements(self.policy) : !allows_public(s)])
}

policy "kms_key_enabled" {
  resource_types = ["aws_kms_key"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_227"
  message        = "KMS keys must be enabled (is_enabled = true)"
  condition      = self.is_enabled != false
}
