# What the Helm values and the chart's secret need (deploy/README.md, "Terraform → Helm").

output "eks_cluster_name" {
  description = "aws eks update-kubeconfig --name <this>"
  value       = module.eks.cluster_name
}

output "vpc_cidr" {
  description = "config.ECART_TRUSTED_PROXIES (the load balancers and ingress live in the VPC)"
  value       = module.vpc.vpc_cidr_block
}

output "kafka_bootstrap_brokers" {
  description = "kafka.bootstrapServers (TLS + SASL/SCRAM, port 9096)"
  value       = module.kafka.bootstrap_brokers_sasl_scram
}

output "kafka_scram_secret" {
  description = "The AmazonMSK_ secret holding the services' SCRAM user and password"
  value       = aws_secretsmanager_secret.kafka.name
}

output "postgres_endpoint" {
  description = "host:port in every ECART_<SERVICE>_DATABASE_URL (secret ecart/<environment>)"
  value       = module.postgres.db_instance_endpoint
}

output "postgres_master_secret_arn" {
  description = "The RDS-managed master password, to create each service's role and database"
  value       = module.postgres.db_instance_master_user_secret_arn
}

output "redis_endpoint" {
  description = "host in ECART_REDIS_URL=rediss://:<token>@<host>:6379/0 and ECART_RATE_LIMIT_STORAGE (…/1)"
  value       = module.redis.replication_group_primary_endpoint_address
}

output "redis_auth_token" {
  description = "The token in those Redis URLs (copy it into the secret, then forget it)"
  value       = random_password.redis_auth.result
  sensitive   = true
}

output "secrets_manager_secret" {
  description = "secrets.externalSecret.remoteKey"
  value       = aws_secretsmanager_secret.ecart.name
}
