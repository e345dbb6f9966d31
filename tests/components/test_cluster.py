"""Cluster: an EKS cluster with a private endpoint, access entries only, encrypted Secrets, control-plane
logs in a CMK-encrypted group, standard support, nodes in the private tier, network policies enforced; or
an existing cluster from a secret kubeconfig. Either way, the Kubernetes provider everything else uses."""

from __future__ import annotations

import json

import pytest

from blueprint.engine.graph import is_secret
from components.cluster import Cluster, ClusterArgs
from components.eks import AccessGrant, NodeGroupArgs
from tests.support import KEY_ARN, TAGS, inputs, one, policy, record, taggable_types, untagged

EKS = "aws:eks/cluster:Cluster"
PROVIDER = "pulumi:providers:kubernetes"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
PRIVATE = ["subnet-private-0", "subnet-private-1"]
ROLE = "arn:aws:iam::123456789012:role/staging-{}"


def eks(**overrides):
    args = {
        "mode": "eks",
        "version": "1.35",
        "namespace": "apps",
        "tags": TAGS,
        "cluster_name": "staging",
        "vpc_id": "vpc-1",
        "subnet_ids": PRIVATE,
        "api_client_cidrs": ["10.42.0.0/20", "10.42.16.0/20"],
        "kms_key_arn": KEY_ARN,
        "log_retention_days": 30,
        "grants": [
            AccessGrant("admin-0", ROLE.format("deployer"), "admin"),
            AccessGrant("developer", ROLE.format("developer"), "edit"),
            AccessGrant("readonly", ROLE.format("readonly"), "view"),
        ],
        **overrides,
    }
    return record(lambda: Cluster("cluster", ClusterArgs(**args)))


@pytest.fixture(scope="module")
def graph():
    return eks()


def test_the_endpoint_is_private_unless_cidrs_are_listed(graph):
    vpc = inputs(one(graph, EKS))["vpcConfig"]
    assert (vpc["endpointPrivateAccess"], vpc["endpointPublicAccess"]) == (True, False)
    assert "publicAccessCidrs" not in vpc and vpc["subnetIds"] == PRIVATE
    public = inputs(one(eks(public_access_cidrs=["203.0.113.0/28"]), EKS))["vpcConfig"]
    assert (public["endpointPublicAccess"], public["publicAccessCidrs"]) == (True, ["203.0.113.0/28"])


