resource "aws_eip" "pool" {
  vpc              = true
  public_ipv4_pool = "ipv4pool-ec2-012345"
}
