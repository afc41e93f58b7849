variable "region_name" {
  default = ""
}

data "aws_region" "current" {}

output "region" {
  value = data.aws_region.current.name
}

output "endpoint" {
  value = data.aws_region.current.endpoint
}
