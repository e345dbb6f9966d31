"""The resource graph a program run produces: what the recording engine writes and every tool reads.

Property values are kept in the Pulumi wire format (``google.protobuf.Struct`` as JSON): secrets are
objects ``{SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": ...}`` and values not known during preview are
the string ``UNKNOWN``. Keeping the wire format lets the policy runner hand the engine's exact bytes to
the analyzer, and lets the reports redact secrets without guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Signature key and value that mark a secret in Pulumi's wire format (pulumi/sdk ``rpc.py``).
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"
#: The sentinel the engine sends for a value that is unknown during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: What reports print in place of a secret value.
REDACTED = "[secret]"


def is_secret(value: Any) -> bool:
    """True when ``value`` is a wire-format secret envelope."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG_VALUE


def redact(value: Any) -> Any:
    """Return ``value`` with every secret envelope replaced by ``REDACTED`` (recursively)."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def unwrap(value: Any) -> Any:
    """Return ``value`` with secret envelopes replaced by their plain values (for rules, never for output)."""
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def plain_numbers(value: Any) -> Any:
    """``value`` with whole floats as ints (recursively): the wire format (protobuf ``Struct``) carries every
    number as a float, and ``5432.0`` reads as ``5432`` everywhere else, as the Pulumi CLI prints it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_numbers(v) for v in value]
    return value


def dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...`` through mappings (str keys) and lists (int indexes); None as soon as a
    step is missing or of another shape."""
    for key in path:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, Mapping) else None
    return value


@dataclass
class ResourceRecord:
    """One registration seen by the engine.

    Attributes:
        urn: the resource URN, ``urn:pulumi:<stack>::<project>::<parent types$type>::<name>``.
        type: the type token, e.g. ``aws:ec2/vpc:Vpc`` or ``staging:index:Network``.
        name: the logical name given in the program.
        custom: True for provider-managed resources, False for components.
        parent: URN of the parent resource (the stack for top-level components), or None.
        provider: provider reference ``<provider urn>::<provider id>``, or None for the default provider.
        dependencies: URNs this resource depends on.
        property_dependencies: input property (wire name) -> URNs it depends on.
        options: resource options: ``protect``, ``retainOnDelete``, ``ignoreChanges``,
            ``deleteBeforeReplace``, ``additionalSecretOutputs``, ``replaceOnChanges``, ``customTimeouts``.
        inputs: input properties by wire (camelCase) name, in wire format.
        outputs: output properties (inputs plus synthesized computed values), in wire format.
        id: the (synthesized) physical id; empty for components.
    """

    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None = None
    provider: str | None = None
    dependencies: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass
class StackGraph:
    """Everything one program run registered.

    Attributes:
        project: Pulumi project name.
        stack: stack name (e.g. ``staging``).
        resources: registrations in registration order (the stack resource itself is not included).
        outputs: stack exports by name, in wire format.
    """

    project: str
    stack: str
    resources: list[ResourceRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::{self.project}-{self.stack}"

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_token]
