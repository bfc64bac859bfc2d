# The managed backends, reachable only from the EKS nodes (security groups below).

resource "aws_kms_key" "data" {
  description             = "${local.name}: RDS, ElastiCache, MSK and Secrets Manager at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:The key policy's root statement is AWS's default; IAM policies scope it
  #checkov:skip=CKV_AWS_111:The key policy's root statement is AWS's default; IAM policies scope it
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*")
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_security_group" "postgres" {
  #checkov:skip=CKV2_AWS_5:Attached through a module input (RDS, ElastiCache, MSK), which checkov cannot follow offline
  name_prefix = "${local.name}-postgres-"
  description = "PostgreSQL from the EKS nodes only"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description     = "PostgreSQL from the EKS nodes"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

resource "aws_security_group" "redis" {
  #checkov:skip=CKV2_AWS_5:Attached through a module input (RDS, ElastiCache, MSK), which checkov cannot follow offline
  name_prefix = "${local.name}-redis-"
  description = "Redis from the EKS nodes only"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description     = "Redis (TLS) from the EKS nodes"
    from_port       = 6379
    to_port         = 6379
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

resource "aws_security_group" "kafka" {
  #checkov:skip=CKV2_AWS_5:Attached through a module input (RDS, ElastiCache, MSK), which checkov cannot follow offline
  name_prefix = "${local.name}-kafka-"
  description = "Kafka brokers from the EKS nodes only"
  vpc_id      = module.vpc.vpc_id

  ingress {
    description     = "Kafka SASL/SCRAM over TLS (9096) from the EKS nodes"
    from_port       = 9096
    to_port         = 9096
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }
}

module "postgres" {
  #checkov:skip=CKV_TF_1:A registry module pinned to an exact version (deploy/README.md, "Terraform")
  source  = "terraform-aws-modules/rds/aws"
  version = "6.12.0"

  identifier           = local.name
  engine               = "postgres"
  engine_version       = var.postgres_version
  family               = "postgres16"
  major_engine_version = "16"
  instance_class       = var.db_instance_class

  allocated_storage     = var.db_allocated_storage
  max_allocated_storage = var.db_allocated_storage * 4
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.data.arn

  # The master password lives in Secrets Manager, rotated by RDS; each service's role and
  # database are created from it (deploy/README.md, "Terraform").
  db_name                             = "postgres"
  username                            = "ecart_admin"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.data.arn
  iam_database_authentication_enabled = true
  port                                = 5432

  multi_az               = true
  db_subnet_group_name   = module.vpc.database_subnet_group_name
  vpc_security_group_ids = [aws_security_group.postgres.id]

  backup_retention_period         = 14
  deletion_protection             = true
  skip_final_snapshot             = false
  copy_tags_to_snapshot           = true
  auto_minor_version_upgrade      = true
  performance_insights_enabled    = true
  performance_insights_kms_key_id = aws_kms_key.data.arn
  monitoring_interval             = 60
  create_monitoring_role          = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  parameters = [
    { name = "rds.force_ssl", value = "1" },
    { name = "log_min_duration_statement", value = "500" },
  ]
}

resource "random_password" "redis_auth" {
  length  = 48
  special = false # embedded in ECART_REDIS_URL
}

module "redis" {
  #checkov:skip=CKV_TF_1:A registry module pinned to an exact version (deploy/README.md, "Terraform")
  source  = "terraform-aws-modules/elasticache/aws"
  version = "1.6.0"

  replication_group_id = local.name
  description          = "ecart: catalog cache and abuse-limit counters"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = var.redis_node_type

  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true

  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth.result
  at_rest_encryption_enabled = true
  kms_key_arn                = aws_kms_key.data.arn

  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.database_subnets
  create_security_group = false
  security_group_ids    = [aws_security_group.redis.id]

  create_parameter_group = true
  parameter_group_family = "redis7"
  apply_immediately      = true
}

module "kafka" {
  #checkov:skip=CKV_TF_1:A registry module pinned to an exact version (deploy/README.md, "Terraform")
  source  = "terraform-aws-modules/msk-kafka-cluster/aws"
  version = "2.11.1"

  name                   = local.name
  kafka_version          = var.kafka_version # 4.x: KRaft, no ZooKeeper
  number_of_broker_nodes = length(var.availability_zones)

  broker_node_client_subnets  = module.vpc.private_subnets
  broker_node_instance_type   = var.kafka_instance_type
  broker_node_security_groups = [aws_security_group.kafka.id]
  broker_node_storage_info = {
    ebs_storage_info = { volume_size = var.kafka_volume_size }
  }

  encryption_at_rest_kms_key_arn = aws_kms_key.data.arn
  # Clients speak TLS and authenticate with SASL/SCRAM (ECART_KAFKA_SECURITY_PROTOCOL=SASL_SSL,
  # user and password from the AmazonMSK_ secret below).
  encryption_in_transit_client_broker = "TLS"
  encryption_in_transit_in_cluster    = true
  client_authentication = {
    sasl = { scram = true }
  }
  create_scram_secret_association          = true
  scram_secret_association_secret_arn_list = [aws_secretsmanager_secret.kafka.arn]

  configuration_name = local.name
  configuration_server_properties = {
    "auto.create.topics.enable"  = false # ecart creates its topics and their .dlq
    "default.replication.factor" = 3
    "min.insync.replicas"        = 2
  }

  cloudwatch_logs_enabled = true
}

# The SCRAM user of the services (MSK needs the `AmazonMSK_` prefix and a customer key):
# {"username": "ecart", "password": …}, written out of band; the same password goes into
# ecart/<environment> as ECART_KAFKA_SASL_PASSWORD.
resource "aws_secretsmanager_secret" "kafka" {
  #checkov:skip=CKV2_AWS_57:The SCRAM password rotates through a release, not a Lambda
  name        = "AmazonMSK_ecart_${var.environment}"
  description = "ecart ${var.environment}: the services' Kafka SASL/SCRAM credentials"
  kms_key_id  = aws_kms_key.data.arn
}

# Where the chart's External Secrets read the services' secrets (remoteKey ecart/<env>):
# database URLs, client secrets, the signing key, Redis URLs. Terraform creates the
# container; its values are written out of band, never into state.
resource "aws_secretsmanager_secret" "ecart" {
  #checkov:skip=CKV2_AWS_57:Client secrets and the signing key rotate through a release, not a Lambda
  name        = "ecart/${var.environment}"
  description = "ecart ${var.environment}: the services' secrets (synced by External Secrets)"
  kms_key_id  = aws_kms_key.data.arn
}
