resource "aws_s3_bucket" "logs" {
  bucket = "corpus-tf-log-bucket"
  acl    = "log-delivery-write"
}

resource "aws_s3_bucket" "b" {
  bucket = "corpus-logged-bucket"
  acl    = "private"

  logging {
    target_bucket = aws_s3_bucket.logs.id
    target_prefix = "log/"
  }
}
