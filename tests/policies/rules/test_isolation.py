"""Isolation rules (``guardrails/isolation.py``): data stores private, security groups, subnets, peering.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import (
    SG_INGRESS,
    SG_RULE,
    WORLD_443,
    broker_info,
    kafka,
    private_broker,
    sg_rule,
    sneaky_subnet,
)

CASES = [
    case(
        lambda s: s.set("db", publiclyAccessible=True),
        ("data-store-not-publicly-accessible", "db"),
        id="rds-public",
    ),
    case(
        lambda s: s.set("rabbit", publiclyAccessible=True),
        ("data-store-not-publicly-accessible", "rabbit"),
        id="mq-public",
    ),
    case(
        kafka(
            brokerNodeGroupInfo=broker_info(
                connectivityInfo={"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}
            )
        ),
        ("data-store-not-publicly-accessible", "kafka"),
        id="msk-public",
    ),
    case(
        kafka(brokerNodeGroupInfo=broker_info(connectivityInfo={"publicAccess": {"type": "DISABLED"}})),
        id="msk-public-disabled-ok",
    ),
    case(
        lambda s: s.link("db-subnets", "subnetIds", [s["public-0"], s["isolated-0"]]),
        ("data-store-in-private-subnets", "db"),
        ("data-store-in-private-subnets", "aurora"),
        id="subnet-group-with-public-subnet",
    ),
    case(
        lambda s: s.link("db", "dbSubnetGroupName", None),
        ("data-store-in-private-subnets", "db"),
        id="rds-without-subnet-group",
    ),
    case(sneaky_subnet, ("data-store-in-private-subnets", "rabbit"), id="mq-in-subnet-routing-to-igw"),
    case(
        lambda s: (s.link("db", "dbSubnetGroupName", None), s.set("db", dbSubnetGroupName=UNKNOWN)),
        ("data-store-in-private-subnets", "db"),
        id="rds-subnet-group-computed-by-provider-in-preview",
    ),
    case(
        private_broker,
        ("data-store-in-private-subnets", "rabbit"),
        config={"data-store-in-private-subnets": {"allowedTiers": ["isolated"]}},
        id="private-tier-not-allowed",
    ),
    case(private_broker, id="private-tier-allowed-by-default"),
    case(
        lambda s: s.set(
            "app-sg", ingress=[{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]
        ),
        ("security-group-internet-ingress-https-only", "app-sg"),
        id="ssh-from-world",
    ),
    case(
        lambda s: sg_rule(
            s,
            "all-from-world",
            SG_RULE,
            {"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
            "app-sg",
        ),
        ("security-group-internet-ingress-https-only", "all-from-world"),
        id="all-ports-from-world-rule",
    ),
    case(
        lambda s: None,
        ("security-group-internet-ingress-https-only", "edge-sg"),
        config={"security-group-internet-ingress-https-only": {"allowedPublicIngressCidrs": ["52.0.0.0/8"]}},
        id="edge-outside-allowlist",
    ),
    case(
        lambda s: (
            sg_rule(
                s,
                "vpc-https",
                SG_INGRESS,
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"},
                "db-sg",
            ),
            sg_rule(
                s,
                "egress-world",
                SG_RULE,
                {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
                "app-sg",
            ),
        ),
        id="private-ingress-and-world-egress-ok",
    ),
    case(
        lambda s: s.set("app-sg", ingress=[WORLD_443]),
        ("internet-ingress-only-on-public-lb", "app-sg"),
        id="https-from-world-on-app-sg",
    ),
    case(
        lambda s: sg_rule(
            s,
            "app-https",
            SG_INGRESS,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "8.8.8.0/24"},
            "app-sg",
        ),
        ("internet-ingress-only-on-public-lb", "app-https"),
        id="https-rule-on-app-sg",
    ),
    case(
        lambda s: sg_rule(
            s,
            "foreign-https",
            SG_INGRESS,
            {
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
                "securityGroupId": "sg-elsewhere",
            },
            None,
        ),
        ("internet-ingress-only-on-public-lb", "foreign-https"),
        id="https-rule-on-foreign-sg",
    ),
    case(
        lambda s: sg_rule(s, "edge-https", SG_RULE, {"type": "ingress", **WORLD_443}, "edge-sg"),
        id="https-rule-on-public-lb-ok",
    ),
    case(
        lambda s: s.set("default-sg", ingress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
        ("default-security-group-closed", "default-sg"),
        id="default-sg-with-rule",
    ),
    case(
        lambda s: s.remove("default-sg"),
        ("default-security-group-closed", "vpc"),
        id="default-sg-not-adopted",
    ),
    case(
        lambda s: s.set("public-0", mapPublicIpOnLaunch=True),
        ("subnet-no-public-ip-on-launch", "public-0"),
        id="subnet-public-ip",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/defaultSubnet:DefaultSubnet", "default-subnet", {"availabilityZone": "eu-west-1a"}
        ),
        ("subnet-no-public-ip-on-launch", "default-subnet"),
        id="default-subnet-maps-public-ip",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/defaultSubnet:DefaultSubnet", "default-subnet", {"mapPublicIpOnLaunch": False}
        ),
        id="default-subnet-without-public-ip-ok",
    ),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_isolation_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
