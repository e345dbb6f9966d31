"""StagingNamespace: Pod Security restricted, default-deny with explicit allows, quota and limits, all created
through the cluster's provider."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from components.staging_namespace import DataTierEgress, StagingNamespace, StagingNamespaceArgs
from tests.support import inputs, one, record

POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DEFAULTS = {
    "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
    "default": {"cpu": "500m", "memory": "512Mi"},
    "max": {"cpu": "4", "memory": "8Gi"},
}


def build(**overrides: Any):
    args = {
        "namespace": "apps",
        "pod_security_version": "v1.35",
        "quota": {"requests.cpu": "8", "pods": "100"},
        "container_defaults": DEFAULTS,
        "data_tier": [DataTierEgress("db-orders", ["10.42.128.0/21"], [5432])],
        "aws_api_cidrs": ["10.42.0.0/20"],
        **overrides,
    }

    def program() -> None:
        provider = k8s.Provider("kube", kubeconfig="{}")
        StagingNamespace("namespace", StagingNamespaceArgs(**args), provider)

    return record(program)


@pytest.fixture(scope="module")
def graph():
    return build()


def policies(graph) -> dict[str, dict[str, Any]]:
    return {inputs(r)["metadata"]["name"]: inputs(r)["spec"] for r in graph.of_type(POLICY)}


def test_pod_security_restricted_in_every_mode_pinned_to_the_version(graph):
    labels = inputs(one(graph, "kubernetes:core/v1:Namespace"))["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
        assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.35"


def test_default_deny_then_explicit_allows(graph):
    found = policies(graph)
    assert found["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert set(found) == {"default-deny", "allow-dns", "allow-from-edge", "allow-data-tier", "allow-aws-apis"}
    assert found["allow-dns"]["egress"][0]["ports"] == [
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 53},
    ]
    edge = found["allow-from-edge"]["ingress"][0]["from"][0]
    assert edge["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}
    }
    assert edge["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "envoy"
    assert found["allow-data-tier"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "10.42.128.0/21"}}], "ports": [{"protocol": "TCP", "port": 5432}]}
    ]
    apis = found["allow-aws-apis"]["egress"]
    assert [r["to"][0]["ipBlock"]["cidr"] for r in apis] == ["10.42.0.0/20", "169.254.170.23/32"]
    assert [r["ports"][0]["port"] for r in apis] == [443, 80]


def test_every_allow_is_one_direction_only(graph):
    for name, spec in policies(graph).items():
        if name != "default-deny":
            assert len(spec["policyTypes"]) == 1, name


def test_quota_forbids_load_balancers_and_node_ports_and_limits_containers(graph):
    hard = inputs(one(graph, "kubernetes:core/v1:ResourceQuota"))["spec"]["hard"]
    assert hard == {
        "requests.cpu": "8",
        "pods": "100",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }
    (limits,) = inputs(one(graph, "kubernetes:core/v1:LimitRange"))["spec"]["limits"]
    assert limits == {"type": "Container", **DEFAULTS}


def test_everything_goes_through_the_provider_and_waits_for_the_namespace(graph):
    namespace = one(graph, "kubernetes:core/v1:Namespace")
    provider = one(graph, "pulumi:providers:kubernetes")
    objects = [r for r in graph.resources if r.type.startswith("kubernetes:")]
    assert len(objects) == 8
    assert all(r.provider and r.provider.startswith(provider.urn) for r in objects)
    assert all(namespace.urn in r.dependencies for r in objects if r is not namespace)


def test_no_data_tier_no_data_tier_policy():
    assert "allow-data-tier" not in policies(build(data_tier=[]))
