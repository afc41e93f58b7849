resource "aws_kms_key" "k" {}

resource "aws_kms_alias" "k" {
  name          = "alias/corpus-key-alias"
  target_key_id = "${aws_kms_key.k.key_id}"
}
