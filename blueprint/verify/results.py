"""What a check finds: one result per subject (a VPC, a database, a role...) with its status and evidence.

Statuses: ``pass``, ``fail``, or ``skipped`` with a reason: ``not emulated`` (the endpoint does not
implement the API: moto), ``not configured`` (the stack has no such part, or ``--url`` was not given),
``not applicable`` (the property cannot exist for this variant, e.g. a customer-managed key on MSK
Serverless).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"


NOT_EMULATED = "not emulated"
NOT_CONFIGURED = "not configured"
NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check for one subject.

    Attributes:
        check: the check id, e.g. ``network.flow-logs``.
        area: ``network``, ``data stores``, ``keys and secrets``, ``iam``, ``api``, ``edge``.
        title: what the check asserts, in one line.
        subject: what was checked, e.g. ``vpc-0abc`` or ``database orders``.
        status: pass, fail or skipped.
        evidence: what was seen (values read from the account), one fact per line; never a secret.
        reason: why it was skipped (``NOT_EMULATED``...); None unless skipped.
    """

    check: str
    area: str
    title: str
    subject: str
    status: Status
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What an evaluation concludes for one subject: ``problems`` (empty = pass) and the facts seen."""

    problems: list[str]
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def evidence(self) -> list[str]:
        return [*self.problems, *self.facts]


class AbsentAttributeError(Exception):
    """An attribute the check needs is missing from the answer: the check fails (fail closed)."""

    def __init__(self, attribute: str, where: str) -> None:
        super().__init__(f"{attribute} absent from {where}: cannot prove the property, so it fails")


class SkipError(Exception):
    """The check does not apply: ``reason`` is ``NOT_CONFIGURED`` or ``NOT_APPLICABLE``; ``detail`` says
    why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def require(answer: Any, path: str, where: str) -> Any:
    """The value at dotted ``path`` in a boto3 answer (nested dicts).

    Raises:
        AbsentAttributeError: a key on the path is missing or None (e.g. moto omits
            ``PubliclyAccessible`` when it was never passed; AWS omits attributes it does not know).
    """
    value: Any = answer
    for key in path.split("."):
        if not isinstance(value, dict) or value.get(key) is None:
            raise AbsentAttributeError(path, where)
        value = value[key]
    return value
