"""The default stack's NetworkPolicies name exactly what they allow: no ``ipBlock`` overlaps a subnet the
EKS node group, its pods (the VPC CNI gives pods addresses from their node's subnet) or the control plane's
network interfaces use, and the mail sink may resolve names but open no other connection.

NetworkPolicy semantics (Kubernetes docs, "Network Policies"): a pod is isolated for egress when a policy
with ``Egress`` selects it, and may then open what any policy selecting it allows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from blueprint.engine import record_stack
from blueprint.engine.graph import StackGraph, unwrap

NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SUBNET = "aws:ec2/subnet:Subnet"
MAILPIT_LABELS = {"app.kubernetes.io/name": "mailpit", "app.kubernetes.io/component": "mail-sink"}


@pytest.fixture(scope="module")
def default_stack() -> StackGraph:
    return record_stack()


def _ids_to_cidrs(graph: StackGraph) -> dict[str, str]:
    return {r.id: unwrap(r.inputs)["cidrBlock"] for r in graph.of_type(SUBNET)}


def _workload_subnets(graph: StackGraph) -> set[str]:
    """CIDRs of the subnets of the node groups and of the cluster (its control-plane interfaces)."""
    cidrs = _ids_to_cidrs(graph)
    ids: list[str] = []
    for group in graph.of_type("aws:eks/nodeGroup:NodeGroup"):
        ids += unwrap(group.inputs)["subnetIds"]
    for cluster in graph.of_type("aws:eks/cluster:Cluster"):
        ids += unwrap(cluster.inputs)["vpcConfig"]["subnetIds"]
    assert ids, "the default stack has an EKS cluster and node group"
    return {cidrs[i] for i in ids}


def _ip_blocks(spec: Mapping[str, Any]) -> Iterator[str]:
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(direction) or []:
            for peer in rule.get(peers) or []:
                if "ipBlock" in peer:
                    yield peer["ipBlock"]["cidr"]


def test_no_ip_block_overlaps_a_node_or_pod_subnet(default_stack: StackGraph):
    workload = [ipaddress.ip_network(c) for c in _workload_subnets(default_stack)]
    blocks = {
        (r.name, cidr)
        for r in default_stack.of_type(NETWORK_POLICY)
        for cidr in _ip_blocks(unwrap(r.inputs)["spec"])
    }
    assert blocks, "the default stack's policies allow the data tier and the AWS API endpoints"
    overlapping = sorted(
        (name, cidr) for name, cidr in blocks if any(ipaddress.ip_network(cidr).overlaps(w) for w in workload)
    )
    assert overlapping == []


def test_the_interface_endpoints_sit_in_the_subnets_the_policy_allows(default_stack: StackGraph):
    cidrs = _ids_to_cidrs(default_stack)
    allowed = {
        cidr
        for r in default_stack.of_type(NETWORK_POLICY)
        if unwrap(r.inputs)["metadata"]["name"] == "allow-aws-apis"
        for cidr in _ip_blocks(unwrap(r.inputs)["spec"])
    }
    endpoints = [
        unwrap(r.inputs)
        for r in default_stack.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if unwrap(r.inputs)["vpcEndpointType"] == "Interface"
    ]
    assert endpoints
    for endpoint in endpoints:
        assert {cidrs[i] for i in endpoint["subnetIds"]} <= allowed


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Label-selector semantics (``matchLabels`` and ``In``/``NotIn``/``Exists``/``DoesNotExist``)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def test_the_mail_sink_may_resolve_names_and_nothing_else(default_stack: StackGraph):
    egress = [
        rule
        for r in default_stack.of_type(NETWORK_POLICY)
        if unwrap(r.inputs)["metadata"]["namespace"] == "apps"
        and _selects((spec := unwrap(r.inputs)["spec"])["podSelector"], MAILPIT_LABELS)
        and "Egress" in spec["policyTypes"]
        for rule in spec.get("egress") or []
    ]
    assert egress, "the default-deny and allow-dns policies select the mail sink"
    for rule in egress:
        assert {p["port"] for p in rule["ports"]} == {53}
        assert [peer["podSelector"] for peer in rule["to"]] == [{"matchLabels": {"k8s-app": "kube-dns"}}]
