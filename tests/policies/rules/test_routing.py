"""Routing rules (``guardrails/routing.py``), violating and compliant, through the pack.

The baseline has three tiers: ``public-0`` (route table ``public-rt``, default route ``public-default`` to
the internet gateway ``igw``), ``app-0`` (private; ``app-rt``, default route ``app-default`` through the NAT
gateway ``nat``) and ``isolated-0``/``isolated-1`` (``isolated-rt``, no routes).
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import TAGS, Stack

TIER = "subnet-tier-routes"
ROUTE = "aws:ec2/route:Route"
#: What an internet route in the isolated tier also does: every data store there becomes public.
STORES_EXPOSED = [("data-store-in-private-subnets", store) for store in ("db", "aurora", "kafka", "rabbit")]


def _route(table: str, name: str = "extra", destination: str = "0.0.0.0/0", **target: Any) -> Mutation:
    """Add route ``name`` to ``table``; a target given as a resource name becomes a reference to it."""

    def mutate(s: Stack) -> None:
        refs = {k: s[v] for k, v in target.items() if isinstance(v, str) and v in s.records}
        values = {k: v for k, v in target.items() if k not in refs}
        key = "destinationIpv6CidrBlock" if ":" in destination else "destinationCidrBlock"
        s.add(ROUTE, name, {key: destination, **values}, refs={"routeTableId": s[table], **refs})

    return mutate


def _associate(subnet: str, table: str) -> Mutation:
    """Move ``subnet``'s route table association to ``table``."""

    def mutate(s: Stack) -> None:
        s.remove(f"{subnet}-rta")
        s.add(
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            f"{subnet}-rta",
            refs={"subnetId": s[subnet], "routeTableId": s[table]},
        )

    return mutate


def _default_route_table(s: Stack) -> None:
    """The VPC's adopted main route table routes to the internet; ``app-0`` loses its association."""
    s.remove("app-0-rta")
    s.add(
        "aws:ec2/defaultRouteTable:DefaultRouteTable",
        "main-rt",
        {"routes": [{"cidrBlock": "0.0.0.0/0", "gatewayId": s["igw"].id}]},
        refs={"defaultRouteTableId": s["vpc"]},
    )


def _spare_isolated_table(s: Stack) -> None:
    table = s.add(
        "aws:ec2/routeTable:RouteTable",
        "spare-rt",
        {"tags": {**TAGS, "tier": "isolated"}},
        refs={"vpcId": s["vpc"]},
    )
    s.add(
        ROUTE,
        "spare-out",
        {"destinationCidrBlock": "0.0.0.0/0"},
        refs={"routeTableId": table, "gatewayId": s["igw"]},
    )


def _unknown_gateway(reference: bool) -> Mutation:
    """A preview: the gateway's id is not known yet; only the property dependency (if any) tells."""

    def mutate(s: Stack) -> None:
        _route("isolated-rt", gatewayId="igw")(s)
        s.set("extra", gatewayId=UNKNOWN)
        if not reference:
            s["extra"].property_dependencies.pop("gatewayId")

    return mutate


ISOLATED_CASES = [
    case(_route("isolated-rt", natGatewayId="nat"), (TIER, "extra"), id="isolated-through-nat"),
    case(
        _route("isolated-rt", gatewayId="igw"),
        (TIER, "extra"),
        *STORES_EXPOSED,
        id="isolated-to-internet-gateway",
    ),
    case(
        _route("isolated-rt", transitGatewayId="tgw-shared"),
        (TIER, "extra"),
        id="isolated-to-transit-gateway",
    ),
    case(_route("isolated-rt", vpcPeeringConnectionId="pcx-1"), (TIER, "extra"), id="isolated-to-peering"),
    case(_route("isolated-rt", gatewayId="vgw-1"), (TIER, "extra"), id="isolated-to-vpn-gateway"),
    case(
        _route("isolated-rt", destination="::/0", egressOnlyGatewayId="eigw-1"),
        (TIER, "extra"),
        id="isolated-ipv6-egress",
    ),
    case(
        _route("isolated-rt", networkInterfaceId="eni-nat-instance"),
        (TIER, "extra"),
        id="isolated-to-nat-instance",
    ),
    case(
        _route("isolated-rt", destination="10.9.0.0/16", vpcEndpointId="vpce-gwlb"),
        id="isolated-to-vpc-endpoint-ok",
    ),
    case(
        lambda s: s.set("isolated-rt", routes=[{"cidrBlock": "0.0.0.0/0", "natGatewayId": s["nat"].id}]),
        (TIER, "isolated-rt"),
        id="isolated-inline-route-through-nat",
    ),
    case(
        lambda s: s.set("isolated-rt", routes=[{"cidrBlock": "10.42.0.0/16", "gatewayId": "local"}]),
        id="isolated-local-route-ok",
    ),
    case(
        lambda s: s.set("isolated-rt", propagatingVgws=["vgw-1"]),
        (TIER, "isolated-rt"),
        id="isolated-propagates-vpn-routes",
    ),
    case(
        lambda s: s.set("isolated-rt", propagatingVgws=UNKNOWN),
        id="propagation-computed-by-provider-ok",  # unknown and fed by nothing: the provider's empty default
    ),
    case(
        lambda s: (
            s.set("isolated-rt", propagatingVgws=UNKNOWN),
            s["isolated-rt"].property_dependencies.setdefault("propagatingVgws", [s["igw"].urn]),
        ),
        (TIER, "isolated-rt"),
        id="propagation-from-new-vpn-gateway",
    ),
    case(
        lambda s: (
            _route("isolated-rt", destination="10.9.0.0/16", vpcEndpointId="vpce-gwlb")(s),
            s.set("extra", networkInterfaceId=UNKNOWN, natGatewayId=""),
        ),
        id="endpoint-route-with-computed-interface-ok",
    ),
    case(
        lambda s: s.set("isolated-rt", routes=[{"cidrBlock": "pl-s3", "gatewayId": "vpce-s3"}]),
        id="isolated-gateway-endpoint-route-ok",
    ),
    case(_associate("isolated-0", "app-rt"), (TIER, "app-default"), id="isolated-subnet-on-private-table"),
    case(_spare_isolated_table, (TIER, "spare-out"), id="table-tagged-isolated-without-subnets"),
    case(
        _unknown_gateway(reference=True),
        (TIER, "extra"),
        *STORES_EXPOSED,
        id="gateway-unknown-but-referenced",
    ),
    case(_unknown_gateway(reference=False), id="gateway-unknown-in-preview-ok"),
    case(
        lambda s: (_route("isolated-rt", natGatewayId="nat")(s), s.set("extra", natGatewayId=UNKNOWN)),
        (TIER, "extra"),
        id="nat-id-unknown-still-nat",
    ),
]

