"""Network facts shared by isolation rules: internet CIDRs, security-group ingress, public subnets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from . import _types as t
from ._props import as_list, peek, tag_map
from ._stack import StackIndex

#: Address space that is not the internet: RFC 1918, shared CGNAT (RFC 6598), IPv6 ULA and link-local.
_NON_INTERNET = tuple(
    ipaddress.ip_network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10")
)
#: Tag key/value marking the one security group the internet may reach (the public load balancer's).
EXPOSURE_TAG = ("exposure", "public-lb")
#: Tag key marking a subnet's tier (``public``, ``private`` or ``isolated``), set by the Network component.
TIER_TAG = "tier"
SUBNET_TYPES = frozenset({t.SUBNET, t.DEFAULT_SUBNET})


def network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network of a CIDR string (host bits allowed), or None when it does not parse."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None


def is_internet(cidr: str) -> bool:
    """True when ``cidr`` reaches beyond private address space; an unparsable CIDR counts as internet."""
    net = network(cidr)
    if net is None:
        return True
    return not any(net.version == p.version and net.subnet_of(p) for p in _NON_INTERNET)  # type: ignore[arg-type]


def within_any(cidr: str, allowed: list[str]) -> bool:
    """True when ``cidr`` lies inside one of the ``allowed`` CIDRs (same IP version)."""
    net = network(cidr)
    nets = [n for n in (network(a) for a in allowed) if n is not None]
    return net is not None and any(net.version == a.version and net.subnet_of(a) for a in nets)  # type: ignore[arg-type]


@dataclass(frozen=True)
class IngressSource:
    """One CIDR a security group admits.

    Attributes:
        where: which part of the resource grants it (``ingress[0]``, or ``rule`` for rule resources).
        cidr: the source CIDR.
        protocol: ``tcp``, ``udp``, ``icmp``, ... or ``all``.
        from_port, to_port: the port range (None when absent; ignored for ``all``).
    """

    where: str
    cidr: str
    protocol: str
    from_port: int | None
    to_port: int | None

    @property
    def https_only(self) -> bool:
        """True when exactly TCP 443 is allowed."""
        return self.protocol == "tcp" and self.from_port == 443 and self.to_port == 443

    def describe(self) -> str:
        ports = "all ports" if self.protocol == "all" else f"ports {self.from_port}-{self.to_port}"
        return f"{self.where} allows {self.protocol} {ports} from {self.cidr}"


def _protocol(value: Any) -> str:
    text = str(value).lower() if value is not None else "all"
    return {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(text, text)


def _port(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _sources(
    where: str, entry: Mapping[str, Any], cidr_keys: tuple[str, ...], protocol_key: str
) -> Iterator[IngressSource]:
    protocol = _protocol(peek(entry, protocol_key))
    low, high = _port(peek(entry, "fromPort")), _port(peek(entry, "toPort"))
    for key in cidr_keys:
        for cidr in as_list(peek(entry, key)):
            if isinstance(cidr, str):
                yield IngressSource(where, cidr, protocol, low, high)


def ingress_sources(props: Mapping[str, Any], resource_type: str) -> list[IngressSource]:
    """The CIDR sources a security group, rule or ingress-rule resource admits (unknown CIDRs skipped)."""
    if resource_type == t.SECURITY_GROUP:
        entries = as_list(peek(props, "ingress"))
        cidr_keys = ("cidrBlocks", "ipv6CidrBlocks")
        return [
            s
            for i, e in enumerate(entries)
            if isinstance(e, Mapping)
            for s in _sources(f"ingress[{i}]", e, cidr_keys, "protocol")
        ]
    if resource_type == t.SECURITY_GROUP_RULE and peek(props, "type") == "ingress":
        return list(_sources("rule", props, ("cidrBlocks", "ipv6CidrBlocks"), "protocol"))
    if resource_type == t.SECURITY_GROUP_INGRESS_RULE:
        return list(_sources("rule", props, ("cidrIpv4", "cidrIpv6"), "ipProtocol"))
    return []


def internet_route_target(table: PolicyResource, index: StackIndex) -> str | None:
    """Name of the internet gateway (or its id) a route table sends traffic to, if any."""
    for route in index.referrers(table, "routeTableId", {t.ROUTE}):
        gateways = index.referenced(route, "gatewayId", {t.INTERNET_GATEWAY})
        if gateways:
            return gateways[0].name
        gateway_id = peek(route.props, "gatewayId")
        if isinstance(gateway_id, str) and gateway_id.startswith("igw-"):
            return gateway_id
    for route in as_list(peek(table.props, "routes")):
        gateway_id = peek(route, "gatewayId") if isinstance(route, Mapping) else None
        if isinstance(gateway_id, str) and gateway_id.startswith("igw-"):
            return gateway_id
    return None


def public_subnet_reason(subnet: PolicyResource, index: StackIndex) -> str | None:
    """Why ``subnet`` is public (tier tag, public IPs, internet route), or None when it is not."""
    if subnet.resource_type == t.DEFAULT_SUBNET:
        return "it is a default subnet (routes to the default VPC's internet gateway)"
    if tag_map(peek(subnet.props, "tags")).get(TIER_TAG) == "public":
        return f"it is tagged {TIER_TAG}=public"
    if peek(subnet.props, "mapPublicIpOnLaunch") is True:
        return "mapPublicIpOnLaunch is true"
    for association in index.referrers(subnet, "subnetId", {t.ROUTE_TABLE_ASSOCIATION}):
        for table in index.referenced(association, "routeTableId", {t.ROUTE_TABLE}):
            gateway = internet_route_target(table, index)
            if gateway:
                return f"its route table {table.name} routes to internet gateway {gateway}"
    return None
