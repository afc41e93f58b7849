variable "environment" {
  default = "prod"
}

locals {
  is_prod     = var.environment == "prod"
  bucket_name = "corpus-${var.environment}-artifacts"
}

resource "aws_s3_bucket" "artifacts" {
  bucket = local.bucket_name
  tags   = { Environment = upper(var.environment) }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = local.is_prod ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  count  = local.is_prod ? 1 : 0
  bucket = aws_s3_bucket.artifacts.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
