"""Reading IAM policy statements (IAM User Guide, "IAM JSON policy elements reference").

Element values may be a string or a list of strings; ``Principal`` may be ``"*"`` or an object keyed
by principal type (``AWS``, ``Service``, ``Federated``). Keys are matched case-sensitively as IAM does.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ._props import as_list


def values(statement: Mapping[str, Any], element: str) -> list[str]:
    """The string values of ``Action``, ``Resource``... as a list (a lone string is wrapped)."""
    return [v for v in as_list(statement.get(element)) if isinstance(v, str)]


def is_allow(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def grants_action(statement: Mapping[str, Any], action: str) -> bool:
    """True when the statement's ``Action`` patterns (or its ``NotAction`` complement) cover ``action``.

    Action names are case-insensitive and may use ``*`` and ``?`` wildcards.
    """
    if "NotAction" in statement:
        return not _matches_any(values(statement, "NotAction"), action)
    return _matches_any(values(statement, "Action"), action)


def _matches_any(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def principals(statement: Mapping[str, Any], kind: str) -> list[str]:
    """Principals of one ``kind`` (``AWS``, ``Service``, ``Federated``); a bare ``"*"`` counts for ``AWS``."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"] if kind == "AWS" else []
    if isinstance(principal, Mapping):
        return [v for v in as_list(principal.get(kind)) if isinstance(v, str)]
    return []


def unconditional_public_sids(statements: list[Mapping[str, Any]]) -> list[str]:
    """Sids (``#<index>`` if unnamed) of Allow statements granting AWS principal ``"*"`` unconditionally."""
    return [
        str(statement.get("Sid") or f"#{i}")
        for i, statement in enumerate(statements)
        if is_allow(statement) and "*" in principals(statement, "AWS") and not conditions(statement)
    ]


def conditions(statement: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``Condition`` block (operator -> {key: value(s)}); empty when absent."""
    condition = statement.get("Condition")
    return condition if isinstance(condition, Mapping) else {}


def condition_values(statement: Mapping[str, Any], operators: tuple[str, ...], key: str) -> list[str] | None:
    """Values tested for ``key`` under any of ``operators`` (also ``ForAnyValue:``/``ForAllValues:``).

    Returns None when no such test exists (distinct from a test against an empty list).
    """
    found: list[str] | None = None
    for operator, tests in conditions(statement).items():
        base = operator.split(":")[-1]
        if base in operators and isinstance(tests, Mapping) and key in tests:
            found = (found or []) + [v for v in as_list(tests[key]) if isinstance(v, str)]
    return found


#: Operators whose test is false when the key is absent from the request (IAM User Guide, "Condition
#: operators"): the positive string operators. Negated operators, ``...IfExists`` variants and
#: ``ForAllValues:`` are true for an absent key, so they do not make it required.
_PRESENCE_OPERATORS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike")


def requires_key(statement: Mapping[str, Any], key: str) -> bool:
    """True when the statement's ``Condition`` only matches requests that carry ``key``.

    That is a positive string test on the key (also under ``ForAnyValue:``) or ``Null`` = false.
    Condition key names are case-insensitive.
    """
    for operator, tests in conditions(statement).items():
        if not isinstance(tests, Mapping):
            continue
        found = [tests[k] for k in tests if isinstance(k, str) and k.lower() == key.lower()]
        if not found:
            continue
        base = operator.removeprefix("ForAnyValue:")
        if base in _PRESENCE_OPERATORS:
            return True
        if base == "Null" and any(str(v).lower() == "false" for f in found for v in as_list(f)):
            return True
    return False
