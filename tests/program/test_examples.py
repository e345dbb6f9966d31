"""Every example stack under examples/ previews offline with zero mandatory violations and the shape its
comments promise. Expected counts follow from each file's settings (per AZ: one subnet per tier; route
tables: one public, one per private subnet, one isolated; NAT per strategy), not from running the code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from blueprint.engine import PROJECT_DIR, run_stack
from blueprint.engine.graph import is_secret
from blueprint.engine.stack_files import read_stack_file
from blueprint.policy import PolicyPackSession
from stack_config import NAMESPACE, load_stack_config

EXAMPLES = PROJECT_DIR / "examples"

#: example -> type token -> how many of that type the stack must have.
EXPECTED: dict[str, dict[str, int]] = {
    "minimal": {
        "aws:ec2/subnet:Subnet": 4,  # 1 AZ x (3 tiers + the interface endpoints' subnet)
        "aws:ec2/natGateway:NatGateway": 0,  # natStrategy none
        "aws:ec2/routeTable:RouteTable": 3,  # public, private-0, isolated
        "aws:ec2/route:Route": 1,  # only the public default route
        "aws:ec2/vpcEndpoint:VpcEndpoint": 7,  # 6 interface + the S3 gateway
        "aws:mq/broker:Broker": 1,
        "aws:rds/instance:Instance": 0,
        "aws:msk/cluster:Cluster": 0,
        "aws:lambda/function:Function": 1,
        "aws:iam/role:Role": 3,  # flow logs, broker function, developer
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 0,
    },
    "aurora-serverless": {
        "aws:ec2/subnet:Subnet": 8,  # 2 AZs x (3 tiers + endpoints)
        "aws:ec2/natGateway:NatGateway": 1,
        "aws:ec2/routeTable:RouteTable": 4,
        "aws:rds/cluster:Cluster": 1,
        "aws:rds/clusterInstance:ClusterInstance": 2,
        "aws:rds/instance:Instance": 0,
        "aws:lambda/function:Function": 0,
    },
    "kafka-serverless": {
        "aws:msk/serverlessCluster:ServerlessCluster": 1,
        "aws:msk/cluster:Cluster": 0,
        "aws:msk/configuration:Configuration": 0,
        "aws:glue/registry:Registry": 1,
        "aws:glue/schema:Schema": 2,
        "aws:ec2/subnet:Subnet": 12,  # 3 AZs x (3 tiers + endpoints)
    },
    "no-token-broker": {
        "aws:ec2/natGateway:NatGateway": 2,  # perAz over 2 AZs
        "aws:ec2/route:Route": 3,  # public + one per private route table
        "aws:rds/instance:Instance": 1,
        "aws:msk/cluster:Cluster": 1,
        "aws:lambda/function:Function": 0,
        "aws:apigatewayv2/api:Api": 0,
        "aws:iam/role:Role": 1,  # flow logs only
    },
    "ci-existing-provider": {
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 0,  # named by ARN, not created
        "aws:iam/role:Role": 4,  # flow logs, broker function, developer, ci-deploy
    },
    "existing-cluster": {
        "aws:eks/cluster:Cluster": 0,  # mode existing: the cluster is not created
        "pulumi:providers:kubernetes": 1,  # from the secret kubeconfig
        "kubernetes:core/v1:Namespace": 2,  # shop, envoy-gateway-system
        # OIDC on the Gateway; robots.txt without a login on edge-robots
        "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy": 2,
        "kubernetes:core/v1:Secret": 1,  # the OIDC client secret
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": 1,  # edge-robots only: no mail UI route
        "kubernetes:apps/v1:Deployment": 1,  # Mailpit
        "aws:iam/role:Role": 1,  # flow logs only: no EKS roles, no token broker
    },
    "pr-123": {  # a slice: none of the heavy parts, everything on staging's shared ones
        "aws:ec2/vpc:Vpc": 0,
        "aws:ec2/natGateway:NatGateway": 0,
        "aws:ec2/vpcEndpoint:VpcEndpoint": 0,
        "aws:eks/cluster:Cluster": 0,
        "aws:rds/instance:Instance": 0,
        "aws:msk/cluster:Cluster": 0,
        "aws:mq/broker:Broker": 0,
        "kubernetes:core/v1:Namespace": 1,  # pr-123
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute": 1,  # pr-123.staging.example.com
        "aws:eks/podIdentityAssociation:PodIdentityAssociation": 1,
        "aws:lambda/function:Function": 1,  # the provisioner (database and rabbitmq parts)
        "aws:lambda/invocation:Invocation": 1,
        "aws:iam/role:Role": 2,  # workload, provisioner
    },
}


@pytest.fixture(scope="module")
def policy_pack() -> Iterator[PolicyPackSession]:
    with PolicyPackSession(project="staging-blueprint", stack="examples") as session:
        yield session


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("Pulumi.*.yaml"))


def test_every_example_has_expectations():
    assert {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in example_paths()} == set(EXPECTED)


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem.removeprefix("Pulumi."))
def test_example_previews_clean_with_the_promised_shape(policy_pack, path):
    settings = read_stack_file(PROJECT_DIR, path)
    load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    graph = run_stack(settings)
    counts = Counter(r.type for r in graph.resources)
    expected = EXPECTED[settings.stack]
    assert {t: counts[t] for t in expected} == expected
    report = policy_pack.run(graph, stack_config=settings.config)
    assert [(v.policy_name, v.urn) for v in report.violations if v.enforcement_level == "mandatory"] == []


def test_the_existing_cluster_example_uses_the_secret_kubeconfig_and_oidc():
    settings = read_stack_file(PROJECT_DIR, EXAMPLES / "Pulumi.existing-cluster.yaml")
    graph = run_stack(settings)
    provider = next(r for r in graph.resources if r.type == "pulumi:providers:kubernetes")
    assert is_secret(provider.inputs["kubeconfig"]) and provider.inputs["context"] == "staging"
    policy = next(  # the Gateway's policy (a rule-level one keeps /robots.txt readable without a login)
        r
        for r in graph.resources
        if r.inputs.get("kind") == "SecurityPolicy" and r.inputs["spec"]["targetRefs"][0]["kind"] == "Gateway"
    )
    assert policy.inputs["spec"]["oidc"]["provider"]["issuer"] == "https://login.example.net/realms/staff"
    namespace = next(r for r in graph.resources if r.name == "namespace" and r.custom)
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] == "v1.34"


def test_the_ci_example_trusts_the_named_provider():
    settings = read_stack_file(PROJECT_DIR, EXAMPLES / "Pulumi.ci-existing-provider.yaml")
    graph = run_stack(settings)
    role = next(r for r in graph.resources if r.name == "token-broker-ci-deploy")
    assert "oidc-provider/token.actions.githubusercontent.com" in role.inputs["assumeRolePolicy"]
    assert role.inputs["name"] == "staging-eu2-ci-deploy"
