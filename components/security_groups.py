"""Security groups of data stores: one group per store, admitting named clients on named ports only.

Every data-store component (``Database``, ``KafkaCluster``, ``RabbitMqBroker``) builds its group here,
so the rules are the same everywhere: the group has no inline rules (inline and standalone rules fight over
the same group), each (port, client) pair is one ``aws.vpc.SecurityGroupIngressRule`` with its own
description, clients are either security groups or private IPv4 CIDRs (never ``0.0.0.0/0``), and there is
no egress rule: security groups are stateful, so replies to admitted clients flow without one, and a data
store never opens connections of its own. (The AWS provider removes the allow-all egress rule AWS adds to
new groups.)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.common import child_opts, with_name


@dataclass(frozen=True)
class ServicePort:
    """A TCP port the data store listens on, e.g. ``ServicePort(5432, "PostgreSQL")``."""

    port: int
    description: str


@dataclass(frozen=True)
class Client:
    """One named client allowed to connect: a security group or a private IPv4 CIDR, not both.

    Attributes:
        label: short stable name used in the rule's logical name and description, e.g. ``private-0``
            or ``app-nodes``; letters, digits and hyphens.
        security_group_id: the client's security group (preferred: follows the workload wherever it runs).
        cidr_ipv4: a private IPv4 network (RFC 1918), e.g. a subnet of the private tier.

    Raises:
        ValueError: neither or both sources given, a bad label, or a CIDR that is not a private network.
    """

    label: str
    security_group_id: pulumi.Input[str] | None = None
    cidr_ipv4: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", self.label):
            raise ValueError(f"client label {self.label!r}: use letters, digits and hyphens")
        if (self.security_group_id is None) == (self.cidr_ipv4 is None):
            raise ValueError(f"client {self.label!r}: give exactly one of security_group_id and cidr_ipv4")
        if self.cidr_ipv4 is not None:
            network = ipaddress.IPv4Network(self.cidr_ipv4, strict=True)
            if not network.is_private or network.prefixlen == 0:
                raise ValueError(f"client {self.label!r}: {self.cidr_ipv4} is not a private network")


def subnet_clients(tier: str, cidrs: Sequence[str]) -> list[Client]:
    """One client per subnet CIDR of a network tier, labelled ``<tier>-<index>``."""
    return [Client(f"{tier}-{i}", cidr_ipv4=cidr) for i, cidr in enumerate(cidrs)]


def data_store_security_group(
    name: str,
    *,
    parent: pulumi.Resource,
    vpc_id: pulumi.Input[str],
    description: str,
    ports: Sequence[ServicePort],
    clients: Sequence[Client],
    tags: Mapping[str, str],
) -> aws.ec2.SecurityGroup:
    """A security group admitting each client on each port, and nothing else.

    Args:
        name: the owning component's name; children are ``<name>-sg`` and ``<name>-<port>-<label>``.
        parent: the owning component.
        vpc_id: the VPC.
        description: what the group protects (shown in the console; ASCII only).
        ports: the ports clients may reach (TCP).
        clients: who may reach them.
        tags: tags for the group and its rules.

    Returns:
        The security group; its id goes into the data store's security-group list.

    Raises:
        ValueError: two clients share a label (their rules would collide).
    """
    labels = [c.label for c in clients]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{name}: client labels must be unique, got {labels}")
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=vpc_id,
        description=description,
        revoke_rules_on_delete=True,
        tags=with_name(tags, f"{name}-sg"),
        opts=child_opts(parent),
    )
    for port in ports:
        for client in clients:
            rule = f"{name}-{port.port}-{client.label}"
            aws.vpc.SecurityGroupIngressRule(
                rule,
                security_group_id=group.id,
                description=f"{port.description} from {client.label}",
                ip_protocol="tcp",
                from_port=port.port,
                to_port=port.port,
                referenced_security_group_id=client.security_group_id,
                cidr_ipv4=client.cidr_ipv4,
                tags=with_name(tags, rule),
                opts=child_opts(parent),
            )
    return group
