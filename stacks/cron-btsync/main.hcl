# A small sync/backup server: no inbound access, IMDSv2 only, managed through SSM
# (iam.hcl), root and data volumes encrypted with a customer-managed KMS key. It
# reaches SSM and its peers through an internet gateway with a public address
# given at launch (README.md says why, and what it costs). schedule.hcl switches
# it on and off; backup.hcl is where its backups go.

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = [var.ami_name_filter]
  }
}

locals {
  name = "btsync-${var.environment}"
  az   = data.aws_availability_zones.available.names[0]
  tags = {
    Project     = "cron-btsync"
    Environment = var.environment
  }
}

resource "aws_kms_key" "ebs" {
  description             = "EBS encryption for ${local.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = local.tags
}

resource "aws_kms_alias" "ebs" {
  name          = "alias/${local.name}-ebs"
  target_key_id = aws_kms_key.ebs.key_id
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = local.name })
}

# Public addresses are given per instance (aws_instance.sync), not to everything
# launched here.
resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, 1)
  availability_zone       = local.az
  map_public_ip_on_launch = false
  tags                    = merge(local.tags, { Name = "${local.name}-public" })
}

# The way out to SSM, the package and image registries and the sync peers.
# Nothing comes in: the security group has no ingress rule.
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = merge(local.tags, { Name = local.name })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = merge(local.tags, { Name = "${local.name}-public" })
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# No ingress at all: the server is reached through SSM only.
resource "aws_security_group" "sync" {
  name        = "${local.name}-sg"
  description = "btsync server: no inbound access"
  vpc_id      = aws_vpc.main.id

  egress {
    description = "HTTPS out for SSM, packages and the container image"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "Sync peers, tracker and relay (TCP, unprivileged ports)"
    from_port   = 1024
    to_port     = 65535
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "Sync peers, tracker and relay (UDP, unprivileged ports)"
    from_port   = 1024
    to_port     = 65535
    protocol    = "udp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = local.tags
}

resource "aws_instance" "sync" {
  ami                    = var.ami_id != "" ? var.ami_id : data.aws_ami.al2023.id
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.public.id
  vpc_security_group_ids = [aws_security_group.sync.id]
  iam_instance_profile   = aws_iam_instance_profile.sync.name

  # recon:skip=ec2_no_public_ip Outbound only: the address lets the server reach SSM and its sync peers without VPC endpoints (~$7/month each) and a NAT gateway (~$33/month); the security group has no ingress rule and the address changes at every start (no Elastic IP)
  associate_public_ip_address = true

  # Cloud-init runs it once, at first boot: user_data.sh defines the steps, the
  # last line runs them for this stack's data volume.
  user_data = join("\n", [file("${path.module}/user_data.sh"), "main ${aws_ebs_volume.data.id}", ""])

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }

  root_block_device {
    volume_size           = var.root_volume_size
    volume_type           = "gp3"
    encrypted             = true
    kms_key_id            = aws_kms_key.ebs.arn
    delete_on_termination = true
  }

  tags = merge(local.tags, { Name = local.name })

  # The first boot installs Docker and pulls the image: the way out must exist by then.
  depends_on = [aws_route_table_association.public]
}

# The sync data lives on its own volume, so replacing the instance keeps it.
resource "aws_ebs_volume" "data" {
  availability_zone = local.az
  size              = var.data_volume_size
  type              = "gp3"
  encrypted         = true
  kms_key_id        = aws_kms_key.ebs.arn
  tags              = merge(local.tags, { Name = "${local.name}-data" })
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.sync.id
}
