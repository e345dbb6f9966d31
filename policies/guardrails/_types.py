"""Type tokens the rules check (pulumi-aws 7.x and pulumi-kubernetes 4.x).

Kept in one place so a test can verify each token against the installed SDKs.
"""

from __future__ import annotations

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
RDS_SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
MSK_CLUSTER = "aws:msk/cluster:Cluster"
MSK_SERVERLESS_CLUSTER = "aws:msk/serverlessCluster:ServerlessCluster"
MQ_BROKER = "aws:mq/broker:Broker"

VPC = "aws:ec2/vpc:Vpc"
#: Secondary CIDR blocks of a VPC (``cidrBlock`` / ``ipv6CidrBlock``).
VPC_IPV4_CIDR_ASSOCIATION = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"
VPC_IPV6_CIDR_ASSOCIATION = "aws:ec2/vpcIpv6CidrBlockAssociation:VpcIpv6CidrBlockAssociation"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
VPN_GATEWAY = "aws:ec2/vpnGateway:VpnGateway"
VPC_PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
TGW_VPC_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
TGW_PEERING_ATTACHMENT = "aws:ec2transitgateway/peeringAttachment:PeeringAttachment"

EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
EBS_VOLUME = "aws:ebs/volume:Volume"
#: The account's default key for EBS encryption in a region (``keyArn``).
EBS_DEFAULT_KMS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"
#: Audit trails: CloudTrail trails and CloudTrail Lake event data stores (both ``kmsKeyId``).
CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
CLOUDTRAIL_EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
#: Application/Network/Gateway load balancers (``aws:alb`` is the same resource under its older module).
LOAD_BALANCERS = frozenset({"aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"})
CLASSIC_LOAD_BALANCER = "aws:elb/loadBalancer:LoadBalancer"
LB_LISTENERS = frozenset({"aws:lb/listener:Listener", "aws:alb/listener:Listener"})
LB_LISTENER_RULES = frozenset({"aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"})
APIGW_METHOD = "aws:apigateway/method:Method"

S3_BUCKETS = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_BUCKET_ACLS = frozenset({"aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"})
S3_OBJECTS = frozenset({"aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"})
S3_SSE_CONFIGS = frozenset(
    {
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
S3_ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"
S3_ACCESS_POINT_POLICY = "aws:s3control/accessPointPolicy:AccessPointPolicy"
SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
#: OpenSearch domains (``aws:elasticsearch`` is the legacy Elasticsearch API with the same properties).
SEARCH_DOMAINS = frozenset({"aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain"})
SEARCH_DOMAIN_POLICIES = frozenset(
    {"aws:opensearch/domainPolicy:DomainPolicy", "aws:elasticsearch/domainPolicy:DomainPolicy"}
)
ELASTICACHE_REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
ELASTICACHE_CLUSTER = "aws:elasticache/cluster:Cluster"
ELASTICACHE_SERVERLESS = "aws:elasticache/serverlessCache:ServerlessCache"
ELASTICACHE_SUBNET_GROUP = "aws:elasticache/subnetGroup:SubnetGroup"

KMS_KEY = "aws:kms/key:Key"
SECRET = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

IAM_ROLE = "aws:iam/role:Role"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
#: Resources attaching managed policies -> the property holding the policy ARN(s).
MANAGED_POLICY_ATTACHMENTS = {
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
}

LAMBDA_FUNCTION = "aws:lambda/function:Function"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
APIGW2_ROUTE = "aws:apigatewayv2/route:Route"
#: Everything that creates or equips an IAM user: long-lived credentials staging must not have.
IAM_USER_TYPES = frozenset(
    {
        "aws:iam/user:User",
        "aws:iam/accessKey:AccessKey",
        "aws:iam/userLoginProfile:UserLoginProfile",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/userGroupMembership:UserGroupMembership",
        "aws:iam/groupMembership:GroupMembership",
        "aws:iam/userPoliciesExclusive:UserPoliciesExclusive",
        "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
        "aws:iam/sshKey:SshKey",
        "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
        "aws:iam/signingCertificate:SigningCertificate",
    }
)

#: Gateway API HTTPRoute, as a pulumi-kubernetes CustomResource / apiextensions type token.
HTTP_ROUTE_TYPES = frozenset(
    {
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
        "kubernetes:gateway.networking.k8s.io/v1beta1:HTTPRoute",
    }
)
#: Envoy Gateway's HTTPRouteFilter (direct responses such as ``/robots.txt``).
ENVOY_ROUTE_FILTER = "kubernetes:gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter"
#: Gateway API Gateways (the edge's entry points).
GATEWAY_TYPES = frozenset(
    {
        "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        "kubernetes:gateway.networking.k8s.io/v1beta1:Gateway",
    }
)
#: Envoy Gateway policies and data-plane settings (``gateway.envoyproxy.io/v1alpha1``).
CLIENT_TRAFFIC_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy"
SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy"
ENVOY_PROXY = "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy"
#: Ingress objects: HTTP entry points served by some ingress controller, outside the edge.
INGRESS_TYPES = frozenset(
    {
        "kubernetes:networking.k8s.io/v1:Ingress",
        "kubernetes:networking.k8s.io/v1beta1:Ingress",
        "kubernetes:extensions/v1beta1:Ingress",
    }
)
K8S_NAMESPACE = "kubernetes:core/v1:Namespace"
K8S_SERVICE = "kubernetes:core/v1:Service"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
#: A Helm release (pulumi-kubernetes ``helm.sh/v3``): ``chart``, ``namespace``, ``values``.
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
#: Kinds that run containers, by where their pod spec lives (``kind`` -> path below ``spec``).
WORKLOADS = {
    "kubernetes:core/v1:Pod": (),
    "kubernetes:apps/v1:Deployment": ("template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("template", "spec"),
    "kubernetes:batch/v1:Job": ("template", "spec"),
    "kubernetes:batch/v1:CronJob": ("jobTemplate", "spec", "template", "spec"),
}

EKS_CLUSTER = "aws:eks/cluster:Cluster"
SCHEDULER_SCHEDULE = "aws:scheduler/schedule:Schedule"
AUTOSCALING_SCHEDULE = "aws:autoscaling/schedule:Schedule"
