"""Parity between two stacks (``python -m blueprint parity staging production``).

Both stacks run through the offline engine; resources of the types in ``parity_rules`` are matched by
logical identity (component path, type and name, with the environment name replaced by ``<env>``) and
their parity properties compared. Each comparison is:

- ``identical``;
- ``intended``: declared under ``staging-blueprint:parity`` in either stack's config (reason, owner,
  expiry; see ``stack_config.parity``), or a size-only difference (category ``size``, and an
  instance class of the same family);
- ``drift``: any other difference;
- ``missing`` / ``extra``: the resource exists only in stack B / only in stack A (``presence``; declared
  or size-only ones are ``intended``).

The report fails (exit 1) on drift, missing or extra of category ``engine``, ``version`` or ``security``.
Declarations are judged as policy exemptions are, with the pack's own code (``parse_downgrade``: reason,
owner, ``YYYY-MM-DD`` expiry within the maximum horizon, ``STAGING_GUARDRAILS_TODAY`` and
``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` honoured): an expired or invalid one explains nothing and is listed
with its problems.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from blueprint.engine.graph import ResourceRecord, StackGraph, plain_numbers, redact
from blueprint.policy.config import load_exemptions_module
from blueprint.review.parity_rules import (
    FAILING,
    FAMILY_PROPERTIES,
    PRESENCE,
    PROPERTIES,
    family,
    property_names,
)
from stack_config import StackConfig
from stack_config.parity import ParityDeclaration

ENV_TOKEN = "<env>"
_DYNAMIC_PREFIXES = ("parameters.", "serverProperties.")


@dataclass(frozen=True)
class Side:
    """One stack of the comparison: its name, environment, recorded graph and declarations."""

    stack: str
    environment: str
    graph: StackGraph
    declarations: tuple[ParityDeclaration, ...] = ()


@dataclass
class Declaration:
    """A parsed ``parity`` entry: where it comes from, whether it is honoured, how often it applied."""

    origin: str
    entry: ParityDeclaration
    status: str
    problems: tuple[str, ...]
    used: int = 0

    def covers(self, identity: str, prop: str) -> bool:
        return fnmatch.fnmatchcase(identity, self.entry.resource) and fnmatch.fnmatchcase(
            prop, self.entry.property
        )

    def as_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, **self.entry.model_dump(), "status": self.status,
                "problems": list(self.problems), "used": self.used}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One compared property (or ``presence``) of one logical resource."""

    identity: str
    type: str
    property: str
    category: str
    status: str
    a: Any
    b: Any
    reason: str = ""
    fails: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "type": self.type, "property": self.property,
                "category": self.category, "status": self.status, "a": self.a, "b": self.b,
                "reason": self.reason, "fails": self.fails}  # fmt: skip


@dataclass
class ParityReport:
    """Everything compared, the declarations, and the verdict (``fails``)."""

    a: str
    b: str
    findings: list[Finding] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)

    @property
    def fails(self) -> bool:
        return any(f.fails for f in self.findings)

    def counts(self) -> dict[str, int]:
        found = {s: 0 for s in ("identical", "intended", "drift", "missing", "extra")}
        for f in self.findings:
            found[f.status] += 1
        return found

    def summary_line(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items())
        failing = sum(1 for f in self.findings if f.fails)
        verdict = (
            f"FAIL ({failing} unexplained engine, version or security difference(s))" if failing else "PASS"
        )
        return f"parity {self.a} vs {self.b}: {counts}: {verdict}"

    def as_dict(self) -> dict[str, Any]:
        return {"stacks": [self.a, self.b], "counts": self.counts(), "fails": self.fails,
                "summary": self.summary_line(), "findings": [f.as_dict() for f in self.findings],
                "declarations": [d.as_dict() for d in self.declarations]}  # fmt: skip


def identity(record: ResourceRecord, by_urn: Mapping[str, ResourceRecord], environment: str) -> str:
    """``<component path>/<name>`` with the environment name (as a whole word) written ``<env>``."""
    names = [record.name]
    parent = by_urn.get(record.parent or "")
    while parent is not None:
        names.insert(0, parent.name)
        parent = by_urn.get(parent.parent or "")
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(environment)}(?![A-Za-z0-9])")
    return "/".join(pattern.sub(ENV_TOKEN, n) for n in names)


