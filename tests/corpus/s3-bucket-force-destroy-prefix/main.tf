resource "aws_s3_bucket" "scratch" {
  bucket_prefix = "corpus-scratch-"
  force_destroy = true
}
