"""Network facts shared by isolation rules: internet CIDRs, security-group ingress, public subnets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from . import _types as t
from ._props import UNKNOWN, as_list, is_set, peek, tag_map
from ._stack import StackIndex

#: Private address space a VPC may use: RFC 1918, shared CGNAT (RFC 6598), IPv6 unique local (RFC 4193).
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
#: Address space that is not the internet: the private ranges and IPv6 link-local.
_NON_INTERNET = tuple(ipaddress.ip_network(c) for c in (*PRIVATE_RANGES, "fe80::/10"))
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


def is_everything(cidr: object) -> bool:
    """True when ``cidr`` is a /0 (``0.0.0.0/0``, ``::/0``): every address of its IP version."""
    net = network(str(cidr))
    return net is not None and net.prefixlen == 0


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


VPC_ENDPOINT = "VPC endpoint"
#: Route target properties of ``aws:ec2/route:Route`` and of inline ``routes`` entries (pulumi-aws 7.x
#: wire names) -> what they lead to; ``gatewayId`` is told apart by its id prefix or reference. The
#: network interface and instance come last: the provider computes them for other routes too.
_TARGETS = (
    ("natGatewayId", "NAT gateway"),
    ("egressOnlyGatewayId", "egress-only internet gateway"),
    ("transitGatewayId", "transit gateway"),
    ("vpcPeeringConnectionId", "VPC peering connection"),
    ("carrierGatewayId", "carrier gateway"),
    ("localGatewayId", "local gateway"),
    ("coreNetworkArn", "Cloud WAN core network"),
    ("odbNetworkArn", "ODB network"),
    ("vpcEndpointId", VPC_ENDPOINT),
    ("networkInterfaceId", "network interface"),
    ("instanceId", "instance"),
)
INTERNET_GATEWAY = "internet gateway"
VPN_GATEWAY = "VPN gateway"
LOCAL = "local"
_GATEWAY_KINDS = {t.INTERNET_GATEWAY: INTERNET_GATEWAY, t.VPN_GATEWAY: VPN_GATEWAY}
_GATEWAY_PREFIXES = {"igw-": INTERNET_GATEWAY, "vgw-": VPN_GATEWAY, "vpce-": VPC_ENDPOINT}
ROUTE_TABLE_TYPES = frozenset({t.ROUTE_TABLE, t.DEFAULT_ROUTE_TABLE})


@dataclass(frozen=True)
class Route:
    """One route of a route table.

    Attributes:
        table: the route table.
        owner: the ``aws:ec2/route:Route`` resource, or the table itself for an inline ``routes`` entry.
        props: the route's properties.
        where: how messages name it (``route <name>`` or ``routes[<index>]``).
    """

    table: PolicyResource
    owner: PolicyResource
    props: Mapping[str, Any]
    where: str

    @property
    def destination(self) -> str:
        keys = (
            *("destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"),
            *("cidrBlock", "ipv6CidrBlock"),
        )
        found = [peek(self.props, k) for k in keys]
        return next((v for v in found if isinstance(v, str) and v), "(known after apply)")


def table_routes(table: PolicyResource, index: StackIndex) -> list[Route]:
    """The routes of ``table``: ``aws:ec2/route:Route`` resources pointing at it, then inline entries."""
    routes = [
        Route(table, res, res.props, f"route {res.name}")
        for res in index.referrers(table, "routeTableId", {t.ROUTE})
    ]
    entries = as_list(peek(table.props, "routes"))
    routes += [
        Route(table, table, e, f"routes[{i}]") for i, e in enumerate(entries) if isinstance(e, Mapping)
    ]
    return routes


def _target(route: Route, key: str) -> Any:
    """A target property of ``route`` as the program set it (see ``_stack.configured``): provider outputs
    list unset targets as "", and a preview shows computed ones as unknown."""
    value = peek(route.props, key)
    if value is UNKNOWN:
        prop = key if route.owner is not route.table else "routes"
        return value if route.owner.property_dependencies.get(prop) else None
    return value if is_set(value) else None


def route_target(route: Route, index: StackIndex) -> tuple[str, str] | None:
    """``(kind, name)`` of where ``route`` sends traffic (``kind`` is ``INTERNET_GATEWAY``, ``LOCAL``, a
    ``_TARGETS`` label...); None when it cannot be told during preview."""
    gateway = _target(route, "gatewayId")
    if gateway is None:
        for key, kind in _TARGETS:
            value = _target(route, key)
            if value is not None:
                return kind, value if isinstance(value, str) else "(known after apply)"
        return None
    prop = "gatewayId" if route.owner is not route.table else "routes"
    gateways = index.referenced(route.owner, prop, set(_GATEWAY_KINDS))
    if isinstance(gateway, str):
        if gateway == LOCAL:
            return LOCAL, LOCAL
        # A Route resource's reference is its gateway; an inline entry's must match by id.
        standalone = route.owner is not route.table
        named = gateways if standalone else [g for g in gateways if peek(g.props, "id") == gateway]
        by_prefix = next((k for prefix, k in _GATEWAY_PREFIXES.items() if gateway.startswith(prefix)), None)
        if named:
            return _GATEWAY_KINDS[named[0].resource_type], named[0].name
        return (by_prefix, gateway) if by_prefix else ("gateway", gateway)
    # Unknown id: the referenced gateway tells (for inline entries only when all referenced agree).
    kinds = {_GATEWAY_KINDS[g.resource_type] for g in gateways}
    return (kinds.pop(), gateways[0].name) if len(kinds) == 1 else None


def internet_route_target(table: PolicyResource, index: StackIndex) -> str | None:
    """Name of the internet gateway (or its id) a route table sends traffic to, if any."""
    for route in table_routes(table, index):
        target = route_target(route, index)
        if target and target[0] == INTERNET_GATEWAY:
            return target[1]
    return None


def subnet_route_tables(subnet: PolicyResource, index: StackIndex) -> list[PolicyResource]:
    """The route tables a subnet uses: its explicit associations, else its VPC's main route table.

    The main table is the one a ``MainRouteTableAssociation`` names for the VPC, else the VPC's adopted
    ``DefaultRouteTable`` (Amazon VPC User Guide, "Route tables": subnets without an explicit association
    use the main route table). Empty when none of these is in the stack.
    """
    tables = [
        table
        for association in index.referrers(subnet, "subnetId", {t.ROUTE_TABLE_ASSOCIATION})
        for table in index.referenced(association, "routeTableId", ROUTE_TABLE_TYPES)
    ]
    if tables:
        return tables
    for vpc in index.referenced(subnet, "vpcId", {t.VPC}):
        for main in index.referrers(vpc, "vpcId", {t.MAIN_ROUTE_TABLE_ASSOCIATION}):
            tables += index.referenced(main, "routeTableId", ROUTE_TABLE_TYPES)
        if not tables:
            tables += index.referrers(vpc, "defaultRouteTableId", {t.DEFAULT_ROUTE_TABLE})
    return tables


def public_subnet_reason(subnet: PolicyResource, index: StackIndex) -> str | None:
    """Why ``subnet`` is public (tier tag, public IPs, internet route), or None when it is not."""
    if subnet.resource_type == t.DEFAULT_SUBNET:
        return "it is a default subnet (routes to the default VPC's internet gateway)"
    if tag_map(peek(subnet.props, "tags")).get(TIER_TAG) == "public":
        return f"it is tagged {TIER_TAG}=public"
    if peek(subnet.props, "mapPublicIpOnLaunch") is True:
        return "mapPublicIpOnLaunch is true"
    for table in subnet_route_tables(subnet, index):
        gateway = internet_route_target(table, index)
        if gateway:
            return f"its route table {table.name} routes to internet gateway {gateway}"
    return None
