resource "aws_vpc" "dual" {
  cidr_block                       = "10.40.0.0/16"
  enable_dns_support               = true
  enable_dns_hostnames             = true
  assign_generated_ipv6_cidr_block = true
}
