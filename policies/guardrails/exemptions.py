"""Exemptions and downgrade justifications: reviewed, owned, expiring waivers of a rule.

Each rule's policy config (``--policy-pack-config``) may hold an ``exemptions`` list::

    {"rds-deletion-protection": {"exemptions": [
        {"resource": "*::db-scratch", "reason": "throw-away load-test copy, rebuilt nightly",
         "owner": "data-team@example.com", "expires": "2026-12-31"}]}}

- ``resource``: an ``fnmatch`` pattern (``*``, ``?``, ``[...]``) matched against the resource's URN and
  against its logical name; an exact URN or name matches itself. A pattern that matches every resource
  (``*``, ``urn:*``, ``*::*``; see ``matches_everything``) is invalid: that is switching the rule off.
- ``reason``: why the waiver is acceptable, at least ``MIN_REASON_LENGTH`` characters.
- ``owner``: who answers for it (team or e-mail).
- ``expires``: ``YYYY-MM-DD``; the exemption still applies on that day and lapses the day after. It may be
  at most ``max_waiver_days()`` days after today (default ``DEFAULT_MAX_WAIVER_DAYS``), so every waiver is
  reviewed again within that horizon.

An *active* exemption suppresses its rule's violations for the resources it matches. An expired, invalid
or malformed one suppresses nothing and is reported as a violation of its rule, so it cannot be
forgotten.

A rule whose default level is mandatory may be lowered to ``advisory`` or ``disabled`` (by its own
``enforcementLevel`` or by ``all``) only with a ``downgrade`` justification in the rule's own entry,
with the same fields and rules as an exemption minus ``resource``::

    {"all": "advisory",
     "rds-deletion-protection": {"downgrade": {"reason": "scratch account, databases rebuilt daily",
                                               "owner": "data-team", "expires": "2026-12-31"}}}

A disabled rule never runs, so the pack cannot report its own downgrade: the offline preview
(``blueprint.policy``) evaluates downgrades with ``parse_downgrade`` and reports an unjustified one
as a mandatory violation of the rule. The Pulumi CLI does not.

Environment (the pack's; the blueprint tools pass theirs to the pack they start):

- ``STAGING_GUARDRAILS_TODAY=YYYY-MM-DD`` overrides today's date (tests, replaying a past review);
- ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS=N`` overrides the 90-day maximum horizon;
- ``PULUMI_PROJECT`` / ``PULUMI_STACK`` (set by the engine) name the stack whose URNs a pattern like
  ``urn:pulumi:staging::staging-blueprint::*`` would cover entirely.

This module is deliberately free of imports from pulumi-policy or the rest of the pack: the blueprint
tools load it by file path to report exemptions with exactly the pack's semantics.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: Shortest acceptable ``reason``: long enough to force a sentence, not a shrug ("tmp", "n/a").
MIN_REASON_LENGTH = 10
#: Environment variable that overrides today's date (``YYYY-MM-DD``).
TODAY_ENV = "STAGING_GUARDRAILS_TODAY"
#: Environment variable that overrides the maximum waiver horizon (whole days, >= 1).
MAX_WAIVER_DAYS_ENV = "STAGING_GUARDRAILS_MAX_WAIVER_DAYS"
#: How far in the future an exemption or downgrade may expire, in days, unless overridden. A quarter:
#: long enough for a planned fix, short enough that nobody forgets what was waived.
DEFAULT_MAX_WAIVER_DAYS = 90

Status = Literal["active", "expired", "invalid"]
JustificationStatus = Literal["active", "expired", "invalid", "missing"]

_FIELD_SCHEMAS: dict[str, Any] = {
    "reason": {"type": "string", "description": f"why (at least {MIN_REASON_LENGTH} characters)"},
    "owner": {"type": "string", "description": "team or e-mail answering for the waiver"},
    "expires": {"type": "string", "description": "last day the waiver applies, YYYY-MM-DD"},
}
#: JSON schema of one exemption, as declared in every rule's config schema. Only types are enforced
#: here; semantic problems (short reason, bad date, expiry) are reported by the rule itself so a pull
#: request shows them next to the resource instead of as an opaque config error.
EXEMPTION_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource": {"type": "string", "description": "fnmatch pattern matched against URN and name"},
        **_FIELD_SCHEMAS,
    },
    "additionalProperties": False,
}
#: JSON schema of the ``exemptions`` config property.
EXEMPTIONS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": EXEMPTION_ITEM_SCHEMA,
    "default": [],
    "description": "Reviewed waivers of this rule: resource pattern, reason, owner, expiry date.",
}
#: JSON schema of the ``downgrade`` config property: why a mandatory rule runs at a lower level. No
#: default: an absent justification is what makes a downgrade a violation.
DOWNGRADE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": dict(_FIELD_SCHEMAS),
    "additionalProperties": False,
    "description": "Justification for lowering this rule below its default level: reason, owner, expiry.",
}

#: Resources unlike each other in every URN part (stack, project, parent type, type, name). A pattern
#: matching the URN or name of each of them, in one stack, matches every resource of that stack.
_PROBE_STACKS = (("p", "x"), ("staging", "staging-blueprint"), ("prod-eu-1", "payments-api"))
_PROBE_RESOURCES = (
    ("aws:s3/bucket:Bucket", "logs"),
    ("staging:index:Network$aws:ec2/vpc:Vpc", "network-vpc"),
    ("kubernetes:core/v1:Namespace", "Z9"),
    ("pulumi:providers:aws", "default_7_51_1"),
    ("random:index/randomPassword:RandomPassword", "q"),
    ("tls:index/privateKey:PrivateKey", "_"),
)


def today(env: Mapping[str, str] | None = None) -> dt.date:
    """Today's date, or ``STAGING_GUARDRAILS_TODAY`` from ``env`` (default ``os.environ``) when set.

    Raises:
        ValueError: the override is not a ``YYYY-MM-DD`` date.
    """
    override = (os.environ if env is None else env).get(TODAY_ENV, "").strip()
    if not override:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(override)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={override!r} is not a date; use YYYY-MM-DD") from None


def max_waiver_days(env: Mapping[str, str] | None = None) -> int:
    """The longest a waiver may run, in days: ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` or 90.

    Raises:
        ValueError: the override is not a whole number of days >= 1.
    """
    raw = (os.environ if env is None else env).get(MAX_WAIVER_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_WAIVER_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{MAX_WAIVER_DAYS_ENV}={raw!r} is not a number of days; use a whole number >= 1")
    return int(raw)


def _stacks(env: Mapping[str, str] | None) -> list[tuple[str, str]]:
    env = os.environ if env is None else env
    own = (env.get("PULUMI_STACK", ""), env.get("PULUMI_PROJECT", ""))
    return [*_PROBE_STACKS, own] if all(own) else list(_PROBE_STACKS)


def matches_everything(pattern: str, stacks: Iterable[tuple[str, str]] = _PROBE_STACKS) -> bool:
    """True when ``pattern`` matches (by URN or name) every probe resource of some stack.

    The probes differ in every URN part, so a pattern naming anything specific (a type, a name, a
    prefix) misses one; ``*``, ``?*``, ``urn:*``, ``*::*`` or ``urn:pulumi:<this stack>::<project>::*``
    match them all, and so would every real resource.
    """
    for stack, project in stacks:
        urns = (f"urn:pulumi:{stack}::{project}::{t}::{n}" for t, n in _PROBE_RESOURCES)
        names = (n for _, n in _PROBE_RESOURCES)
        if all(_matches(pattern, u, n) for u, n in zip(urns, names, strict=True)):
            return True
    return False


def _matches(pattern: str, urn: str, name: str) -> bool:
    return fnmatch.fnmatchcase(urn, pattern) or fnmatch.fnmatchcase(name, pattern)


@dataclass(frozen=True)
class Exemption:
    """One parsed exemption.

    Attributes:
        index: position in the rule's ``exemptions`` list (how messages name it).
        resource: the pattern ('' when missing).
        reason, owner: as configured ('' when missing).
        expires: the expiry date, or None when missing or not a ``YYYY-MM-DD`` date.
        problems: why the exemption is not honoured (empty for an active exemption).
        status: ``active``, ``expired`` (well-formed but past its date) or ``invalid``.
    """

    index: int
    resource: str
    reason: str
    owner: str
    expires: dt.date | None
    problems: tuple[str, ...]
    status: Status

    @property
    def active(self) -> bool:
        return self.status == "active"

    def matches(self, urn: str, name: str) -> bool:
        """True when the pattern matches the URN or the logical name; a missing pattern matches all.

        Matching everything makes a malformed exemption visible on every resource the rule checks,
        instead of silently applying to nothing.
        """
        if not self.resource:
            return True
        return _matches(self.resource, urn, name)

    def label(self) -> str:
        """How messages name the exemption, e.g. ``exemption #0 (resource '*db*', owner 'data-team')``."""
        return f"exemption #{self.index} (resource '{self.resource or '?'}', owner '{self.owner or '?'}')"

    def describe_problems(self) -> str:
        """``<label> is not honoured: <problem>; <problem>.``"""
        return f"{self.label()} is not honoured: {'; '.join(self.problems)}."


@dataclass(frozen=True)
class Justification:
    """A rule's parsed ``downgrade`` entry.

    Attributes:
        reason, owner: as configured ('' when missing).
        expires: the expiry date, or None when missing or not a date.
        problems: why it does not justify the downgrade (empty when active).
        status: ``active``, ``expired``, ``invalid`` or ``missing`` (no ``downgrade`` entry).
    """

    reason: str
    owner: str
    expires: dt.date | None
    problems: tuple[str, ...]
    status: JustificationStatus

    @property
    def active(self) -> bool:
        return self.status == "active"


def _text(entry: Mapping[str, Any], key: str, problems: list[str]) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"'{key}' must be a string (got {type(value).__name__})")
        return ""
    return value.strip()


def _expiry(raw: str, on: dt.date, max_days: int, problems: list[str]) -> dt.date | None:
    if not raw:
        problems.append("'expires' is missing (YYYY-MM-DD)")
        return None
    try:
        expires = dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"'expires' {raw!r} is not a YYYY-MM-DD date")
        return None
    latest = on + dt.timedelta(days=max_days)
    if expires > latest:
        problems.append(
            f"'expires' {raw} is more than {max_days} days ahead (latest {latest.isoformat()}; "
            f"{MAX_WAIVER_DAYS_ENV} or --max-waiver-days sets the maximum)"
        )
    return expires


def _fields(
    entry: Mapping[str, Any], allowed: Iterable[str], on: dt.date, max_days: int, problems: list[str]
) -> tuple[str, str, dt.date | None]:
    """Check the fields every waiver has (unknown keys, reason, owner, expires); returns them."""
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}")
    reason = _text(entry, "reason", problems)
    owner = _text(entry, "owner", problems)
    if len(reason) < MIN_REASON_LENGTH:
        problems.append(f"'reason' must be at least {MIN_REASON_LENGTH} characters (got {len(reason)})")
    if not owner:
        problems.append("'owner' is missing")
    return reason, owner, _expiry(_text(entry, "expires", problems), on, max_days, problems)


def _status(problems: list[str], expires: dt.date | None, on: dt.date) -> Status:
    """``invalid`` when there are problems, else ``expired`` past the date, else ``active``; an expiry
    past ``on`` is added to ``problems``."""
    status: Status = "invalid" if problems else "active"
    if expires is not None and expires < on:
        problems.append(f"expired on {expires.isoformat()}")
        status = "expired" if status == "active" else status
    return status


def parse_exemption(
    index: int, entry: Any, on: dt.date, *, env: Mapping[str, str] | None = None
) -> Exemption:
    """Parse one ``exemptions`` entry as of date ``on``; problems go into the result.

    Args:
        index: position in the list.
        entry: the configured object.
        on: the date deciding expiry and the horizon.
        env: where ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` and ``PULUMI_STACK``/``PULUMI_PROJECT`` are
            read (default ``os.environ``).

    Raises:
        ValueError: the maximum-horizon override is invalid.
    """
    if not isinstance(entry, Mapping):
        problem = f"must be an object with resource, reason, owner and expires (got {type(entry).__name__})"
        return Exemption(index, "", "", "", None, (problem,), "invalid")
    problems: list[str] = []
    resource = _text(entry, "resource", problems)
    if not resource:
        problems.append("'resource' pattern is missing")
    elif matches_everything(resource, _stacks(env)):
        problems.append(f"'resource' {resource!r} matches every resource; name the resources it waives")
    allowed = EXEMPTION_ITEM_SCHEMA["properties"]
    reason, owner, expires = _fields(entry, allowed, on, max_waiver_days(env), problems)
    status = _status(problems, expires, on)
    return Exemption(index, resource, reason, owner, expires, tuple(problems), status)


def parse_exemptions(
    raw: Any, on: dt.date | None = None, *, env: Mapping[str, str] | None = None
) -> list[Exemption]:
    """Parse a rule's ``exemptions`` config value as of date ``on`` (default: ``today(env)``).

    Args:
        raw: the config value: normally a list of objects; None means no exemptions. Anything else
            yields a single invalid exemption so the mistake is reported rather than ignored.
        on: the date deciding expiry.
        env: see ``parse_exemption``.

    Returns:
        One ``Exemption`` per entry, in configuration order.

    Raises:
        ValueError: ``STAGING_GUARDRAILS_TODAY`` or ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` is invalid.
    """
    if raw is None:
        return []
    when = on or today(env)
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        problem = f"'exemptions' must be a list of objects (got {type(raw).__name__})"
        return [Exemption(0, "", "", "", None, (problem,), "invalid")]
    return [parse_exemption(i, entry, when, env=env) for i, entry in enumerate(raw)]


def parse_downgrade(
    raw: Any, on: dt.date | None = None, *, env: Mapping[str, str] | None = None
) -> Justification:
    """Parse a rule's ``downgrade`` config value as of ``on`` (default ``today(env)``).

    Args:
        raw: the configured object; None means no justification (status ``missing``).
        on: the date deciding expiry and the horizon.
        env: where the overrides are read (default ``os.environ``).

    Raises:
        ValueError: ``STAGING_GUARDRAILS_TODAY`` or ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` is invalid.
    """
    when = on or today(env)
    if raw is None:
        return Justification("", "", None, ("'downgrade' is missing",), "missing")
    if not isinstance(raw, Mapping):
        problem = f"'downgrade' must be an object with reason, owner and expires (got {type(raw).__name__})"
        return Justification("", "", None, (problem,), "invalid")
    problems: list[str] = []
    allowed = DOWNGRADE_SCHEMA["properties"]
    reason, owner, expires = _fields(raw, allowed, when, max_waiver_days(env), problems)
    status = _status(problems, expires, when)
    return Justification(reason, owner, expires, tuple(problems), status)
