"""Namespace, Service and NetworkPolicy rules (``guardrails/kubernetes.py``), violating and compliant.

The baseline's namespace ``apps`` (resource ``apps-ns``) is labelled Pod Security ``restricted`` and holds
``apps-default-deny`` (every pod, both directions, no rule) and ``apps-allow-data`` (egress to a data-tier
CIDR on 5432); the Service ``app-k8s-svc`` is a ClusterIP.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.k8s_stack import NAMESPACE, NETWORK_POLICY, k8s, meta
from tests.policies.rules.helpers import set_in, with_spec
from tests.policies.stack import Stack

DENY = "namespace-default-deny"
PSS = "namespace-pod-security-restricted"
SERVICE = "k8s-service-not-exposed"
SMTP = "network-policy-no-smtp-egress"


def _deny(**spec: Any) -> Mutation:
    return lambda s: s.set(
        "apps-default-deny", spec={"podSelector": {}, "policyTypes": ["Ingress", "Egress"], **spec}
    )


def _split_deny(s: Stack) -> None:
    _deny(policyTypes=["Ingress"])(s)
    k8s(s, NETWORK_POLICY, "apps-deny-egress", "deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]})


RESTRICTED = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}


def _labels(**labels: str) -> Mutation:
    merged = {k: v for k, v in {**RESTRICTED, **labels}.items() if v}
    return lambda s: s.set("apps-ns", metadata=meta("apps", None, labels=merged))


def _second_namespace(s: Stack) -> None:
    metadata = meta("tools", None, labels=RESTRICTED)
    s.add(NAMESPACE, "tools-ns", {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata})


def _egress(*rules: dict[str, Any]) -> Mutation:
    return with_spec("apps-allow-data", set_in("egress", list(rules)))


def _tcp(port: int, end: int | None = None, protocol: str = "TCP") -> dict[str, Any]:
    return {"protocol": protocol, "port": port, **({"endPort": end} if end else {})}


WORLD = {"ipBlock": {"cidr": "0.0.0.0/0"}}

NAMESPACE_CASES = [
    case(lambda s: s.remove("apps-default-deny"), (DENY, "apps-ns"), id="no-default-deny"),
    case(_deny(policyTypes=["Ingress"]), (DENY, "apps-ns"), id="ingress-only"),
    case(_split_deny, id="deny-split-over-two-policies-ok"),
    case(_deny(podSelector={"matchLabels": {"app": "x"}}), (DENY, "apps-ns"), id="selects-some-pods-only"),
    case(
        _deny(ingress=[{"from": [{"podSelector": {}}]}]),
        (DENY, "apps-ns"),
        id="allows-ingress-from-namespace",
    ),
    case(
        _deny(policyTypes=["ingress", "Egress"]),
        (DENY, "apps-ns"),
        (DENY, "apps-default-deny"),
        id="policy-types-not-an-enum-value",
    ),
    case(_second_namespace, (DENY, "tools-ns"), id="second-namespace-without-policy"),
    case(
        _labels(**{"pod-security.kubernetes.io/enforce": ""}),
        (PSS, "apps-ns"),
        id="pod-security-not-enforced",
    ),
    case(_labels(**{"pod-security.kubernetes.io/warn": "baseline"}), (PSS, "apps-ns"), id="warn-baseline"),
]

SERVICE_CASES = [
    case(with_spec("app-k8s-svc", set_in("type", "NodePort")), (SERVICE, "app-k8s-svc"), id="node-port"),
    case(
        with_spec(
            "app-k8s-svc",
            lambda spec: spec.update(
                type="LoadBalancer",
                loadBalancerClass="service.k8s.aws/nlb",
                annotations={"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
            ),
        ),
        (SERVICE, "app-k8s-svc"),
        id="internal-load-balancer-still-bypasses-the-edge",
    ),
    case(
        with_spec("app-k8s-svc", set_in("type", "clusterIP")),
        (SERVICE, "app-k8s-svc"),
        id="type-not-an-enum-value",
    ),
    case(
        with_spec("app-k8s-svc", set_in("externalIPs", ["198.51.100.7"])),
        (SERVICE, "app-k8s-svc"),
        id="external-ips",
    ),
    case(with_spec("app-k8s-svc", set_in("type", None)), id="default-cluster-ip-ok"),
]

SMTP_CASES = [
    case(_egress({"to": [WORLD]}), (SMTP, "apps-allow-data"), id="internet-all-ports"),
    case(_egress({"to": [WORLD], "ports": [_tcp(587)]}), (SMTP, "apps-allow-data"), id="submission-port"),
    case(_egress({"ports": [_tcp(25)]}), (SMTP, "apps-allow-data"), id="any-destination-port-25"),
    case(
        _egress({"to": [WORLD], "ports": [_tcp(20, 30)]}),
        (SMTP, "apps-allow-data"),
        id="port-range-covers-25",
    ),
    case(_egress({"to": [WORLD], "ports": [_tcp(443)]}), id="https-only-ok"),
    case(_egress({"to": [WORLD], "ports": [_tcp(25, protocol="UDP")]}), id="udp-ok"),
    case(
        _egress({"to": [{"podSelector": {"matchLabels": {"app": "mailpit"}}}]}), id="in-cluster-mail-sink-ok"
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*NAMESPACE_CASES, *SERVICE_CASES, *SMTP_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_kubernetes_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
