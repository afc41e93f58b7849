locals {
  common_tags = {
    Project = "corpus"
  }
}

resource "aws_sqs_queue" "q" {
  for_each = toset(["orders", "billing", "audit"])

  name                       = "corpus-${each.key}"
  visibility_timeout_seconds = each.key == "audit" ? 120 : 30

  tags = merge(local.common_tags, { Queue = each.key })
}
