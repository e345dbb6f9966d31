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
EGRESS = "network-policy-egress-within-vpc"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


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


def _to(*cidrs: str, **block: Any) -> dict[str, Any]:
    return {"to": [{"ipBlock": {"cidr": c, **block}} for c in cidrs]}


HTTPS = {"ports": [_tcp(443)]}
DATA_VIOLATION = (EGRESS, "apps-allow-data")


def _policy_in(namespace: str, *rules: dict[str, Any]) -> Mutation:
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "egress": list(rules)}
    return lambda s: k8s(s, NETWORK_POLICY, f"{namespace}-open", "open", spec, namespace=namespace)


#: Every SMTP case leaves the VPC too (network-policy-egress-within-vpc); the ones in the Envoy Gateway
#: namespace (exempt from that rule) show the SMTP rule alone.
_LEAVES = (EGRESS, "apps-allow-data")


def _edge_smtp(*rules: dict[str, Any]) -> Mutation:
    def mutate(s: Stack) -> None:
        chart = "oci://docker.io/envoyproxy/gateway-helm"
        s.add(HELM_RELEASE, "envoy-gateway", {"chart": chart, "namespace": "envoy-gateway-system"})
        _policy_in("envoy-gateway-system", *rules)(s)

    return mutate


SMTP_CASES = [
    case(_egress({"to": [WORLD]}), (SMTP, "apps-allow-data"), _LEAVES, id="internet-all-ports"),
    case(
        _egress({"to": [WORLD], "ports": [_tcp(587)]}),
        (SMTP, "apps-allow-data"),
        _LEAVES,
        id="submission-port",
    ),
    case(_egress({"ports": [_tcp(25)]}), (SMTP, "apps-allow-data"), _LEAVES, id="any-destination-port-25"),
    case(
        _egress({"to": [WORLD], "ports": [_tcp(20, 30)]}),
        (SMTP, "apps-allow-data"),
        _LEAVES,
        id="port-range-covers-25",
    ),
    case(_egress({"to": [WORLD], "ports": [_tcp(443)]}), _LEAVES, id="https-only-not-smtp"),
    case(_egress({"to": [WORLD], "ports": [_tcp(25, protocol="UDP")]}), _LEAVES, id="udp-not-smtp"),
    case(
        _egress({"to": [{"podSelector": {"matchLabels": {"app": "mailpit"}}}]}), id="in-cluster-mail-sink-ok"
    ),
    case(_edge_smtp({"ports": [_tcp(465)]}), (SMTP, "envoy-gateway-system-open"), id="edge-namespace-smtps"),
    case(_edge_smtp({"ports": [_tcp(443)]}), id="edge-namespace-https-ok"),
]


def _edge_release(namespace: str) -> Mutation:
    def mutate(s: Stack) -> None:
        chart = "oci://docker.io/envoyproxy/gateway-helm"
        s.add(HELM_RELEASE, "envoy-gateway", {"chart": chart, "version": "v1.6.0", "namespace": namespace})
        _policy_in(namespace, {"ports": [_tcp(443)]})(s)

    return mutate


def _vpc(**inputs: Any) -> Mutation:
    return lambda s: s.set("vpc", **{"cidrBlock": "10.42.0.0/16", **inputs})


def _secondary_block(cidr: str) -> Mutation:
    association = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"
    return lambda s: s.add(association, "vpc-cgnat", {"cidrBlock": cidr}, refs={"vpcId": s["vpc"]})


