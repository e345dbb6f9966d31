"""Every resource type the program can create, classified as priced, free or not priced, with why.

``tests/cost/test_classification.py`` records the default stack and every example and fails when a type
appears that is not in ``CLASSIFICATION``: a new type must be classified here before it can ship, so the
estimate never shows a silent $0. ``priced`` types have a pricing rule in ``blueprint.cost.rules``;
``free`` types carry no charge of their own (the reason says where their cost, if any, is counted);
``not priced`` types cost money the estimate cannot price (the reason says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["priced", "free", "not priced"]


@dataclass(frozen=True)
class Classification:
    """How the estimate treats one resource type.

    Attributes:
        kind: ``priced``, ``free`` or ``not priced``.
        why: what is priced, why it is free, or why it cannot be priced.
    """

    kind: Kind
    why: str


def _p(why: str) -> Classification:
    return Classification("priced", why)


def _f(why: str) -> Classification:
    return Classification("free", why)


def _n(why: str) -> Classification:
    return Classification("not priced", why)


_IAM = (
    'IAM has no charge: "IAM is an Amazon Web Services service that you can use with no additional charge"'
    " (https://docs.amazonaws.cn/en_us/quick/latest/userguide/iam.md, read 2026-12-06)"
)
_VPC = "a VPC and its subnets, route tables, gateways' routes and security groups have no charge of their own"
_GLUE = (
    '"The Schema registry is serverless and free to use"'
    " (https://docs.aws.amazon.com/glue/latest/dg/schema-registry.html, read 2026-12-06)"
)
_K8S = "a Kubernetes object: its pods run on the node group, whose instance hours are priced"

#: type token -> classification. Keep sorted by type token.
CLASSIFICATION: dict[str, Classification] = {
    "aws:apigatewayv2/api:Api": _p("HTTP API requests (usage-dependent)"),
    "aws:apigatewayv2/authorizer:Authorizer": _f(
        "authorizer calls are Lambda invocations, priced on the function"
    ),
    "aws:apigatewayv2/integration:Integration": _f("part of the HTTP API, priced per request on the API"),
    "aws:apigatewayv2/route:Route": _f("part of the HTTP API, priced per request on the API"),
    "aws:apigatewayv2/stage:Stage": _f("part of the HTTP API, priced per request on the API"),
    "aws:cloudwatch/logGroup:LogGroup": _p("log ingestion and storage (usage-dependent)"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _f(_VPC),
    "aws:ec2/eip:Eip": _p("public IPv4 address hours"),
    "aws:ec2/flowLog:FlowLog": _f("the flow log's records are ingested into its log group, priced there"),
    "aws:ec2/internetGateway:InternetGateway": _f(_VPC),
    "aws:ec2/natGateway:NatGateway": _p("NAT gateway hours; data processed (usage-dependent)"),
    "aws:ec2/route:Route": _f(_VPC),
    "aws:ec2/routeTable:RouteTable": _f(_VPC),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _f(_VPC),
    "aws:ec2/securityGroup:SecurityGroup": _f(_VPC),
    "aws:ec2/subnet:Subnet": _f(_VPC),
    "aws:ec2/vpc:Vpc": _f(_VPC),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _p(
        "interface endpoints: hours per AZ and data processed; gateway endpoints (S3) have no charge"
    ),
    "aws:eks/accessEntry:AccessEntry": _f("part of the EKS cluster, priced per cluster hour"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": _f("part of the EKS cluster"),
    "aws:eks/addon:Addon": _f("EKS add-ons run as pods on the node group; the add-on itself has no charge"),
    "aws:eks/cluster:Cluster": _p("cluster hours, plus the extended-support surcharge past standard support"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _f(
        "configuration of the EKS cluster (priced per cluster hour); the Pod Identity agent runs as pods on "
        "the node group"
    ),
    "aws:eks/nodeGroup:NodeGroup": _p("instance hours (desired size) and root-volume GB-months"),
    "aws:glue/registry:Registry": _f(_GLUE),
    "aws:glue/schema:Schema": _f(_GLUE),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _f(_IAM),
    "aws:iam/policy:Policy": _f(_IAM),
    "aws:iam/role:Role": _f(_IAM),
    "aws:iam/rolePolicy:RolePolicy": _f(_IAM),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _f(_IAM),
    "aws:kms/alias:Alias": _f("an alias has no charge; the key it names is priced"),
    "aws:kms/key:Key": _p("key months (the rotation surcharge is not included)"),
    "aws:lambda/function:Function": _p("requests (usage-dependent)"),
    "aws:lambda/invocation:Invocation": _n(
        "one request to the slice provisioner per create, update and delete: usage-dependent, and no "
        "request rate is sourced for every region"
    ),
    "aws:lambda/permission:Permission": _f("a resource-policy statement on the function"),
    "aws:mq/broker:Broker": _p("broker instance hours per node"),
    "aws:msk/cluster:Cluster": _p("broker hours and broker storage GB-months"),
    "aws:msk/configuration:Configuration": _f("an MSK configuration has no charge; the cluster is priced"),
    "aws:msk/serverlessCluster:ServerlessCluster": _p("cluster hours; partition hours (usage-dependent)"),
    "aws:rds/cluster:Cluster": _p("Aurora storage (usage-dependent); its instances are priced separately"),
    "aws:rds/clusterInstance:ClusterInstance": _p("Serverless v2 ACU hours (minimum capacity, plus usage)"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _f("parameter groups have no charge"),
    "aws:rds/instance:Instance": _p("instance hours (Single- or Multi-AZ) and storage GB-months"),
    "aws:rds/parameterGroup:ParameterGroup": _f("parameter groups have no charge"),
    "aws:rds/subnetGroup:SubnetGroup": _f("subnet groups have no charge"),
    "aws:secretsmanager/secret:Secret": _p("secret months (API calls not included)"),
    "aws:scheduler/schedule:Schedule": _f(
        "EventBridge Scheduler bills invocations above a free tier of 14 million a month ($1.00 per million "
        "after it; third-party summary of the AWS pricing page, https://cloudburn.io/blog/amazon-eventbridge-"
        "pricing, March 2026, read 2026-12-07); a staging stop or start schedule runs at most 31 times "
        "a month"
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": _f("a version of a secret priced per secret month"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _f(_VPC),
    "kubernetes:apps/v1:Deployment": _f(_K8S),
    "kubernetes:core/v1:LimitRange": _f(_K8S),
    "kubernetes:core/v1:Namespace": _f(_K8S),
    "kubernetes:core/v1:ResourceQuota": _f(_K8S),
    "kubernetes:core/v1:Secret": _f(_K8S),
    "kubernetes:core/v1:ServiceAccount": _f(_K8S),
    "kubernetes:core/v1:Service": _f("a ClusterIP Service (the mail sink's): no load balancer"),
    "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy": _f(_K8S),
    "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy": _n(
        "its LoadBalancer Service makes the AWS Load Balancer Controller create an internal NLB outside the"
        " program; no NLB hour rate was read from a source here"
    ),
    "kubernetes:gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter": _f(_K8S),
    "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy": _f(_K8S),
    "kubernetes:gateway.networking.k8s.io/v1:Gateway": _f(_K8S),
    "kubernetes:gateway.networking.k8s.io/v1:GatewayClass": _f(_K8S),
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": _f(_K8S),
    "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant": _f(_K8S),
    "kubernetes:helm.sh/v3:Release": _f("the Envoy Gateway chart's pods run on the node group"),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": _f(_K8S),
    "pulumi:providers:kubernetes": _f("a Pulumi provider, not a cloud resource"),
    "random:index/randomPassword:RandomPassword": _f("generated by Pulumi, not a cloud resource"),
}


def classify(type_token: str) -> Classification | None:
    """The classification of ``type_token``, or None when it has none (a gap the tests refuse)."""
    return CLASSIFICATION.get(type_token)
