# Baseline: instances, launch templates and EBS volumes.

# Launch templates carry the same metadata_options block (Checkov judges both).
policy "ec2_imdsv2_required" {
  resource_types = ["aws_instance", "aws_launch_template"]
  severity       = "high"
  checkov_id     = "CKV_AWS_79"
  message        = "Instances and launch templates must require IMDSv2 session tokens: metadata_options { http_tokens = \"required\" } (or disable the metadata endpoint)"
  condition = (
    length(self.metadata_options) > 0
    && (self.metadata_options[0].http_tokens == "required" || self.metadata_options[0].http_endpoint == "disabled")
  )
}

# Checkov's semantics: without a root_block_device block the root volume is not
# known to be encrypted; an ebs_block_device made from a snapshot takes the
# snapshot's encryption.
policy "ec2_ebs_encrypted" {
  resource_types = ["aws_instance"]
  severity       = "high"
  checkov_id     = "CKV_AWS_8"
  message        = "Instance root and EBS block devices must be encrypted (root_block_device { encrypted = true }, and the same on every ebs_block_device)"
  condition = (
    length(self.root_block_device) > 0
    && alltrue([for d in self.root_block_device : d.encrypted == true])
    && alltrue([for d in self.ebs_block_device : d.encrypted == true || configured(d.snapshot_id)])
  )
}

policy "ec2_ebs_cmk" {
  resource_types = ["aws_instance"]
  severity       = "medium"
  message        = "Instance root and EBS block devices must be encrypted with a customer-managed KMS key (kms_key_id)"
  condition = (
    length(self.root_block_device) > 0
    && alltrue([for d in concat(self.root_block_device, self.ebs_block_device) : configured(d.kms_key_id)])
  )
}

policy "ec2_instance_profile" {
  resource_types = ["aws_instance"]
  severity       = "medium"
  checkov_id     = "CKV2_AWS_41"
  message        = "Instances must have an IAM instance profile (iam_instance_profile), e.g. for SSM access instead of SSH keys"
  condition      = configured(self.iam_instance_profile)
}

policy "ebs_volume_encrypted" {
  resource_types = ["aws_ebs_volume"]
  severity       = "high"
  checkov_id     = "CKV_AWS_3"
  message        = "EBS volumes must be encrypted (encrypted = true)"
  condition      = self.encrypted == true
}

policy "ebs_volume_cmk" {
  resource_types = ["aws_ebs_volume"]
  severity       = "medium"
  checkov_id     = "CKV_AWS_189"
  message        = "EBS volumes must be encrypted with a customer-managed KMS key (kms_key_id)"
  condition      = configured(self.kms_key_id)
}

# Cross-resource, judged on the volume as Checkov's CKV2_AWS_2 does: a volume
# that an aws_volume_attachment refers to (by reference in the configuration, or
# by id once known) must be encrypted; a volume attached to nothing passes.
policy "ebs_attached_volume_encrypted" {
  resource_types = ["aws_ebs_volume"]
  severity       = "high"
  checkov_id     = "CKV2_AWS_2"
  message        = "A volume attached to an instance (aws_volume_attachment) must be encrypted (encrypted = true)"
  condition = (
    length(referrers("aws_volume_attachment", "volume_id")) == 0
    ? true
    : self.encrypted == true
  )
}

# The same rule judged on the attachment: the volume it refers to. A volume
# outside the stack cannot be judged from here (null: unknown).
policy "volume_attachment_encrypted" {
  resource_types = ["aws_volume_attachment"]
  severity       = "high"
  message        = "A volume attached to an instance must be encrypted"
  condition = (
    length(referenced("volume_id", "aws_ebs_volume")) == 0
    ? null
    : alltrue([for v in referenced("volume_id", "aws_ebs_volume") : v.encrypted == true])
  )
}
