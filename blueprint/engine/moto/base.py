"""What the moto-backed engine's resource handlers share: the registration they get, what they return,
and the record of what the emulated account does not hold ("not emulated").

A handler turns one registration (type, logical name, inputs by wire name with secrets unwrapped) into
boto3 calls against moto and returns the provider id and the outputs moto gave, named as pulumi-aws names
them (camelCase: ``arn``, ``keyId``, ``endpoint``...). Whatever moto cannot hold is never made up
silently: it is either synthesized *and* reported as a ``NotEmulated`` note, or the call fails.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.outputs import physical_name


@dataclass(frozen=True)
class NotEmulated:
    """Something of the stack the emulated account does not hold or do.

    Attributes:
        type: the type token it concerns, e.g. ``aws:msk/configuration:Configuration``.
        what: the resource, attribute or behaviour, e.g. ``bootstrapBrokersSaslIam``.
        reason: why (what moto lacks), and what stands in for it.
    """

    type: str
    what: str
    reason: str


@dataclass(frozen=True)
class Registration:
    """One resource registration as a handler sees it.

    Attributes:
        type: the type token.
        name: the logical name.
        inputs: input properties by wire (camelCase) name, secrets unwrapped.
        stack: the stack name (seeds auto-names, as Pulumi's random suffixes differ per stack).
    """

    type: str
    name: str
    inputs: Mapping[str, Any]
    stack: str

    def physical_name(self) -> str:
        """The name AWS knows it by: explicit, ``namePrefix`` + suffix, or ``<logical name>-<7 hex>``."""
        return physical_name(self.type, self.name, self.inputs, f"{self.stack}/{self.type}/{self.name}")

    def get(self, key: str, default: Any = None) -> Any:
        value = self.inputs.get(key)
        return default if value is None else value

    def tags(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.inputs.get("tags") or {}).items()}

    def tag_list(self) -> list[dict[str, str]]:
        """Tags as ``[{"Key": ..., "Value": ...}]`` (EC2, RDS, IAM, KMS, Secrets Manager)."""
        return [{"Key": k, "Value": v} for k, v in self.tags().items()]

    def tag_specs(self, resource_type: str) -> list[dict[str, Any]]:
        """EC2 ``TagSpecifications`` for ``resource_type`` (e.g. ``vpc``); empty without tags."""
        tags = self.tag_list()
        return [{"ResourceType": resource_type, "Tags": tags}] if tags else []


@dataclass
class Created:
    """What a handler returns: the provider id, the computed outputs, and notes on what is not emulated.

    ``outputs`` are merged over the registration's inputs (providers echo their inputs as outputs).
    """

    id: str
    outputs: dict[str, Any]
    notes: list[NotEmulated] = field(default_factory=list)


Handler = Callable[[AwsClients, Registration], Created]


def integer(value: Any) -> int:
    """A wire number (protobuf ``Struct`` numbers are floats) as the int AWS expects."""
    return int(value)


def hashcode(text: str) -> int:
    """The Terraform AWS provider's ``create.StringHashcode`` (the CRC-32 of the text): part of route ids."""
    return zlib.crc32(text.encode())


def arn_tail(arn: str, separator: str = "/") -> str:
    """The last ``separator``-separated part of an ARN (an id or name)."""
    return arn.rsplit(separator, 1)[-1]
