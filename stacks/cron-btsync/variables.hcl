variable "environment" {
  type        = string
  default     = "dev"
  description = "Deployment environment (dev, qa, prod)."

  validation {
    condition     = contains(["dev", "qa", "prod"], var.environment)
    error_message = "environment must be one of dev, qa, prod."
  }
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "ami_name_filter" {
  type    = string
  default = "al2023-ami-2023*-kernel-6.1-x86_64"
}

variable "ami_id" {
  type        = string
  default     = ""
  description = "Pin an AMI id; empty means the newest Amazon Linux 2023 image."
}

variable "vpc_cidr" {
  type    = string
  default = "10.42.0.0/16"
}

variable "root_volume_size" {
  type    = number
  default = 16
}

variable "data_volume_size" {
  type    = number
  default = 50
}

variable "start_schedule" {
  type        = string
  default     = "cron(0 4 ? * SAT *)"
  description = "When the server is switched on (EventBridge schedule, UTC)."
}

variable "stop_schedule" {
  type        = string
  default     = "cron(0 8 ? * SAT *)"
  description = "When the server is switched off (EventBridge schedule, UTC)."
}

variable "backup_force_destroy" {
  type        = bool
  default     = false
  description = "Let `recon destroy` delete the backup bucket with its objects."
}
