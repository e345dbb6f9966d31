"""The policy-pack config file (``--policy-pack-config``): loading, shape validation, exemption report.

File format, as the Pulumi CLI reads it: a JSON object keyed by policy name (or ``all``). A value is an
enforcement level (``"advisory"``, ``"mandatory"``, ``"remediate"``, ``"disabled"``) or an object with an
optional ``enforcementLevel`` and the policy's settings::

    {
      "all": "mandatory",
      "required-tags": "advisory",
      "iam-role-max-session-duration": {"maxSessionDurationSeconds": 1800},
      "rds-deletion-protection": {
        "exemptions": [{"resource": "*::db-scratch", "reason": "nightly rebuilt load-test copy",
                        "owner": "data-team@example.com", "expires": "2026-12-31"}]
      }
    }

This module checks the shape (JSON types, enforcement levels, exemption entries) with one message per
problem naming its key path; the policy runner then checks settings against each policy's own schema,
as the CLI does. Exemption *semantics* (reason length, owner, date, expiry) come from the pack's own
``guardrails/exemptions.py``, loaded by file path, so reports and rules can never disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import sys
from collections.abc import Iterable, Mapping
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
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_key_path([name, *e.absolute_path])}: {e.message}" for e in errors]


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
        PolicyConfigError: the document is not an object, a level is unknown, or an entry has the
            wrong JSON type (every problem listed, with its key path).
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
        PolicyConfigError: unreadable file, invalid JSON (with line and column) or invalid shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyConfigError(f"{path}: cannot read policy config ({exc.strerror})") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return parse_policy_config(data, str(path), pack_dir)


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


def exemption_report(
    config: Mapping[str, PolicySettings], on: dt.date | None = None, pack_dir: Path = PACK_DIR
) -> list[ExemptionStatus]:
    """Every exemption in ``config`` with its status as of ``on`` (default: the pack's notion of today).

    Raises:
        ValueError: ``STAGING_GUARDRAILS_TODAY`` is set but not a date.
    """
    exemptions = load_exemptions_module(pack_dir)
    when = on or exemptions.today()
    report = []
    for policy, settings in config.items():
        for e in exemptions.parse_exemptions(settings.properties.get("exemptions"), when):
            expires = e.expires.isoformat() if e.expires else None
            report.append(
                ExemptionStatus(policy, e.index, e.resource, e.reason, e.owner, expires, e.status, e.problems)
            )
    return report
