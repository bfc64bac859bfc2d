variable "region" {
  description = "AWS region of every resource"
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name (staging, prod): part of every resource name"
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment: lower-case letters, digits and dashes, 2-16 characters."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC"
  type        = string
  default     = "10.30.0.0/16" # values-prod.yaml trusts it as ECART_TRUSTED_PROXIES
}

variable "availability_zones" {
  description = "Availability zones used (three: MSK and the node groups spread over them)"
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "kubernetes_version" {
  description = "EKS control-plane version"
  type        = string
  default     = "1.33"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "Networks allowed to reach the EKS API endpoint (empty: private endpoint only)"
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Instance types of the managed node group"
  type        = list(string)
  default     = ["m6i.large"]
}

variable "node_min_size" {
  description = "Fewest nodes"
  type        = number
  default     = 3
}

variable "node_max_size" {
  description = "Most nodes"
  type        = number
  default     = 9
}

variable "postgres_version" {
  description = "RDS PostgreSQL engine version"
  type        = string
  default     = "16.8"
}

variable "db_instance_class" {
  description = "RDS instance class"
  type        = string
  default     = "db.m6g.large"
}

variable "db_allocated_storage" {
  description = "RDS storage in GiB (autoscaling up to 4x)"
  type        = number
  default     = 50
}

variable "redis_node_type" {
  description = "ElastiCache node type"
  type        = string
  default     = "cache.t4g.medium"
}

variable "kafka_version" {
  description = "MSK Kafka version (4.x runs in KRaft mode; `aws kafka list-kafka-versions`)"
  type        = string
  default     = "4.0.x"
}

variable "kafka_instance_type" {
  description = "MSK broker instance type"
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_volume_size" {
  description = "EBS volume per MSK broker, in GiB"
  type        = number
  default     = 100
}

variable "tags" {
  description = "Extra tags on every resource"
  type        = map(string)
  default     = {}
}
