"""The policy-pack config file (``--policy-pack-config``): loading, shape validation and
reconciliation with the pack's policies.

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
its level and drops the rest; pulumi/pulumi ``pkg/resource/analyzer/config.go``, ``applyConfig``). Then,
as the CLI does, ``reconcile_config`` fills every policy's schema defaults, applies ``all`` and checks the
settings against each policy's own schema (``pkg/resource/analyzer/config.go``). Waiver reports live in
``waivers.py``.
"""

from __future__ import annotations

import collections
import difflib
import functools
import importlib.util
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jsonschema import Draft7Validator, Draft202012Validator

from stack_config.base import join_path

if TYPE_CHECKING:
    from blueprint.policy.results import PolicyInfo

#: The policy pack directory of this project.
PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
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
    return [f"{join_path(name, *e.absolute_path)}: {e.message}" for e in errors]


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
        where = join_path(*path) or "top level"
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
    """Read and validate a policy config file (see ``parse_policy_config``).

    Raises:
        PolicyConfigError: unreadable file, an empty file (a truncated download would silently drop
            every exemption and setting; ``{}`` says "no settings"), invalid JSON (with line and column),
            a duplicate key or an invalid shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise PolicyConfigError(f"{path}: cannot read policy config ({why})") from None
    if not text.strip():
        raise PolicyConfigError(
            f"{path}: the policy config file is empty; write {{}} for no settings, or pass the complete file"
        )
    return parse_policy_config(decode_policy_config(text, str(path)), str(path), pack_dir)


def _schema_defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    return {k: v["default"] for k, v in props.items() if isinstance(v, Mapping) and "default" in v}


def normalize_config(policy_config: Mapping[str, Any] | None) -> dict[str, PolicySettings]:
    if not policy_config:
        return {}
    if all(isinstance(v, PolicySettings) for v in policy_config.values()):
        return dict(policy_config)
    return parse_policy_config(dict(policy_config))


def reconcile_config(
    policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]
) -> dict[str, PolicySettings]:
    """The config the CLI would send: schema defaults, then ``all``, then each policy's own entry.

    Args:
        policies: the pack's policies.
        config: parsed user config (see ``blueprint.policy.config.load_policy_config``).

    Returns:
        policy name -> effective level and settings, for every policy of the pack.

    Raises:
        PolicyConfigError: a key names no policy or a setting is not in its policy's schema (the CLI
            would silently ignore both), or a setting violates its policy's schema (the CLI would
            refuse to run).
    """
    names = {p.name for p in policies}
    unknown = sorted(set(config) - names - {ALL})
    if unknown:
        hints = [f"  {u}: no such policy" + _suggest(u, names) for u in unknown]
        raise PolicyConfigError("policy config names unknown policies:\n" + "\n".join(hints))
    all_level = config[ALL].enforcement_level if ALL in config else None
    result = {}
    for policy in policies:
        given = config.get(policy.name, PolicySettings())
        level = given.enforcement_level or all_level or policy.enforcement_level
        result[policy.name] = PolicySettings(
            level, {**_schema_defaults(policy.config_schema), **given.properties}
        )
    _refuse_unknown_settings(policies, config)
    _validate_settings(policies, result)
    return result


def _suggest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _refuse_unknown_settings(policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]) -> None:
    """Settings a policy's schema does not declare: the CLI validates without ``additionalProperties``
    (pulumi/pulumi ``pkg/resource/analyzer/config.go``, ``convertSchema``), so a typo silently does
    nothing there, e.g. an ``exemption`` list that waives nothing or a ``downgrade`` misspelt."""
    problems = []
    for policy in policies:
        known = sorted(policy.config_schema.get("properties", {}))
        given = config.get(policy.name, PolicySettings()).properties
        for key in sorted(set(given) - set(known)):
            settings = f"its settings: {', '.join(known)}" if known else "it has no settings"
            problems.append(
                f"  {policy.name}.{key}: not a setting of this policy{_suggest(key, known)}; {settings}"
            )
    if problems:
        raise PolicyConfigError("policy config has unknown settings:\n" + "\n".join(problems))


def _validate_settings(policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]) -> None:
    problems = []
    for policy in policies:
        schema = {"type": "object", **policy.config_schema}
        for error in Draft7Validator(schema).iter_errors(config[policy.name].properties):
            problems.append(f"  {join_path(policy.name, *error.absolute_path)}: {error.message}")
    if problems:
        raise PolicyConfigError("policy config does not match the policies' schemas:\n" + "\n".join(problems))
