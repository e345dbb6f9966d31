"""Telling a customer-managed KMS key from an AWS managed one, for every rule that requires the stack's CMK.

An AWS managed key is the one a service creates in the account for itself (``aws/rds``, ``aws/ebs``...):
its key policy cannot be changed, so it cannot be scoped to the stack, shared with another account or
disabled in an incident. Its alias is ``alias/aws/<service>``: alias names beginning with ``aws/`` are
reserved for AWS managed keys (AWS KMS Developer Guide, "Aliases in AWS KMS" and "AWS managed keys").
A key property may name it by that alias or by the alias ARN
``arn:<partition>:kms:<region>:<account>:alias/aws/<service>``; both are refused here.

What cannot be told offline: a key id (``1234abcd-...``) or key ARN (``...:key/<id>``) of an AWS managed
key looks like a customer-managed key's; only ``kms:DescribeKey`` (``KeyManager``: ``AWS``) says which.
Such values, customer aliases and values unknown during a preview are accepted.
"""

from __future__ import annotations

import re
from typing import Any

from ._props import is_set

#: ``alias/aws/<service>`` or its ARN (any partition, region and account; a malformed account is refused
#: too rather than let through).
AWS_MANAGED_ALIAS = re.compile(
    r"^(?:arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias/aws/(?P<service>[A-Za-z0-9/_-]+)$"
)


def aws_managed_service(value: Any) -> str | None:
    """The service whose AWS managed key ``value`` names (``alias/aws/rds`` -> ``rds``), else None."""
    if not isinstance(value, str):
        return None
    match = AWS_MANAGED_ALIAS.match(value.strip())
    return match["service"] if match else None


def cmk_problem(value: Any, where: str, unset: str) -> str | None:
    """Why the key property ``where`` (value ``value``) does not name a customer-managed key, or None.

    Args:
        value: the property's value (a string, ``UNKNOWN`` during a preview, or None).
        where: the property path shown in the message (``kmsKeyId``, ``encryptAtRest.kmsKeyId``).
        unset: what happens without a key, e.g. ``"storage would use the AWS managed aws/rds key"``.

    Returns:
        ``"<where> is not set: <unset>."`` when the value is missing or empty; ``"<where> is <value>, the
        AWS managed key of <service>: ..."`` for an AWS managed alias or alias ARN; None otherwise
        (a key id, key ARN or customer alias: see the module docstring for what cannot be told).
    """
    if not is_set(value):
        return f"{where} is not set: {unset}."
    service = aws_managed_service(value)
    if service is not None:
        return (
            f"{where} is {str(value).strip()}, the AWS managed key of {service}: its key policy cannot be "
            "scoped to the stack, shared or disabled."
        )
    return None
