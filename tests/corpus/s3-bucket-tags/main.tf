resource "aws_s3_bucket" "b" {
  bucket = "corpus-tf-test-bucket-2"

  tags = {
    Name        = "My bucket"
    Environment = "Dev"
  }
}
