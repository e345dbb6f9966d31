"""Reading resource properties the way the engine delivers them.

Rules see pulumi-policy's read-only proxies over the wire properties: camelCase keys, numbers as floats,
secrets already unwrapped, and values unknown during preview raising ``UnknownValueError`` when read.
That exception is the framework's way to say "can't decide yet": it turns it into an advisory
"can't run policy during preview" diagnostic. These helpers let a rule choose per property:

- ``known(props, path...)`` reads a value the decision depends on; an unknown value propagates.
- ``peek(props, path...)`` never raises: unknown values come back as ``UNKNOWN``. Use it when any value
  would do ("is a KMS key set?": an ARN computed later is still a key) and in stack rules, where one
  unknown value must not abort the check of every other resource.

Policy documents may arrive as JSON text (``json.dumps`` in the program) or as objects; ``statements``
accepts both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """Sentinel for a value that is not known during preview (see ``peek``)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        cls._instance = cls._instance or super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown during preview>"


#: Returned by ``peek`` for values that are not known during preview.
UNKNOWN: Any = _Unknown()


def _walk(value: Any, path: Sequence[str | int]) -> Any:
    for key in path:
        if isinstance(key, int):
            if not is_list(value) or key >= len(value):
                return None
        elif not isinstance(value, Mapping) or key not in list(value):
            # ``list(value)`` iterates keys only; ``key in value`` would read the value and raise if unknown.
            return None
        value = value[key]
    return value


def known(props: Any, *path: str | int) -> Any:
    """The value at ``path`` (keys and list indexes), None when absent; raises if unknown in preview."""
    return _walk(props, path)


def peek(props: Any, *path: str | int) -> Any:
    """Like ``known`` but returns ``UNKNOWN`` instead of raising for values unknown during preview."""
    try:
        return _walk(props, path)
    except UnknownValueError:
        return UNKNOWN


def is_list(value: Any) -> bool:
    """True for JSON arrays (proxied or plain), False for strings."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: None -> [], a scalar -> [scalar], an array -> its items."""
    if value is None:
        return []
    return list(value) if is_list(value) else [value]


def is_set(value: Any) -> bool:
    """True unless the value is absent or empty; an unknown value counts as set (it will be computed)."""
    return value is UNKNOWN or value not in (None, "", [], {})


def strings(value: Any) -> list[str]:
    """Every string inside ``value`` (recursing into arrays and objects); unknown leaves are skipped."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for key in list(value) for s in strings(peek(value, key))]
    if is_list(value):
        return [s for i in range(len(value)) for s in strings(peek(value, i))]
    return []


def parse_document(value: Any) -> Mapping[str, Any] | None:
    """A policy document from JSON text or an object; None when absent or not valid JSON."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, Mapping) else None
    return None


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The ``Statement`` entries of a policy document (text or object); one statement may be unwrapped."""
    parsed = parse_document(document)
    if parsed is None:
        return []
    return [s for s in as_list(parsed.get("Statement")) if isinstance(s, Mapping)]


def tag_map(value: Any) -> dict[str, Any]:
    """A ``tags`` value as a plain dict of the known entries (unknown values kept as ``UNKNOWN``)."""
    if not isinstance(value, Mapping):
        return {}
    return {key: peek(value, key) for key in list(value)}


def lower_all(values: Iterable[Any]) -> set[str]:
    """The string values, lower-cased (for case-insensitive comparisons like log types or actions)."""
    return {v.lower() for v in values if isinstance(v, str)}


def flag(value: Any) -> bool | None:
    """A boolean property as the provider reads it: ``True``/``"true"`` -> True, ``False``/``"false"`` ->
    False, anything else (absent, unknown) -> None.

    Launch templates carry some booleans as strings (pulumi-aws 7.x types ``associatePublicIpAddress``
    and ``ebs.encrypted`` of ``LaunchTemplate`` as ``str``), other resources as JSON booleans.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_array(value: Any) -> list[Any]:
    """A JSON array from JSON text or a list (ECS ``containerDefinitions``); [] when absent or invalid."""
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return list(value) if is_list(value) else []
