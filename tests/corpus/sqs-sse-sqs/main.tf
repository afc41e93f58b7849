resource "aws_sqs_queue" "sealed" {
  name                    = "corpus-sse-sqs-queue"
  sqs_managed_sse_enabled = true
}
