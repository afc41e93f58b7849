module "net" {
  source   = "./modules/net"
  for_each = { blue = "10.60.0.0/16", green = "10.61.0.0/16" }

  name = each.key
  cidr = each.value
}

output "subnets" {
  value = { for k, m in module.net : k => m.subnet_id }
}