PRIVATE_CASES = [
    case(
        lambda s: (s.remove("app-default"), _route("app-rt", "app-default", gatewayId="igw")(s)),
        (TIER, "app-default"),
        ("workload-not-in-public-subnet", "app-svc"),  # app-0 became public
        id="private-to-internet-gateway",
    ),
    case(
        _route("app-rt", destination="10.60.0.0/16", transitGatewayId="tgw-shared"),
        id="private-to-transit-gateway-ok",
    ),
    case(
        _route("app-rt", destination="::/0", egressOnlyGatewayId="eigw-1"), id="private-ipv6-egress-only-ok"
    ),
    case(
        _associate("app-0", "public-rt"),
        (TIER, "public-default"),
        ("workload-not-in-public-subnet", "app-svc"),
        id="private-subnet-on-public-table",
    ),
    case(
        _default_route_table,
        (TIER, "main-rt"),
        ("workload-not-in-public-subnet", "app-svc"),
        id="private-subnet-on-public-main-table",
    ),
    case(
        _route("public-rt", destination="10.60.0.0/16", natGatewayId="nat"), id="public-tier-unconstrained-ok"
    ),
]

PRODUCTION = {
    "productionAccountIds": ["999999999999"],
    "productionVpcIds": ["vpc-prod"],
    "productionTransitGatewayIds": ["tgw-prod"],
}
ROUTE_CONFIG = {"no-route-to-production": {"productionCidrs": ["10.0.0.0/16", "fd00:1::/48"]}}

PRODUCTION_CASES = [
    case(
        lambda s: s.add(
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            "to-prod",
            {"peerOwnerId": "999999999999", "peerVpcId": "vpc-prod"},
            refs={"vpcId": s["vpc"]},
        ),
        ("no-peering-with-production", "to-prod"),
        config={"no-peering-with-production": PRODUCTION},
        id="peering-with-production",
    ),
    case(
        lambda s: s.add(
            "aws:ec2transitgateway/vpcAttachment:VpcAttachment",
            "tgw-prod-attach",
            {"transitGatewayId": "tgw-prod"},
            refs={"vpcId": s["vpc"]},
        ),
        ("no-peering-with-production", "tgw-prod-attach"),
        config={"no-peering-with-production": PRODUCTION},
        id="tgw-attachment-to-production",
    ),
    case(
        lambda s: s.add(
            "aws:ec2transitgateway/peeringAttachment:PeeringAttachment",
            "tgw-peer",
            {
                "peerAccountId": "999999999999",
                "peerTransitGatewayId": "tgw-other",
                "transitGatewayId": "tgw-staging",
            },
        ),
        ("no-peering-with-production", "tgw-peer"),
        config={"no-peering-with-production": PRODUCTION},
        id="tgw-peering-with-production-account",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            "to-tools",
            {"peerOwnerId": "111111111111", "peerVpcId": "vpc-tools"},
            refs={"vpcId": s["vpc"]},
        ),
        config={"no-peering-with-production": PRODUCTION},
        id="peering-with-non-production-ok",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/route:Route",
            "to-prod-subnet",
            {"destinationCidrBlock": "10.0.1.0/24", "transitGatewayId": "tgw-x"},
            refs={"routeTableId": s["public-rt"]},
        ),
        ("no-route-to-production", "to-prod-subnet"),
        config=ROUTE_CONFIG,
        id="route-into-production-cidr",
    ),
    case(
        lambda s: s.set("public-rt", routes=[{"cidrBlock": "10.0.0.0/8", "vpcPeeringConnectionId": "pcx-1"}]),
        ("no-route-to-production", "public-rt"),
        config=ROUTE_CONFIG,
        id="inline-supernet-route-via-peering",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/route:Route",
            "v6-prod",
            {"destinationIpv6CidrBlock": "fd00:1:0:1::/64", "transitGatewayId": "tgw-x"},
            refs={"routeTableId": s["public-rt"]},
        ),
        ("no-route-to-production", "v6-prod"),
        config=ROUTE_CONFIG,
        id="ipv6-route-into-production",
    ),
    case(lambda s: None, config=ROUTE_CONFIG, id="default-route-via-igw-ok"),
    case(
        lambda s: s.add(
            "aws:ec2/defaultRouteTable:DefaultRouteTable",
            "main-rt",
            {"routes": [{"cidrBlock": "10.0.4.0/24", "transitGatewayId": "tgw-x"}]},
            refs={"defaultRouteTableId": s["vpc"]},
        ),
        ("no-route-to-production", "main-rt"),
        config=ROUTE_CONFIG,
        id="main-route-table-into-production",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*ISOLATED_CASES, *PRIVATE_CASES, *PRODUCTION_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_routing_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