def test_access_entries_only_secrets_encrypted_logs_and_standard_support(graph):
    cluster = inputs(one(graph, EKS))
    assert cluster["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": False,
    }
    assert cluster["encryptionConfig"] == {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}}
    assert cluster["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    assert (cluster["version"], cluster["name"], cluster["deletionProtection"]) == ("1.35", "staging", True)


def test_logs_go_to_an_encrypted_group_created_before_the_cluster(graph):
    group = one(graph, "aws:cloudwatch/logGroup:LogGroup")
    assert inputs(group)["name"] == "/aws/eks/staging/cluster"  # the group EKS writes to
    assert (inputs(group)["kmsKeyId"], inputs(group)["retentionInDays"]) == (KEY_ARN, 30)
    assert group.urn in one(graph, EKS).dependencies


def test_the_cluster_role_may_use_only_the_cmk(graph):
    statements = policy(one(graph, "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    assert statements == [
        {
            "Sid": "SecretsEnvelopeEncryption",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            "Resource": KEY_ARN,
        }
    ]
    trusts = {
        r.name: policy(r, "assumeRolePolicy")["Statement"][0]["Principal"]
        for r in graph.of_type("aws:iam/role:Role")
    }
    assert trusts == {
        "cluster-role": {"Service": "eks.amazonaws.com"},
        "cluster-node-role": {"Service": "ec2.amazonaws.com"},
    }


def test_the_api_is_reachable_on_443_from_the_private_tier_only(graph):
    rules = [inputs(r) for r in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")]
    assert sorted(r["cidrIpv4"] for r in rules) == ["10.42.0.0/20", "10.42.16.0/20"]
    assert {(r["fromPort"], r["toPort"], r["ipProtocol"]) for r in rules} == {(443, 443, "tcp")}


def test_access_policies_by_level_and_scope(graph):
    scopes = {
        inputs(r)["principalArn"].rsplit("-", 1)[-1]: (
            inputs(r)["policyArn"].rsplit("/", 1)[-1],
            inputs(r)["accessScope"],
        )
        for r in graph.of_type(ASSOCIATION)
    }
    assert scopes == {
        "deployer": ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        "developer": ("AmazonEKSEditPolicy", {"type": "namespace", "namespaces": ["apps"]}),
        "readonly": ("AmazonEKSViewPolicy", {"type": "cluster"}),
    }
    assert all(
        inputs(r)["policyArn"].startswith("arn:aws:eks::aws:cluster-access-policy/")
        for r in graph.of_type(ASSOCIATION)
    )


def test_nodes_run_in_the_private_tier_at_the_cluster_version(graph):
    nodes = inputs(one(graph, "aws:eks/nodeGroup:NodeGroup"))
    assert (nodes["subnetIds"], nodes["version"], nodes["nodeGroupName"]) == (
        PRIVATE,
        "1.35",
        "staging-nodes",
    )
    assert nodes["scalingConfig"] == {"minSize": 1, "desiredSize": 2, "maxSize": 3}
    assert nodes["amiType"] == NodeGroupArgs().ami_type
    policies = {
        inputs(r)["policyArn"].rsplit("/", 1)[-1]
        for r in graph.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert policies == {
        "AmazonEKSClusterPolicy",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
        "AmazonEC2ContainerRegistryPullOnly",
    }


def test_network_policies_are_enforced_and_pod_identity_runs(graph):
    addons = {inputs(r)["addonName"]: inputs(r) for r in graph.of_type("aws:eks/addon:Addon")}
    assert set(addons) == {"vpc-cni", "eks-pod-identity-agent"}
    assert json.loads(addons["vpc-cni"]["configurationValues"]) == {"enableNetworkPolicy": "true"}


def test_the_provider_uses_short_lived_tokens_and_waits_for_access(graph):
    provider = one(graph, PROVIDER)
    config = json.loads(inputs(provider)["kubeconfig"])
    user = config["users"][0]["user"]
    assert user == {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": [
                "eks",
                "get-token",
                "--cluster-name",
                "staging",
                "--region",
                "eu-west-1",
                "--output",
                "json",
            ],
            "interactiveMode": "Never",
        }
    }
    assert config["clusters"][0]["cluster"]["server"] == one(graph, EKS).outputs["endpoint"]
    waits_for = {r.type for r in graph.resources if r.urn in provider.dependencies}
    assert {ASSOCIATION, "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"} <= waits_for


def test_every_taggable_resource_is_tagged(graph):
    assert untagged(graph, TAGS) == []
    assert len([r for r in graph.resources if r.type in taggable_types()]) >= 8


def test_existing_mode_only_wraps_the_secret_kubeconfig():
    graph = record(
        lambda: Cluster(
            "cluster",
            ClusterArgs(
                mode="existing", version="1.34", namespace="apps", tags=TAGS, kubeconfig="kc", context="ctx"
            ),
        )
    )
    (provider,) = [r for r in graph.resources if r.custom]
    assert provider.type == PROVIDER
    assert is_secret(provider.inputs["kubeconfig"]) and provider.inputs["context"] == "ctx"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": "existing"}, "needs a kubeconfig"),
        ({"subnet_ids": []}, "needs cluster_name, subnet_ids and kms_key_arn"),
    ],
)
def test_a_mode_without_its_arguments_is_refused(overrides, message):
    args = {
        "mode": "eks",
        "version": "1.35",
        "namespace": "apps",
        "tags": TAGS,
        "cluster_name": "s",
        "subnet_ids": PRIVATE,
        "kms_key_arn": KEY_ARN,
    }
    with pytest.raises(ValueError, match=message):
        ClusterArgs(**{**args, **overrides})
