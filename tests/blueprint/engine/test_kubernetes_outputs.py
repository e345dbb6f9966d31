"""The recording engine answers the Kubernetes side like its providers would: Kubernetes objects come back
with a name, namespace, uid and ``<namespace>/<name>`` id; Helm releases with their status; EKS resources
with endpoint, CA, OIDC issuer and cluster security group, composite ids, and the ``name`` of auto-named
AWS resources that others refer to."""

from __future__ import annotations

import base64

from blueprint.engine.outputs import synthesize_outputs

NAMESPACE = "kubernetes:core/v1:Namespace"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def test_kubernetes_objects_get_metadata_and_an_id():
    rid, out = synthesize_outputs(
        POLICY,
        "np",
        {"kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "apps"}},
        "eu-west-1",
    )
    assert rid == "apps/deny"
    assert (out["metadata"]["name"], out["metadata"]["namespace"]) == ("deny", "apps")
    assert len(out["metadata"]["uid"]) == 36
    auto_id, auto = synthesize_outputs(POLICY, "np", {"kind": "NetworkPolicy"}, "eu-west-1")
    assert auto["metadata"]["name"].startswith("np-") and len(auto["metadata"]["name"]) == len("np-") + 8
    assert auto_id == f"default/{auto['metadata']['name']}"  # namespaced kinds land in `default`


def test_cluster_scoped_kinds_have_no_namespace():
    rid, out = synthesize_outputs(
        NAMESPACE, "ns", {"kind": "Namespace", "metadata": {"name": "apps"}}, "eu-west-1"
    )
    assert rid == "apps" and "namespace" not in out["metadata"]


def test_ids_are_stable_per_stack_and_name():
    first = synthesize_outputs(NAMESPACE, "ns", {"kind": "Namespace"}, "eu-west-1", "a")
    assert first == synthesize_outputs(NAMESPACE, "ns", {"kind": "Namespace"}, "eu-west-1", "a")
    assert first != synthesize_outputs(NAMESPACE, "ns", {"kind": "Namespace"}, "eu-west-1", "b")


def test_a_helm_release_reports_it_deployed():
    inputs = {
        "chart": "oci://docker.io/envoyproxy/gateway-helm",
        "version": "v1.9.2",
        "namespace": "envoy-gateway-system",
    }
    rid, out = synthesize_outputs("kubernetes:helm.sh/v3:Release", "eg", inputs, "eu-west-1")
    assert rid == f"envoy-gateway-system/{out['name']}"
    assert out["status"]["status"] == "deployed" and out["status"]["chart"] == "gateway-helm"


def test_an_eks_cluster_has_endpoint_ca_issuer_and_security_group():
    inputs = {
        "name": "staging",
        "vpcConfig": {"subnetIds": ["subnet-1"]},
        "accessConfig": {"authenticationMode": "API"},
    }
    rid, out = synthesize_outputs("aws:eks/cluster:Cluster", "eks", inputs, "eu-west-1")
    assert rid == "staging" and out["arn"] == "arn:aws:eks:eu-west-1:123456789012:cluster/staging"
    assert out["endpoint"].startswith("https://") and out["endpoint"].endswith(
        ".gr7.eu-west-1.eks.amazonaws.com"
    )
    assert base64.b64decode(out["certificateAuthority"]["data"])
    assert out["identities"][0]["oidcs"][0]["issuer"].startswith(
        "https://oidc.eks.eu-west-1.amazonaws.com/id/"
    )
    assert out["vpcConfig"]["clusterSecurityGroupId"].startswith("sg-")
    assert out["vpcConfig"]["subnetIds"] == ["subnet-1"]
    # what the program set wins; what it left out shows the API's default
    assert out["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": True,
    }


def test_node_groups_and_addons_have_composite_ids():
    rid, out = synthesize_outputs(
        "aws:eks/nodeGroup:NodeGroup",
        "nodes",
        {"clusterName": "staging", "nodeGroupName": "staging-nodes"},
        "eu-west-1",
    )
    assert (rid, out["status"]) == ("staging:staging-nodes", "ACTIVE")
    rid, _ = synthesize_outputs(
        "aws:eks/addon:Addon", "cni", {"clusterName": "staging", "addonName": "vpc-cni"}, "eu-west-1"
    )
    assert rid == "staging:vpc-cni"


def test_auto_named_roles_report_their_name():
    rid, out = synthesize_outputs(
        "aws:iam/role:Role", "cluster-role", {"assumeRolePolicy": "{}"}, "eu-west-1"
    )
    assert out["name"] == rid and rid.startswith("cluster-role-")
    _, named = synthesize_outputs("aws:iam/role:Role", "r", {"name": "staging-developer"}, "eu-west-1")
    assert named["name"] == "staging-developer"
