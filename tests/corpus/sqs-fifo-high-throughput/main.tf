resource "aws_sqs_queue" "ordered" {
  name                  = "corpus-fast-queue.fifo"
  fifo_queue            = true
  deduplication_scope   = "messageGroup"
  fifo_throughput_limit = "perMessageGroupId"
}
