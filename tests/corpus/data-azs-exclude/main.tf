data "aws_availability_zones" "rest" {
  exclude_names = ["us-east-1e"]
}

output "zones" {
  value = data.aws_availability_zones.rest.names
}

output "zone_ids" {
  value = data.aws_availability_zones.rest.zone_ids
}
