"""The policy-pack config file (``--policy-pack-config``): loading, shape validation, waiver reports.

File format, as the Pulumi CLI reads it: a JSON object keyed by policy name (or ``all``). A value is an
enforcement level (``"advisory"``, ``"mandatory"``, ``"remediate"``, ``"disabled"``) or an object with an
optional ``enforcementLevel`` and the policy's settings::

    {
      "all": "mandatory",
      "required-tags": "advisory",
      "iam-role-max-session-duration": {"maxSessionDurationSeconds": 3600},
      "rds-deletion-protection": {
        "exemptions": [{"resource": "*::db-scratch", "reason": "nightly rebuilt load-test copy",
                        "owner": "data-team@example.com", "expires": "2026-12-31"}]
      },
      "rds-final-snapshot": {"enforcementLevel": "advisory",
                             "downgrade": {"reason": "staging data is reloaded from a snapshot",
                                           "owner": "data-team", "expires": "2026-12-31"}}
    }

This module checks the shape (JSON types, enforcement levels, exemption and downgrade entries) with one
message per problem naming its key path, and refuses what the CLI would silently misread: a duplicate key
(Go's ``encoding/json`` keeps the last one) and ``all`` with anything but a level (the CLI applies only
its level and drops the rest; pulumi/pulumi ``pkg/resource/analyzer/config.go``, ``applyConfig``). The
policy runner then checks settings against each policy's own schema. Waiver *semantics* (reason length,
owner, date, expiry, horizon) come from the pack's own ``guardrails/exemptions.py``, loaded by file path,
so reports and rules can never disagree.
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import importlib.util
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from jsonschema import Draft202012Validator

#: The policy pack directory of this project.
PACK_DIR = Path(__file__).resolve().parent.parent / "policies"
#: Enforcement levels the CLI accepts.
ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
#: Config key that applies an enforcement level to every policy.
ALL = "all"
#: Levels that make a violation fail the preview; lowering a rule from one of these is a downgrade.
ENFORCING_LEVELS = ("mandatory", "remediate")


class PolicyConfigError(ValueError):
    """The policy config is unusable; ``str()`` has one line per problem, each naming its key path."""


@dataclass(frozen=True)
class PolicySettings:
    """One policy's configuration.

    Attributes:
        enforcement_level: overrides the policy's default level; None keeps it.
        properties: the policy's settings (``exemptions``, limits), JSON values.
    """

    enforcement_level: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@functools.cache
def load_exemptions_module(pack_dir: Path = PACK_DIR) -> ModuleType:
    """The pack's ``guardrails/exemptions.py``, imported by path under a private module name.

    Loading the file alone keeps pulumi-policy and the rules out of the blueprint process and avoids
    putting the pack directory (and its generic package name) on ``sys.path``.

    Raises:
        PolicyConfigError: the file is missing.
    """
    path = pack_dir / "guardrails" / "exemptions.py"
    if not path.is_file():
        raise PolicyConfigError(f"{path}: not found; is {pack_dir} the staging-guardrails policy pack?")
    name = f"_staging_guardrails_exemptions_{load_exemptions_module.cache_info().currsize}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # guaranteed for an existing .py file
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def _object_schema(pack_dir: Path) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "enforcementLevel": {"enum": list(ENFORCEMENT_LEVELS)},
            "exemptions": load_exemptions_module(pack_dir).EXEMPTIONS_SCHEMA,
            "downgrade": load_exemptions_module(pack_dir).DOWNGRADE_SCHEMA,
        },
    }


def _key_path(parts: Iterable[Any]) -> str:
    """``["rds-x", "exemptions", 0, "reason"]`` -> ``rds-x.exemptions[0].reason``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _entry_problems(name: str, value: Any, validator: Draft202012Validator) -> list[str]:
    if isinstance(value, str):
        if value in ENFORCEMENT_LEVELS:
            return []
        return [f"{name}: {value!r} is not an enforcement level ({', '.join(ENFORCEMENT_LEVELS)})"]
    if not isinstance(value, dict):
        return [f"{name}: must be an enforcement level or an object (got {type(value).__name__})"]
    if name == ALL and set(value) != {"enforcementLevel"}:
        extra = ", ".join(sorted(set(value) - {"enforcementLevel"})) or "an empty object"
        return [
            f"{ALL}: may only set an enforcement level (got {extra}); put settings, exemptions and "
            "downgrade justifications in each rule's own entry"
        ]
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_key_path([name, *e.absolute_path])}: {e.message}" for e in errors]


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it held more than once."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    counts = collections.Counter(key for key, _ in pairs)
    obj.duplicates = tuple(key for key, n in counts.items() if n > 1)
    return obj


def _duplicate_keys(value: Any, path: list[Any]) -> Iterator[str]:
    """``<key path>: duplicate key '<key>'`` for every object in ``value`` that repeats a key."""
    if isinstance(value, dict):
        where = _key_path(path) or "top level"
        for key in getattr(value, "duplicates", ()):
            yield f"{where}: duplicate key {key!r} (only one value would count); keep one"
        for key, item in value.items():
            yield from _duplicate_keys(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _duplicate_keys(item, [*path, index])


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def decode_policy_config(text: str, source: str) -> Any:
    """Decode JSON ``text``, refusing duplicate keys (the CLI would silently keep the last one).

    Raises:
        PolicyConfigError: invalid JSON (with line and column) or a repeated key (with its key path).
    """
    try:
        data = json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    problems = list(_duplicate_keys(data, []))
    if problems:
        raise PolicyConfigError(f"{source} is invalid:\n" + "\n".join(f"  {p}" for p in problems))
    return _plain(data)


def parse_policy_config(
    data: Any, source: str = "policy config", pack_dir: Path = PACK_DIR
) -> dict[str, PolicySettings]:
    """Validate the shape of a decoded config document and split levels from settings.

    Args:
        data: the decoded JSON document.
        source: how messages name the document (e.g. the file path).
        pack_dir: the policy pack (for the exemption schema).

    Returns:
        policy name (or ``all``) -> ``PolicySettings``.

    Raises:
        PolicyConfigError: the document is not an object, a level is unknown, an entry has the wrong
            JSON type, or ``all`` carries more than a level (every problem listed, with its key path).
    """
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{source}: must be a JSON object keyed by policy name")
    validator = Draft202012Validator(_object_schema(pack_dir))
    problems = [p for name, value in data.items() for p in _entry_problems(name, value, validator)]
    if problems:
        raise PolicyConfigError(f"{source} is invalid:\n" + "\n".join(f"  {p}" for p in problems))
    result = {}
    for name, value in data.items():
        if isinstance(value, str):
            result[name] = PolicySettings(value)
        else:
            props = {k: v for k, v in value.items() if k != "enforcementLevel"}
            result[name] = PolicySettings(value.get("enforcementLevel"), props)
    return result


def load_policy_config(path: Path, pack_dir: Path = PACK_DIR) -> dict[str, PolicySettings]:
    """Read and validate a policy config file (see ``parse_policy_config``); an empty file means {}.

    Raises:
        PolicyConfigError: unreadable file, invalid JSON (with line and column), a duplicate key or
            an invalid shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise PolicyConfigError(f"{path}: cannot read policy config ({why})") from None
    if not text.strip():
        return {}
    return parse_policy_config(decode_policy_config(text, str(path)), str(path), pack_dir)


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
