data "aws_partition" "current" {}

resource "aws_iam_role" "test" {
  name_prefix          = "corpus-acc-"
  description          = "role made by the corpus"
  max_session_duration = 7200

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action = "sts:AssumeRole"
      Effect = "Allow"
      Principal = {
        Service = "ec2.${data.aws_partition.current.dns_suffix}"
      }
    }]
  })
}
