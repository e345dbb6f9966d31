"""Routing: which way traffic leaves each subnet tier, and that no route or attachment leads to production.

The Network component builds three tiers (tag ``tier``): public (load balancers and NAT; default route to
the internet gateway), private (workloads; default route through NAT) and isolated (data stores; no route
out of the VPC). Teams add route tables, routes and peerings of their own; these rules keep each tier what
its tag promises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._network import (
    INTERNET_GATEWAY,
    LOCAL,
    ROUTE_TABLE_TYPES,
    SUBNET_TYPES,
    TIER_TAG,
    VPC_ENDPOINT,
    network,
    route_target,
    subnet_route_tables,
    table_routes,
)
from ._props import UNKNOWN, as_list, is_list, is_set, known, peek, tag_map
from ._rule import Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex, configured

_MANDATORY = EnforcementLevel.MANDATORY
_STRING_LIST = {"type": "array", "items": {"type": "string"}, "default": []}

TIER_ROUTES = RuleSpec(
    name="subnet-tier-routes",
    concern="isolation",
    description="Private subnets must not route to an internet gateway, and isolated subnets must not "
    "route out of the VPC (only local routes and VPC endpoints).",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Send a private subnet's default route through a NAT gateway, and give isolated subnets "
    "no default route at all: they reach AWS services through VPC endpoints. A workload that needs "
    "another path belongs in a subnet of another tier.",
)
#: What each checked tier promises, and the route targets that break the promise. Private subnets may
#: leave through NAT, egress-only gateways (IPv6 egress), transit gateways or peerings (other rules check
#: where those lead); a route to an internet gateway (or a Wavelength carrier gateway) makes any instance
#: with a public address reachable from the internet. Isolated subnets keep only the local route and VPC
#: endpoint routes: every other target, VPN gateways and propagated VPN routes included, leaves the VPC.
_TIER_PROMISE = {
    "private": "private subnets reach the internet only through NAT",
    "isolated": "isolated subnets have no route out of the VPC",
}
_ISOLATED_TARGETS = frozenset({LOCAL, VPC_ENDPOINT})


def _breaks(tier: str, kind: str) -> bool:
    if tier == "private":
        return kind in (INTERNET_GATEWAY, "carrier gateway")
    return kind not in _ISOLATED_TARGETS


def _tables_by_tier(index: StackIndex) -> dict[str, tuple[PolicyResource, dict[str, list[str]]]]:
    """Route table URN -> (table, tier -> what puts it in that tier: subnets using it, or its own tag)."""
    found: dict[str, tuple[PolicyResource, dict[str, list[str]]]] = {}

    def add(table: PolicyResource, tier: Any, why: str) -> None:
        if tier in _TIER_PROMISE:
            found.setdefault(table.urn, (table, defaultdict(list)))[1][tier].append(why)

    for subnet in index.of_type(*sorted(SUBNET_TYPES)):
        for table in subnet_route_tables(subnet, index):
            add(table, tag_map(peek(subnet.props, "tags")).get(TIER_TAG), f"subnet {subnet.name}")
    for table in index.of_type(*sorted(ROUTE_TABLE_TYPES)):
        add(table, tag_map(peek(table.props, "tags")).get(TIER_TAG), f"its own {TIER_TAG} tag")
    return found


def _entries(value: Any) -> list[Any]:
    """The set entries of a list property: non-empty strings, or values unknown during preview."""
    if value is UNKNOWN:
        return [UNKNOWN]
    items = [peek(value, i) for i in range(len(value))] if is_list(value) else []
    return [v for v in items if v is UNKNOWN or (isinstance(v, str) and v)]


def _check_tier_routes(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for table, tiers in _tables_by_tier(index).values():
        for tier, reasons in tiers.items():
            context = f"route table {table.name} is {tier} ({', '.join(reasons)}): {_TIER_PROMISE[tier]}"
            for route in table_routes(table, index):
                target = route_target(route, index)
                if target and _breaks(tier, target[0]):
                    yield Finding(
                        route.owner,
                        f"{route.where} sends {route.destination} to {target[0]} {target[1]}; {context}.",
                    )
            vgws = _entries(configured(table, "propagatingVgws"))
            if tier == "isolated" and vgws:
                yield Finding(table, f"propagatingVgws adds VPN routes ({len(vgws)} gateway(s)); {context}.")


NO_PRODUCTION_PEERING = RuleSpec(
    name="no-peering-with-production",
    concern="isolation",
    description="Staging must not peer or attach to production VPCs, accounts or transit gateways.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove the peering or attachment. Staging reaches shared services through public "
    "endpoints or PrivateLink endpoint services, never a network path into production.",
    settings={
        "productionAccountIds": {**_STRING_LIST, "description": "AWS account ids of production"},
        "productionVpcIds": {**_STRING_LIST, "description": "VPC ids of production"},
        "productionTransitGatewayIds": {**_STRING_LIST, "description": "transit gateway ids of production"},
    },
)
#: (resource type, property, setting listing production values, what the value is)
_PEERING_CHECKS = (
    (t.VPC_PEERING, "peerOwnerId", "productionAccountIds", "account"),
    (t.VPC_PEERING, "peerVpcId", "productionVpcIds", "VPC"),
    (t.TGW_VPC_ATTACHMENT, "transitGatewayId", "productionTransitGatewayIds", "transit gateway"),
    (t.TGW_PEERING_ATTACHMENT, "peerAccountId", "productionAccountIds", "account"),
    (t.TGW_PEERING_ATTACHMENT, "peerTransitGatewayId", "productionTransitGatewayIds", "transit gateway"),
)


def _check_peering(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for resource_type, prop, setting, what in _PEERING_CHECKS:
        if resource_type != ctx.resource_type:
            continue
        value = known(props, prop)
        if value in list(ctx.setting(setting)):
            yield f"{prop} {value} is a production {what} (policy config {setting})."


NO_PRODUCTION_ROUTE = RuleSpec(
    name="no-route-to-production",
    concern="isolation",
    description="Route tables must not route to production CIDRs.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove routes whose destination lies in a production CIDR, and routes through transit "
    "gateways, peerings or VPN gateways that cover one.",
    settings={"productionCidrs": {**_STRING_LIST, "description": "CIDR blocks of production networks"}},
)
#: Route targets that lead into private networks (rather than the internet through IGW or NAT).
_PRIVATE_TARGETS = ("transitGatewayId", "vpcPeeringConnectionId", "coreNetworkArn", "localGatewayId")


def _leads_privately(route: Mapping[str, Any]) -> bool:
    gateway = peek(route, "gatewayId")
    return any(is_set(peek(route, k)) for k in _PRIVATE_TARGETS) or (
        isinstance(gateway, str) and gateway.startswith("vgw-")
    )


def _route_problem(destination: Any, route: Mapping[str, Any], production: list[str]) -> str | None:
    net = network(destination) if isinstance(destination, str) else None
    if net is None:
        return None
    for cidr in production:
        prod = network(cidr)
        if prod is None or prod.version != net.version or not net.overlaps(prod):
            continue
        if net.subnet_of(prod) or _leads_privately(route):  # type: ignore[arg-type]
            return f"route to {destination} reaches production CIDR {cidr}."
    return None


def _check_routes(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    production = list(ctx.setting("productionCidrs"))
    if ctx.resource_type == t.ROUTE:
        routes = [(props, ("destinationCidrBlock", "destinationIpv6CidrBlock"))]
    else:
        routes = [
            (r, ("cidrBlock", "ipv6CidrBlock"))
            for r in as_list(known(props, "routes"))
            if isinstance(r, Mapping)
        ]
    for route, keys in routes:
        for key in keys:
            problem = _route_problem(known(route, key), route, production)
            if problem:
                yield problem


POLICIES = [
    stack_rule(TIER_ROUTES, SUBNET_TYPES, _check_tier_routes),
    resource_rule(NO_PRODUCTION_PEERING, {r for r, *_ in _PEERING_CHECKS}, _check_peering),
    resource_rule(NO_PRODUCTION_ROUTE, {t.ROUTE, *ROUTE_TABLE_TYPES}, _check_routes),
]
