output "instance_id" {
  value = aws_instance.sync.id
}

output "data_volume_id" {
  value = aws_ebs_volume.data.id
}

output "kms_key_arn" {
  value = aws_kms_key.ebs.arn
}

output "backup_bucket" {
  value = aws_s3_bucket.backup.id
}

output "power_function" {
  value = aws_lambda_function.power.function_name
}
