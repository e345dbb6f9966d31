"""What the broker components share: where a broker lives, who may connect, how it is protected.
``KafkaCluster`` and ``RabbitMqBroker`` take a subclass of ``BrokerArgs``; ``Database`` shares the
security-group helper (``components.security_groups``) but takes its own arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws

from components.common import child_opts
from components.security_groups import Client, ServicePort, data_store_security_group


@dataclass(frozen=True, kw_only=True)
class BrokerArgs:
    """Arguments every broker takes.

    Attributes:
        broker_name: cluster/broker name, e.g. ``staging-events`` (1-50 letters, digits, hyphens).
        vpc_id: the VPC.
        subnet_ids: subnets of the isolated (data) tier, one per AZ.
        kms_key_arn: the vault CMK.
        clients: who may connect.
        tags: tags for every resource.
        subnet_tier: name of the subnets' tier, recorded as the ``tier`` tag (default ``isolated``).
        log_retention_days: retention of the broker's log group, in days (default 90).
        deletion_protection: protect the cluster/broker from deletion (Pulumi ``protect``; neither MSK nor
            Amazon MQ has a deletion-protection flag of its own). Default on.
    """

    broker_name: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    clients: Sequence[Client]
    tags: Mapping[str, str]
    subnet_tier: str = "isolated"
    log_retention_days: int = 90
    deletion_protection: bool = True


class BrokerEndpoint(NamedTuple):
    """What a broker builder returns: the cluster/broker ARN and where clients connect."""

    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]


def broker_security_group(
    name: str, parent: pulumi.Resource, args: BrokerArgs, ports: Sequence[ServicePort]
) -> aws.ec2.SecurityGroup:
    """The broker's own security group: its clients on its ports, nothing else."""
    return data_store_security_group(
        name,
        parent=parent,
        vpc_id=args.vpc_id,
        description=f"{args.broker_name}: named clients on the broker ports only",
        ports=ports,
        clients=args.clients,
        tags=args.tags,
    )


def protected_opts(parent: pulumi.Resource, args: BrokerArgs, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options of the cluster/broker itself: a child, protected when deletion protection is on."""
    return child_opts(parent, protect=args.deletion_protection, **kwargs)
