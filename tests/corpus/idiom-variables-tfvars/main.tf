variable "queue_name" {
  type = string
}

variable "retention_days" {
  type    = number
  default = 1

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 14
    error_message = "Retention must be between 1 and 14 days."
  }
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_sqs_queue" "q" {
  name                      = var.queue_name
  message_retention_seconds = var.retention_days * 86400
  tags                      = var.tags
}

output "queue_url" {
  value = aws_sqs_queue.q.url
}