EGRESS_CASES = [
    # Destinations outside the VPC 10.42.0.0/16, on any port.
    case(_egress({**_to("0.0.0.0/0"), **HTTPS}), DATA_VIOLATION, id="internet-on-443"),
    case(_egress(_to("0.0.0.0/0")), DATA_VIOLATION, (SMTP, "apps-allow-data"), id="internet-every-port"),
    case(_egress({**_to("::/0"), **HTTPS}), DATA_VIOLATION, id="ipv6-everything"),
    case(_egress({**_to("2600:1f18::/32"), **HTTPS}), DATA_VIOLATION, id="ipv6-public-range"),
    case(_egress({**_to("0.0.0.0/1", "128.0.0.0/1"), **HTTPS}), DATA_VIOLATION, id="two-halves"),
    case(_egress({**_to("128.0.0.0/1"), **HTTPS}), DATA_VIOLATION, id="upper-half-only"),
    case(_egress({**_to("198.51.100.7/32"), **HTTPS}), DATA_VIOLATION, id="one-public-host"),
    case(_egress({**_to("10.0.0.0/8"), "ports": [_tcp(5432)]}), DATA_VIOLATION, id="rfc1918-around-the-vpc"),
    case(_egress({**_to("10.43.0.0/16"), **HTTPS}), DATA_VIOLATION, id="other-environment-10-range"),
    case(_egress({**_to("172.16.0.0/12"), **HTTPS}), DATA_VIOLATION, id="other-rfc1918-range"),
    case(_egress({**_to("192.168.10.0/24"), **HTTPS}), DATA_VIOLATION, id="office-range"),
    case(
        _egress(
            {**_to("0.0.0.0/0", **{"except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}), **HTTPS}
        ),
        DATA_VIOLATION,
        id="except-does-not-narrow-enough",
    ),
    case(_egress({**_to("169.254.169.254/32"), "ports": [_tcp(80)]}), DATA_VIOLATION, id="instance-metadata"),
    case(_egress({**_to("203.0.113.0/24"), "ports": [_tcp(1024, 65535)]}), DATA_VIOLATION, id="port-range"),
    case(_egress({**_to("203.0.113.0/24"), "ports": [{"protocol": "UDP"}]}), DATA_VIOLATION, id="udp-all"),
    case(_egress({**_to("203.0.113.0/24"), "ports": [{"port": "dns"}]}), DATA_VIOLATION, id="named-port"),
    case(_egress({"ports": [_tcp(443)]}), DATA_VIOLATION, id="no-to-on-443"),
    case(_egress({"ports": [_tcp(53, protocol="UDP")]}), DATA_VIOLATION, id="no-to-dns-reaches-any-resolver"),
    case(_egress({"to": [], **HTTPS}), DATA_VIOLATION, id="empty-to-is-every-destination"),
    case(_egress({}), DATA_VIOLATION, (SMTP, "apps-allow-data"), id="empty-rule-allows-everything"),
    case(
        _egress({**_to("10.42.128.0/21"), **HTTPS}, {**_to("0.0.0.0/0"), **HTTPS}),
        DATA_VIOLATION,
        id="second-rule-open",
    ),
    case(
        _policy_in("tools", {**_to("0.0.0.0/0"), **HTTPS}), (EGRESS, "tools-open"), id="another-app-namespace"
    ),
    case(
        _policy_in("envoy-gateway-system", {"ports": [_tcp(443)]}),
        (EGRESS, "envoy-gateway-system-open"),
        id="edge-namespace-name-alone-is-not-exempt",
    ),
    case(
        lambda s: (s.set("vpc", cidrBlock=None), _egress({**_to("203.0.113.0/24"), **HTTPS})(s)),
        DATA_VIOLATION,
        id="no-vpc-cidr-public-range",
    ),
    case(
        _egress({**_to("100.64.0.0/16"), **HTTPS}),
        DATA_VIOLATION,
        config={EGRESS: {"vpcCidrs": ["100.64.1.0/24"]}},
        id="setting-narrower-than-the-block",
    ),
    # Inside the VPC or the cluster.
    case(_egress({**_to("10.42.0.0/16"), "ports": [_tcp(5432)]}), id="whole-vpc-ok"),
    case(
        _egress({**_to("10.42.128.0/21", "10.42.184.0/24"), "ports": [_tcp(5432), _tcp(9092, 9098)]}),
        id="vpc-subnets-port-range-ok",
    ),
    case(_egress({**_to("169.254.170.23/32"), "ports": [_tcp(80)]}), id="pod-identity-agent-ok"),
    case(_egress({**_to("fd00:ec2::23/128"), "ports": [_tcp(80)]}), id="pod-identity-agent-ipv6-ok"),
    case(
        _egress({"to": [{"namespaceSelector": {}}]}, {"to": [{"podSelector": {"matchLabels": {"a": "b"}}}]}),
        id="selectors-ok",
    ),
    case(_policy_in("kube-system", {"ports": [_tcp(443)]}), id="system-namespace-ok"),
    case(_edge_release("envoy-gateway-system"), id="envoy-gateway-namespace-ok"),
    case(_edge_release("edge-controller"), id="envoy-gateway-in-its-own-namespace-ok"),
    case(
        lambda s: (_secondary_block("100.64.0.0/16")(s), _egress({**_to("100.64.8.0/24"), **HTTPS})(s)),
        id="secondary-vpc-block-ok",
    ),
    case(
        lambda s: (
            _vpc(ipv6CidrBlock="2600:1f18:aa:1200::/56")(s),
            _egress({**_to("2600:1f18:aa:1201::/64"), **HTTPS})(s),
        ),
        id="vpc-ipv6-block-ok",
    ),
    case(
        lambda s: (s.set("vpc", cidrBlock=None), _egress({**_to("10.42.0.0/16"), **HTTPS})(s)),
        id="no-vpc-cidr-private-range-ok",
    ),
    case(
        _egress({**_to("100.64.0.0/16"), **HTTPS}),
        config={EGRESS: {"vpcCidrs": ["100.64.0.0/16"]}},
        id="setting-names-the-cluster-vpc-ok",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*NAMESPACE_CASES, *SERVICE_CASES, *SMTP_CASES, *EGRESS_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_kubernetes_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
