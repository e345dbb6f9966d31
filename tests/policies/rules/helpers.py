"""Mutations of the baseline stack that several rule-test modules share."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from blueprint.engine.graph import SECRET_SIG_KEY, SECRET_SIG_VALUE
from tests.policies.cases import Mutation
from tests.policies.stack import (
    KEY_ARN,
    TAGS,
    Stack,
)

SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
WORLD_443 = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}


def kafka(**changes: Any) -> Mutation:
    """Set top-level inputs of the MSK cluster."""
    return lambda s: s.set("kafka", **changes)


def broker_info(**extra: Any) -> dict[str, Any]:
    return {
        "instanceType": "kafka.m7g.large",
        "clientSubnets": ["subnet-isolated-0", "subnet-isolated-1"],
        **extra,
    }


def tiered_subnet(s: Stack, name: str, **tags: str) -> Any:
    return s.add(
        "aws:ec2/subnet:Subnet",
        name,
        {"mapPublicIpOnLaunch": False, "tags": {**TAGS, **tags}},
        refs={"vpcId": s["vpc"]},
    )


def sneaky_subnet(s: Stack) -> None:
    """A subnet with no tier tag that routes to the internet gateway, used by the MQ broker."""
    subnet = tiered_subnet(s, "sneaky")
    s.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "sneaky-rta",
        refs={"subnetId": subnet, "routeTableId": s["public-rt"]},
    )
    s.link("rabbit", "subnetIds", [subnet])


def private_broker(s: Stack) -> None:
    s.link("rabbit", "subnetIds", [tiered_subnet(s, "private-0", tier="private")])


def sg_rule(s: Stack, name: str, type_: str, inputs: dict[str, Any], group: str | None) -> None:
    refs = {"securityGroupId": s[group]} if group else {}
    s.add(type_, name, inputs, refs=refs)


def star_key_use(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": condition,
    }


def secret(value: str) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": value}


def provider_default_tags(s: Stack) -> None:
    provider = s.add(
        "pulumi:providers:aws", "tagged", {"region": "eu-west-1", "defaultTags": json.dumps({"tags": TAGS})}
    )
    s.add(
        "aws:secretsmanager/secret:Secret",
        "secret-2",
        {"kmsKeyId": KEY_ARN},
        tags=False,
        provider=f"{provider.urn}::{provider.id}",
    )


def with_spec(name: str, change: Callable[[dict[str, Any]], Any]) -> Mutation:
    """Change a copy of ``name``'s ``spec`` in place with ``change`` and set it back."""

    def mutate(s: Stack) -> None:
        spec = copy.deepcopy(s[name].inputs.get("spec") or {})
        change(spec)
        s.set(name, spec=spec)

    return mutate


def set_in(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A spec change setting the dotted ``path`` (``a.b.c``) to ``value``; None removes the key."""

    def change(spec: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = spec
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value

    return change
