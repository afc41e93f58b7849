resource "aws_s3_bucket" "b" {
  bucket = "corpus-versioned-bucket"
  acl    = "private"

  versioning {
    enabled = true
  }
}
