"""Waiver reports: every configured exemption and every downgraded rule with its status, judged by the
pack's own ``guardrails/exemptions.py`` (loaded by file path, so reports and rules can never disagree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from blueprint.policy.config import (
    ALL,
    ENFORCING_LEVELS,
    PACK_DIR,
    PolicyConfigError,
    PolicySettings,
    load_exemptions_module,
)


@dataclass(frozen=True)
class ExemptionStatus:
    """One configured exemption and whether it is honoured.

    Attributes:
        policy: the rule it waives.
        index: its position in that rule's ``exemptions`` list.
        resource, reason, owner: as configured ('' when missing).
        expires: ``YYYY-MM-DD`` or None when missing or not a date.
        status: ``active``, ``expired`` or ``invalid``.
        problems: why it is not honoured (empty when active).
    """

    policy: str
    index: int
    resource: str
    reason: str
    owner: str
    expires: str | None
    status: str
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports."""
        return {**vars(self), "problems": list(self.problems)}


def _today(exemptions: ModuleType, env: Mapping[str, str] | None) -> dt.date:
    try:
        return exemptions.today(env)
    except ValueError as exc:
        raise PolicyConfigError(str(exc)) from None


def exemption_report(
    config: Mapping[str, PolicySettings],
    on: dt.date | None = None,
    pack_dir: Path = PACK_DIR,
    *,
    env: Mapping[str, str] | None = None,
) -> list[ExemptionStatus]:
    """Every exemption in ``config`` with its status as of ``on`` (default: the pack's notion of today).

    Args:
        config: the parsed user config.
        on: the date deciding expiry; default ``today(env)``.
        pack_dir: the pack whose ``exemptions.py`` decides.
        env: the pack's environment (today, maximum horizon, stack); default ``os.environ``. Pass the
            environment the pack runs with so report and rules agree.

    Raises:
        PolicyConfigError: ``STAGING_GUARDRAILS_TODAY`` or ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` is invalid.
    """
    exemptions = load_exemptions_module(pack_dir)
    when = on or _today(exemptions, env)
    report = []
    for policy, settings in config.items():
        try:
            parsed = exemptions.parse_exemptions(settings.properties.get("exemptions"), when, env=env)
        except ValueError as exc:
            raise PolicyConfigError(str(exc)) from None
        for e in parsed:
            expires = e.expires.isoformat() if e.expires else None
            report.append(
                ExemptionStatus(policy, e.index, e.resource, e.reason, e.owner, expires, e.status, e.problems)
            )
    return report


@dataclass(frozen=True)
class DowngradeStatus:
    """A rule enforced by default (mandatory/remediate) that the config runs at a lower level.

    Attributes:
        policy: the rule.
        default_level: its default enforcement level.
        level: the effective level (``advisory`` or ``disabled``).
        via: ``rule`` (the rule's own ``enforcementLevel``) or ``all``.
        status: ``justified`` (a valid, unexpired ``downgrade`` entry), ``missing``, ``expired`` or
            ``invalid``; anything but ``justified`` is a mandatory violation of the rule.
        reason, owner: of the justification ('' when missing).
        expires: ``YYYY-MM-DD`` or None.
        problems: why the justification does not count (empty when justified).
    """

    policy: str
    default_level: str
    level: str
    via: str
    status: str
    reason: str = ""
    owner: str = ""
    expires: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def justified(self) -> bool:
        return self.status == "justified"

    def message(self) -> str:
        """The violation text for an unjustified downgrade (one sentence, names the fix)."""
        source = "its enforcementLevel" if self.via == "rule" else f"'{ALL}'"
        return (
            f"enforcement level lowered from {self.default_level} to {self.level} by {source} without a "
            f'valid justification: {"; ".join(self.problems)}. Add "downgrade": {{"reason", "owner", '
            f'"expires"}} to this rule\'s entry in the policy config, or restore the level.'
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports (camelCase keys)."""
        return {
            "policy": self.policy,
            "defaultLevel": self.default_level,
            "level": self.level,
            "via": self.via,
            "status": self.status,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "problems": list(self.problems),
        }


def downgrade_report(
    defaults: Mapping[str, str],
    user: Mapping[str, PolicySettings],
    effective: Mapping[str, PolicySettings],
    pack_dir: Path = PACK_DIR,
    *,
    env: Mapping[str, str] | None = None,
) -> list[DowngradeStatus]:
    """Every rule enforced by default that ``effective`` runs as advisory or disabled, with its
    justification's status, in ``defaults`` order.

    Args:
        defaults: policy name -> default enforcement level (from ``GetAnalyzerInfo``).
        user: the parsed user config (tells whether the rule's own entry or ``all`` lowered it).
        effective: policy name -> effective settings (``reconcile_config``).
        pack_dir: the pack whose ``exemptions.py`` decides.
        env: the pack's environment (today, maximum horizon); default ``os.environ``.

    Raises:
        PolicyConfigError: ``STAGING_GUARDRAILS_TODAY`` or ``STAGING_GUARDRAILS_MAX_WAIVER_DAYS`` is invalid.
    """
    exemptions = load_exemptions_module(pack_dir)
    when = _today(exemptions, env)
    report = []
    for name, default in defaults.items():
        level = effective[name].enforcement_level or default
        if default not in ENFORCING_LEVELS or level in ENFORCING_LEVELS:
            continue
        via = "rule" if name in user and user[name].enforcement_level else ALL
        try:
            j = exemptions.parse_downgrade(effective[name].properties.get("downgrade"), when, env=env)
        except ValueError as exc:
            raise PolicyConfigError(str(exc)) from None
        status = "justified" if j.active else j.status
        expires = j.expires.isoformat() if j.expires else None
        report.append(
            DowngradeStatus(name, default, level, via, status, j.reason, j.owner, expires, j.problems)
        )
    return report
