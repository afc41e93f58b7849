variable "readers" {
  type = map(list(string))
  default = {
    logs  = ["logs:GetLogEvents", "logs:FilterLogEvents"]
    queue = ["sqs:ReceiveMessage"]
  }
}

data "aws_iam_policy_document" "readers" {
  dynamic "statement" {
    for_each = var.readers
    content {
      sid       = statement.key
      actions   = statement.value
      resources = ["*"]
    }
  }
}

resource "aws_iam_policy" "readers" {
  name   = "corpus-readers"
  policy = data.aws_iam_policy_document.readers.json
}
