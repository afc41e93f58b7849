resource "aws_s3_bucket" "example" {
  bucket = "corpus-versioned-objects"
}

resource "aws_s3_bucket_versioning" "example" {
  bucket = aws_s3_bucket.example.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "example" {
  bucket = aws_s3_bucket_versioning.example.id
  key    = "droeloe"
  source = "example.txt"
}
