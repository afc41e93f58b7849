# A Lambda switches the server on early on Saturday and off a few hours later.

locals {
  # action => EventBridge schedule (UTC)
  power_schedule = {
    start = var.start_schedule
    stop  = var.stop_schedule
  }
}

data "archive_file" "power" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/.build/power.zip"
}

# EventBridge invokes the Lambda asynchronously: a start or stop that still fails
# after Lambda's retries lands here (kept two weeks) instead of vanishing.
resource "aws_sqs_queue" "power_failures" {
  name                      = "${local.name}-power-failures"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.data.arn
  tags                      = local.tags
}

resource "aws_lambda_function" "power" {
  function_name                  = "${local.name}-power"
  description                    = "Starts and stops ${local.name} on schedule"
  role                           = aws_iam_role.power.arn
  handler                        = "handler.handler"
  runtime                        = "python3.12"
  filename                       = data.archive_file.power.output_path
  source_code_hash               = data.archive_file.power.output_base64sha256
  timeout                        = 30
  reserved_concurrent_executions = 1
  kms_key_arn                    = aws_kms_key.data.arn

  environment {
    variables = {
      INSTANCE_ID = aws_instance.sync.id
    }
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.power_failures.arn
  }

  tags = local.tags

  # AWS checks at creation that the role may send to the dead-letter queue.
  depends_on = [aws_iam_role_policy.power]
}

resource "aws_cloudwatch_event_rule" "power" {
  for_each            = local.power_schedule
  name                = "${local.name}-${each.key}"
  description         = "${each.key} ${local.name}"
  schedule_expression = each.value
  tags                = local.tags
}

resource "aws_cloudwatch_event_target" "power" {
  for_each  = local.power_schedule
  rule      = aws_cloudwatch_event_rule.power[each.key].name
  target_id = "power-${each.key}"
  arn       = aws_lambda_function.power.arn
  input     = jsonencode({ action = each.key })
}

resource "aws_lambda_permission" "power" {
  for_each      = local.power_schedule
  statement_id  = "AllowEventBridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.power.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.power[each.key].arn
}
