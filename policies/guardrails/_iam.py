"""Reading IAM policy statements (IAM User Guide, "IAM JSON policy elements reference").

Element values may be a string or a list of strings; ``Principal`` may be ``"*"`` or an object keyed
by principal type (``AWS``, ``Service``, ``Federated``). Keys are matched case-sensitively as IAM does.
"""

from __future__ import annotations

import fnmatch
import re
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


def is_public(statement: Mapping[str, Any]) -> bool:
    """True when an Allow statement names every principal: ``"*"`` (bare or as ``AWS``) or ``NotPrincipal``.

    ``Allow`` with ``NotPrincipal`` grants everyone except the listed principals (IAM User Guide,
    "AWS JSON policy elements: NotPrincipal").
    """
    return is_allow(statement) and ("*" in principals(statement, "AWS") or "NotPrincipal" in statement)


def public_sids(statements: list[Mapping[str, Any]]) -> list[str]:
    """Sids (``#<index>`` if unnamed) of public Allow statements whose condition does not restrict who
    can act (see ``restricts_principal``)."""
    return [
        str(statement.get("Sid") or f"#{i}")
        for i, statement in enumerate(statements)
        if is_public(statement) and not restricts_principal(statement)
    ]


#: Condition keys that pin who is acting, or on whose behalf a service acts (IAM User Guide, "AWS global
#: condition context keys"): the caller's organization, account or ARN, the resource or account a service
#: acts for (confused-deputy protection), the VPC or VPC endpoint a request comes through. Plus
#: ``kms:CallerAccount`` (AWS KMS Developer Guide, "kms:CallerAccount", used by the default key policy) and
#: ``s3:DataAccessPointAccount`` / ``s3:DataAccessPointArn`` (Amazon S3 User Guide, "Delegating access
#: control to access points"). ``aws:SecureTransport``, ``aws:SourceIp`` or tag keys say nothing about who.
RESTRICTING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn"})
#: Operators that are false when the key is absent and true only for the listed values (IAM User Guide,
#: "IAM JSON policy elements: Condition operators"); ``ForAllValues:``, ``...IfExists`` and negated
#: operators match requests without the key, so they restrict nobody.
_RESTRICTING_OPERATORS = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
)
_WILDCARDS = ("*", "?")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def restricts_principal(statement: Mapping[str, Any]) -> bool:
    """True when the statement's ``Condition`` limits who can act to named organizations, accounts,
    ARNs, VPCs or VPC endpoints.

    That is a test on one of ``RESTRICTING_KEYS`` (names compared case-insensitively, as IAM does) under
    a positive operator (also with ``ForAnyValue:``) whose every value names an owner: no wildcard in ids
    (the IAM User Guide's rule for its "sensitive condition keys", where a wildcard even in part of a
    value has no valid use, applied to every key here), a literal account (or bucket) for ARNs, a literal
    organization id for ``aws:PrincipalOrgPaths``.
    """
    for operator, tests in conditions(statement).items():
        if operator.removeprefix("ForAnyValue:") not in _RESTRICTING_OPERATORS or not isinstance(
            tests, Mapping
        ):
            continue
        for key in tests:
            name = key.lower() if isinstance(key, str) else ""
            found = as_list(tests[key])
            if name in RESTRICTING_KEYS and found and all(pins_owner(name, value) for value in found):
                return True
    return False


def pins_owner(key: str, value: Any) -> bool:
    """True when ``value`` of condition key ``key`` (lower-case) names one owner, not a pattern of many."""
    if not isinstance(value, str) or not value:
        return False
    if key in _ARN_KEYS:
        return arn_pins_owner(value)
    if key == "aws:principalorgpaths":
        org = value.split("/", 1)[0]
        return org.startswith("o-") and not any(w in org for w in _WILDCARDS)
    return not any(w in value for w in _WILDCARDS)


def arn_pins_owner(arn: str) -> bool:
    """True when an ARN (pattern) names one owner: a literal 12-digit account, or for an account-less ARN
    (S3: ``arn:aws:s3:::bucket/key``) a literal bucket name."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    account, resource = parts[4], parts[5]
    if account:
        return bool(_ACCOUNT_ID.match(account))
    # Bucket names are global: "my-bucket*" would also match someone else's "my-bucket-x".
    name = resource.split("/", 1)[0]
    return bool(name) and not any(w in name for w in _WILDCARDS)


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


#: How violation messages describe a public statement found by ``public_sids``.
PUBLIC_GRANT = (
    'allows every principal ("*" or NotPrincipal) without a condition that restricts who can act '
    "(aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceArn, aws:SourceAccount, aws:SourceVpce...)"
)
