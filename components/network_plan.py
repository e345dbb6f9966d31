"""The subnet plan of ``Network``: the tier and endpoint subnets carved out of the VPC CIDR, as plain
Python (no Pulumi), so the stack config checks and the reports can use it too.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from components.aws_limits import MAX_ENDPOINT_VPC_PREFIX

Tier = Literal["public", "private", "isolated"]
TIERS: tuple[Tier, ...] = ("public", "private", "isolated")

#: Slots per tier: 8 (2**3) subnets fit each tier's block, so up to 6 AZs plus 2 spare.
_SLOT_BITS = 3

#: Endpoint subnets live in the isolated block's last slot (never an AZ's: at most 6 AZs use slots 0-5),
#: split into 8 (one per AZ index). The smallest subnet AWS accepts is a /28 (VPC User Guide, "Subnet
#: sizing"), so they need a VPC of /20 or larger (``MAX_ENDPOINT_VPC_PREFIX``).
ENDPOINT_SLOT = 7


def plan_endpoint_subnets(vpc_cidr: str, az_count: int) -> list[str]:
    """The interface endpoints' subnets: the isolated block's slot 7, split into 8; AZ ``i`` takes part ``i``.

    For a /16 that is eight /24s from ``x.y.184.0/21``; for a /20, /28s. Disjoint from every tier subnet.

    Args:
        vpc_cidr: the VPC's IPv4 CIDR, /16 to /20.
        az_count: 1-6.

    Returns:
        ``az_count`` CIDRs, index = AZ index.

    Raises:
        ValueError: a VPC smaller than /20 (the subnets would be smaller than /28) or a bad AZ count.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if vpc.prefixlen > MAX_ENDPOINT_VPC_PREFIX:
        raise ValueError(
            f"interface endpoint subnets need a /16-/{MAX_ENDPOINT_VPC_PREFIX} VPC, not {vpc_cidr} "
            "(each AZ's endpoint subnet would be smaller than /28)"
        )
    isolated = plan_subnets(vpc_cidr, az_count)["isolated"][0]
    slot = ipaddress.IPv4Network(isolated).supernet(prefixlen_diff=_SLOT_BITS)
    spare = list(slot.subnets(prefixlen_diff=_SLOT_BITS))[ENDPOINT_SLOT]
    return [str(s) for s in list(spare.subnets(prefixlen_diff=_SLOT_BITS))[:az_count]]


def plan_subnets(vpc_cidr: str, az_count: int) -> dict[Tier, list[str]]:
    """Carve the tier subnets out of the VPC CIDR, deterministically.

    The private tier gets the first half of the VPC, the isolated tier the third quarter and the public
    tier the last quarter; each block is split into 8 equal slots and AZ ``i`` takes slot ``i``. For a
    /16 that is /20 private, /21 isolated and /21 public subnets. Adding AZs later never moves existing
    subnets.

    Args:
        vpc_cidr: the VPC's IPv4 CIDR, /16 to /23.
        az_count: 1-6.

    Returns:
        tier -> list of ``az_count`` CIDRs, index = AZ index.

    Raises:
        ValueError: a CIDR outside /16-/23 or an AZ count outside 1-6.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if not 16 <= vpc.prefixlen <= 23 or not 1 <= az_count <= 6:
        raise ValueError(f"cannot plan {az_count} AZ(s) in {vpc_cidr}: need a /16-/23 and 1-6 AZs")
    private_block, rest = vpc.subnets(prefixlen_diff=1)
    isolated_block, public_block = rest.subnets(prefixlen_diff=1)
    blocks: dict[Tier, ipaddress.IPv4Network] = {
        "public": public_block,
        "private": private_block,
        "isolated": isolated_block,
    }
    return {
        tier: [str(s) for s in list(block.subnets(prefixlen_diff=_SLOT_BITS))[:az_count]]
        for tier, block in blocks.items()
    }
