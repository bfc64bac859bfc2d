# ecart on AWS: a VPC over three zones, EKS for the services, and the managed backends the
# Helm chart expects outside the cluster: RDS PostgreSQL, ElastiCache Redis and MSK (Kafka).
# Community modules (terraform-aws-modules), each pinned to an exact version.

locals {
  name = "ecart-${var.environment}"
  tags = merge({ Project = "ecart", Environment = var.environment, ManagedBy = "terraform" }, var.tags)
  # /20 private subnets for pods and nodes, /24 public (load balancers), /24 databases.
  private_subnets  = [for i, _ in var.availability_zones : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets   = [for i, _ in var.availability_zones : cidrsubnet(var.vpc_cidr, 8, 48 + i)]
  database_subnets = [for i, _ in var.availability_zones : cidrsubnet(var.vpc_cidr, 8, 64 + i)]
}

module "vpc" {
  #checkov:skip=CKV_TF_1:A registry module pinned to an exact version (deploy/README.md, "Terraform")
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.21.0"

  name             = local.name
  cidr             = var.vpc_cidr
  azs              = var.availability_zones
  private_subnets  = local.private_subnets
  public_subnets   = local.public_subnets
  database_subnets = local.database_subnets

  create_database_subnet_group = true
  enable_nat_gateway           = true
  one_nat_gateway_per_az       = true
  enable_dns_hostnames         = true

  enable_flow_log                      = true
  create_flow_log_cloudwatch_log_group = true
  create_flow_log_cloudwatch_iam_role  = true

  public_subnet_tags  = { "kubernetes.io/role/elb" = "1" }
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = "1" }
}

module "eks" {
  #checkov:skip=CKV_TF_1:A registry module pinned to an exact version (deploy/README.md, "Terraform")
  source  = "terraform-aws-modules/eks/aws"
  version = "20.37.1"

  cluster_name    = local.name
  cluster_version = var.kubernetes_version

  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets

  cluster_endpoint_private_access      = true
  cluster_endpoint_public_access       = length(var.cluster_endpoint_public_access_cidrs) > 0
  cluster_endpoint_public_access_cidrs = var.cluster_endpoint_public_access_cidrs
  cluster_enabled_log_types            = ["api", "audit", "authenticator"]

  enable_cluster_creator_admin_permissions = true

  cluster_addons = {
    coredns                = {}
    kube-proxy             = {}
    eks-pod-identity-agent = {}
    aws-ebs-csi-driver     = {}
    # The chart's NetworkPolicies are enforced by the VPC CNI's network policy agent.
    vpc-cni = {
      before_compute       = true
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
    }
  }

  eks_managed_node_groups = {
    default = {
      instance_types = var.node_instance_types
      min_size       = var.node_min_size
      max_size       = var.node_max_size
      desired_size   = var.node_min_size
      # IMDSv2 only, one hop: pods cannot borrow the node's role.
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }
    }
  }
}
