"""Exemptions: reviewed, owned, expiring waivers of one rule for some resources.

Each rule's policy config (``--policy-pack-config``) may hold an ``exemptions`` list::

    {"rds-deletion-protection": {"exemptions": [
        {"resource": "*::db-scratch", "reason": "throw-away load-test copy, rebuilt nightly",
         "owner": "data-team@example.com", "expires": "2026-12-31"}]}}

- ``resource``: an ``fnmatch`` pattern (``*``, ``?``, ``[...]``) matched against the resource's URN and
  against its logical name; an exact URN or name matches itself.
- ``reason``: why the waiver is acceptable, at least ``MIN_REASON_LENGTH`` characters.
- ``owner``: who answers for it (team or e-mail).
- ``expires``: ``YYYY-MM-DD``; the exemption still applies on that day and lapses the day after.

An *active* exemption suppresses its rule's violations for the resources it matches. An expired, invalid
or malformed one suppresses nothing and is reported as a violation of its rule, so it cannot be
forgotten. Today is the system date unless ``STAGING_GUARDRAILS_TODAY=YYYY-MM-DD`` overrides it (tests,
and replaying a past review).

This module is deliberately free of imports from pulumi-policy or the rest of the pack: the blueprint
tools load it by file path to report exemptions with exactly the pack's semantics.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: Shortest acceptable ``reason``: long enough to force a sentence, not a shrug ("tmp", "n/a").
MIN_REASON_LENGTH = 10
#: Environment variable that overrides today's date (``YYYY-MM-DD``).
TODAY_ENV = "STAGING_GUARDRAILS_TODAY"

Status = Literal["active", "expired", "invalid"]

#: JSON schema of one exemption, as declared in every rule's config schema. Only types are enforced
#: here; semantic problems (short reason, bad date, expiry) are reported by the rule itself so a pull
#: request shows them next to the resource instead of as an opaque config error.
EXEMPTION_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource": {"type": "string", "description": "fnmatch pattern matched against URN and name"},
        "reason": {"type": "string", "description": f"why (at least {MIN_REASON_LENGTH} characters)"},
        "owner": {"type": "string", "description": "team or e-mail answering for the exemption"},
        "expires": {"type": "string", "description": "last day the exemption applies, YYYY-MM-DD"},
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
        return fnmatch.fnmatchcase(urn, self.resource) or fnmatch.fnmatchcase(name, self.resource)

    def label(self) -> str:
        """How messages name the exemption, e.g. ``exemption #0 (resource '*db*', owner 'data-team')``."""
        return f"exemption #{self.index} (resource '{self.resource or '?'}', owner '{self.owner or '?'}')"

    def describe_problems(self) -> str:
        """``<label> is not honoured: <problem>; <problem>.``"""
        return f"{self.label()} is not honoured: {'; '.join(self.problems)}."


def today() -> dt.date:
    """Today's date, or ``STAGING_GUARDRAILS_TODAY`` when set.

    Raises:
        ValueError: the override is not a ``YYYY-MM-DD`` date.
    """
    override = os.environ.get(TODAY_ENV, "").strip()
    if not override:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(override)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={override!r} is not a date; use YYYY-MM-DD") from None


def _text(entry: Mapping[str, Any], key: str, problems: list[str]) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"'{key}' must be a string (got {type(value).__name__})")
        return ""
    return value.strip()


def _expiry(raw: str, problems: list[str]) -> dt.date | None:
    if not raw:
        problems.append("'expires' is missing (YYYY-MM-DD)")
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        problems.append(f"'expires' {raw!r} is not a YYYY-MM-DD date")
        return None


def parse_exemption(index: int, entry: Any, on: dt.date) -> Exemption:
    """Parse one ``exemptions`` entry as of date ``on``; never raises (problems go into the result)."""
    if not isinstance(entry, Mapping):
        problem = f"must be an object with resource, reason, owner and expires (got {type(entry).__name__})"
        return Exemption(index, "", "", "", None, (problem,), "invalid")
    problems: list[str] = []
    unknown = sorted(set(entry) - set(EXEMPTION_ITEM_SCHEMA["properties"]))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}")
    resource = _text(entry, "resource", problems)
    reason = _text(entry, "reason", problems)
    owner = _text(entry, "owner", problems)
    if not resource:
        problems.append("'resource' pattern is missing")
    if len(reason) < MIN_REASON_LENGTH:
        problems.append(f"'reason' must be at least {MIN_REASON_LENGTH} characters (got {len(reason)})")
    if not owner:
        problems.append("'owner' is missing")
    expires = _expiry(_text(entry, "expires", problems), problems)
    status: Status = "invalid" if problems else "active"
    if expires is not None and expires < on:
        problems.append(f"expired on {expires.isoformat()}")
        status = "expired" if status == "active" else status
    return Exemption(index, resource, reason, owner, expires, tuple(problems), status)


def parse_exemptions(raw: Any, on: dt.date | None = None) -> list[Exemption]:
    """Parse a rule's ``exemptions`` config value as of date ``on`` (default: ``today()``).

    Args:
        raw: the config value: normally a list of objects; None means no exemptions. Anything else
            yields a single invalid exemption so the mistake is reported rather than ignored.
        on: the date deciding expiry.

    Returns:
        One ``Exemption`` per entry, in configuration order.
    """
    if raw is None:
        return []
    when = on or today()
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        problem = f"'exemptions' must be a list of objects (got {type(raw).__name__})"
        return [Exemption(0, "", "", "", None, (problem,), "invalid")]
    return [parse_exemption(i, entry, when) for i, entry in enumerate(raw)]
