# The server is managed through SSM only: an instance role with the AWS managed
# SSM policy, no SSH key, no inbound rule.

resource "aws_iam_role" "sync" {
  name        = "${local.name}-instance"
  description = "Instance role of the btsync server (SSM management only)"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "sync_ssm" {
  role       = aws_iam_role.sync.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "sync" {
  name = "${local.name}-instance"
  role = aws_iam_role.sync.name
  tags = local.tags
}

# The scheduler's role may start and stop this one instance, and nothing else.
resource "aws_iam_role" "power" {
  name        = "${local.name}-power"
  description = "Lambda that starts and stops the btsync server"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "power" {
  name = "start-stop-sync-server"
  role = aws_iam_role.power.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StartStopTheSyncServer"
        Effect   = "Allow"
        Action   = ["ec2:StartInstances", "ec2:StopInstances"]
        Resource = aws_instance.sync.arn
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:*:*:log-group:/aws/lambda/${local.name}-power*"
      },
      {
        Sid      = "SendFailedInvocations"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.power_failures.arn
      },
      {
        # Decrypts its environment; encrypts what it sends to the dead-letter queue.
        Sid      = "UseTheStackKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.data.arn
      },
    ]
  })
}
