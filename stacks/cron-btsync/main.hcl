# A small sync/backup server: no inbound access, no public IP, IMDSv2 only,
# managed through SSM (iam.hcl), root and data volumes encrypted with a
# customer-managed KMS key. schedule.hcl switches it on and off; backup.hcl is
# where its backups go.

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

resource "aws_subnet" "private" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, 1)
  availability_zone       = local.az
  map_public_ip_on_launch = false
  tags                    = merge(local.tags, { Name = "${local.name}-private" })
}

# No ingress at all: the server is reached through SSM only.
resource "aws_security_group" "sync" {
  name        = "${local.name}-sg"
  description = "btsync server: no inbound access"
  vpc_id      = aws_vpc.main.id

  egress {
    description = "HTTPS out for sync peers and SSM"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = local.tags
}

resource "aws_instance" "sync" {
  ami                         = var.ami_id != "" ? var.ami_id : data.aws_ami.al2023.id
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.private.id
  vpc_security_group_ids      = [aws_security_group.sync.id]
  associate_public_ip_address = false
  iam_instance_profile        = aws_iam_instance_profile.sync.name

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
