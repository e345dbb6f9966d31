"""Reading NetworkPolicy egress rules: where each rule lets traffic go and on which ports.

A NetworkPolicy egress rule (``networking.k8s.io/v1``) allows traffic to the union of its ``to`` peers on
its ``ports``; a rule without ``to`` (missing or empty) allows every destination, one without ``ports``
every port (Kubernetes API reference, "NetworkPolicy": ``NetworkPolicyEgressRule``). A peer is an
``ipBlock`` (``cidr`` plus optional ``except``) or a ``namespaceSelector``/``podSelector``, which selects pods
of the cluster only. ``except`` narrows an ``ipBlock`` but never widens what it may reach beyond ``cidr``,
so a rule's reach is judged by ``cidr`` alone.

Shared by ``network-policy-no-smtp-egress`` and ``network-policy-egress-within-vpc`` (``kubernetes.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import _types as t
from ._props import UNKNOWN, as_list, known, peek

#: Node-local agents a pod may reach outside the VPC's ranges: the EKS Pod Identity agent's addresses
#: (EKS User Guide, "Set up the Amazon EKS Pod Identity Agent": 169.254.170.23 for IPv4 and
#: [fd00:ec2::23] for IPv6; read 2026-12-07). The instance metadata service (169.254.169.254) is not here:
#: from a pod it hands out the node role's credentials.
NODE_LOCAL_AGENTS = ("169.254.170.23/32", "fd00:ec2::23/128")


@dataclass(frozen=True)
class EgressRule:
    """One entry of ``spec.egress``.

    Attributes:
        where: how messages name it (``spec.egress[1]``).
        cidrs: ``(where, cidr)`` of each ``ipBlock`` peer (``spec.egress[1].to[0]``); unknown CIDRs left out.
        all_destinations: True when the rule has no ``to``: every address, in the cluster and outside.
        ports: the ``ports`` entries (empty: every port and protocol).
        ip_block: True when a peer is an ``ipBlock`` (its CIDR known or not).
    """

    where: str
    cidrs: tuple[tuple[str, str], ...]
    all_destinations: bool
    ports: tuple[Mapping[str, Any], ...]
    ip_block: bool = False

    @property
    def leaves_cluster(self) -> bool:
        """True when the rule may reach addresses outside the cluster (an ``ipBlock`` or no ``to``)."""
        return self.all_destinations or self.ip_block

    def port_text(self) -> str:
        """The ports in words: ``every port``, ``TCP 443``, ``TCP 1000-2000, UDP 53``."""
        return ", ".join(describe_port(p) for p in self.ports) or "every port"


def egress_rules(props: Mapping[str, Any]) -> Iterator[EgressRule]:
    """The egress rules of a NetworkPolicy's properties (none while ``spec.egress`` is unknown)."""
    for i, rule in enumerate(as_list(known(props, "spec", "egress"))):
        peers = as_list(peek(rule, "to"))
        cidrs = tuple(
            (f"spec.egress[{i}].to[{j}]", cidr)
            for j, peer in enumerate(peers)
            if isinstance(cidr := peek(peer, "ipBlock", "cidr"), str)
        )
        ports = tuple(p for p in as_list(peek(rule, "ports")) if isinstance(p, Mapping))
        ip_block = any(peek(peer, "ipBlock") is not None for peer in peers)
        yield EgressRule(f"spec.egress[{i}]", cidrs, not peers, ports, ip_block)


def describe_port(port: Mapping[str, Any]) -> str:
    """One ``ports`` entry in words (protocol defaults to TCP; no ``port``: every port of the protocol)."""
    protocol = peek(port, "protocol") or "TCP"
    number, end = peek(port, "port"), peek(port, "endPort")
    if number is None or number is UNKNOWN:
        return f"{protocol} every port"
    shown = int(number) if isinstance(number, int | float) else number
    return f"{protocol} {shown}-{int(end)}" if isinstance(end, int | float) else f"{protocol} {shown}"


def covers_tcp_port(port: Mapping[str, Any], wanted: int) -> bool:
    """Whether one ``ports`` entry admits TCP ``wanted`` on an outside address (a named port is a pod's
    port, never an outside address's)."""
    if (peek(port, "protocol") or "TCP") != "TCP":
        return False
    number = peek(port, "port")
    if number is None:
        return True
    if not isinstance(number, int | float):
        return False
    end = peek(port, "endPort") or number
    return bool(number <= wanted <= end)


def helm_chart_namespaces(resources: list[Any], chart_name: str) -> set[str]:
    """Namespaces where the stack installs the Helm chart ``chart_name`` (the last segment of a
    ``helm.sh/v3:Release``'s ``chart``, e.g. ``oci://docker.io/envoyproxy/gateway-helm``)."""
    found = set()
    for res in resources:
        if res.resource_type != t.HELM_RELEASE:
            continue
        chart, namespace = peek(res.props, "chart"), peek(res.props, "namespace")
        if isinstance(chart, str) and chart.rstrip("/").rsplit("/", 1)[-1] == chart_name:
            found.add(namespace if isinstance(namespace, str) and namespace else "default")
    return found
