resource "aws_sqs_queue" "ordered" {
  name                        = "corpus-example-queue.fifo"
  fifo_queue                  = true
  content_based_deduplication = true
}
