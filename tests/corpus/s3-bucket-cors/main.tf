resource "aws_s3_bucket" "site" {
  bucket = "s3-cors-test.corpus.example"
  acl    = "public-read"

  cors_rule {
    allowed_headers = ["*"]
    allowed_methods = ["PUT", "POST"]
    allowed_origins = ["https://s3-website-test.corpus.example"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}
