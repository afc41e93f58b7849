queue_name     = "corpus-tfvars-queue"
retention_days = 4
tags = {
  Environment = "production"
}