def _index(side: Side) -> dict[tuple[str, str], ResourceRecord]:
    by_urn = {r.urn: r for r in side.graph.resources}
    wanted = set(PROPERTIES) | set(PRESENCE)
    return {
        (identity(r, by_urn, side.environment), r.type): r for r in side.graph.resources if r.type in wanted
    }


def parse_declarations(sides: Sequence[Side], on: dt.date | None = None) -> list[Declaration]:
    """Judge both stacks' declarations as of ``on`` (default: today, or ``STAGING_GUARDRAILS_TODAY``)."""
    exemptions = load_exemptions_module()
    when = on or exemptions.today()
    known = property_names()
    parsed = []
    for side in sides:
        for index, entry in enumerate(side.declarations):
            fields = {"reason": entry.reason, "owner": entry.owner, "expires": entry.expires}
            verdict = exemptions.parse_downgrade(fields, when)
            problems = list(verdict.problems)
            if not any(
                fnmatch.fnmatchcase(n, entry.property) for n in known
            ) and not entry.property.startswith(_DYNAMIC_PREFIXES):
                problems.append(f"'property' {entry.property!r} names no parity property")
            status = verdict.status if not problems or verdict.status != "active" else "invalid"
            parsed.append(Declaration(f"{side.stack} parity[{index}]", entry, status, tuple(problems)))
    return parsed


def _explain(declarations: Sequence[Declaration], ident: str, prop: str) -> str:
    for d in declarations:
        if d.status == "active" and d.covers(ident, prop):
            d.used += 1
            return f"declared by {d.origin} ({d.entry.owner}, until {d.entry.expires}): {d.entry.reason}"
    return ""


def _judge(
    key: tuple[str, str],
    prop: str,
    category: str,
    values: tuple[Any, Any],
    declarations: Sequence[Declaration],
) -> Finding:
    """One comparison's status (see the module docstring); ``key`` is (identity, type)."""
    (ident, type_), (a, b) = key, values
    if a == b:
        return Finding(ident, type_, prop, category, "identical", a, b)
    status = "drift"
    if prop == "presence":
        status = "missing" if a is None else "extra"
    reason = _explain(declarations, ident, prop)
    if not reason and category == "size":
        same_family = prop not in FAMILY_PROPERTIES or family(a) == family(b)
        reason = "size-only difference (intended by default)" if same_family else ""
        category = category if same_family else "config"
    if reason:
        return Finding(ident, type_, prop, category, "intended", a, b, reason)
    return Finding(ident, type_, prop, category, status, a, b, fails=category in FAILING)


def compare(a: Side, b: Side, on: dt.date | None = None) -> ParityReport:
    """Compare stack ``a`` (e.g. staging) with ``b`` (e.g. production)."""
    report = ParityReport(a.stack, b.stack, declarations=parse_declarations((a, b), on))
    left, right = _index(a), _index(b)
    for key in sorted(set(left) | set(right)):
        ra, rb = left.get(key), right.get(key)
        type_ = key[1]
        if ra is None or rb is None:
            category = PRESENCE.get(type_, "config")
            present = (None, "present") if ra is None else ("present", None)
            report.findings.append(_judge(key, "presence", category, present, report.declarations))
            continue
        props_a = PROPERTIES.get(type_, lambda _i: {})(redact(ra.inputs))
        props_b = PROPERTIES.get(type_, lambda _i: {})(redact(rb.inputs))
        for prop in sorted(set(props_a) | set(props_b)):
            category = (props_a.get(prop) or props_b[prop])[0]
            va, vb = (
                plain_numbers(props_a.get(prop, (None, None))[1]),
                plain_numbers(props_b.get(prop, (None, None))[1]),
            )
            if va is None and vb is None:
                continue
            report.findings.append(_judge(key, prop, category, (va, vb), report.declarations))
    return report


def side_of(stack: str, config: StackConfig, graph: StackGraph) -> Side:
    """A ``Side`` from a stack's validated config and recorded graph."""
    return Side(stack, config.environment, graph, tuple(config.parity))
