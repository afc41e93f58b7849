data "aws_availability_zones" "all" {
  all_availability_zones = true

  filter {
    name   = "opt-in-status"
    values = ["not-opted-in", "opted-in"]
  }
}

output "zones" {
  value = data.aws_availability_zones.all.names
}
