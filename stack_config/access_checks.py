"""Rules of the token broker's config that span several keys: durations, role names (unique, not the
broker's own), the CI provider switch, groups naming roles and databases that exist, and the size of the
grant tables the Lambda's environment carries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence

from components.aws_limits import (
    LAMBDA_ENVIRONMENT_BYTES,
    LAMBDA_ENVIRONMENT_SOURCE,
    OIDC_ONE_PROVIDER_PER_URL_SOURCE,
)
from functions.token_broker import environment as contract
from functions.token_broker.environment import DatabaseEntry, RoleEntry, encode_db_map, encode_role_map
from stack_config.access import (
    MAX_SESSION_SECONDS,
    RESERVED_ROLE_NAMES,
    CiConfig,
    TokenBrokerConfig,
)
from stack_config.base import Problem, join_path

_GROUP = re.compile(r"[^\s,]{1,256}")
_DB_USER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def access_checks(
    broker: TokenBrokerConfig | None, environment: str, databases: Sequence[str]
) -> Iterable[Problem]:
    """Cross-field rules of the token broker; no problems when the broker is not configured.

    Args:
        broker: ``tokenBroker``, or None.
        environment: ``environment`` (prefixes the IAM role names).
        databases: the names of ``databases[]`` (what groups may map).
    """
    if broker is None:
        return []
    return [
        *_duration_problems(broker),
        *_role_problems(broker),
        *_ci_problems(broker.ci),
        *_group_problems(broker, list(databases)),
        *_environment_size_problems(broker, environment),
    ]


def _ci_problems(ci: CiConfig | None) -> Iterator[Problem]:
    if ci is not None and ci.create_provider and ci.provider_arn is not None:
        yield Problem(
            "tokenBroker.ci.createProvider",
            True,
            "and ci.providerArn exclude each other: IAM allows one GitHub OIDC provider per account "
            f"({OIDC_ONE_PROVIDER_PER_URL_SOURCE}); either this stack owns it (createProvider) or it uses "
            "the existing one (providerArn, or neither to look it up)",
        )


def _duration_problems(broker: TokenBrokerConfig) -> Iterator[Problem]:
    if broker.default_duration_seconds > broker.max_duration_seconds:
        yield Problem(
            "tokenBroker.defaultDurationSeconds",
            broker.default_duration_seconds,
            f"is more than tokenBroker.maxDurationSeconds ({broker.max_duration_seconds}); lower it or "
            "raise the maximum",
        )


def _role_problems(broker: TokenBrokerConfig) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, role in enumerate(broker.roles):
        if role.name in seen:
            yield Problem(
                join_path("tokenBroker", "roles", i, "name"),
                role.name,
                "is used twice; give each role its own name",
            )
        seen.add(role.name)
        if role.name in RESERVED_ROLE_NAMES:
            yield Problem(
                join_path("tokenBroker", "roles", i, "name"),
                role.name,
                f"collides with the IAM role the token broker creates itself (`<environment>-{role.name}`); "
                f"choose another name (reserved: {', '.join(RESERVED_ROLE_NAMES)})",
            )
        if role.max_session_duration_seconds > broker.max_duration_seconds:
            yield Problem(
                join_path("tokenBroker", "roles", i, "maxSessionDurationSeconds"),
                role.max_session_duration_seconds,
                f"is more than tokenBroker.maxDurationSeconds ({broker.max_duration_seconds}), which the "
                "broker never exceeds; lower it to that or less",
            )


def _group_problems(broker: TokenBrokerConfig, databases: list[str]) -> Iterator[Problem]:
    aliases = list(dict.fromkeys(role.name for role in broker.roles))
    for group, grant in broker.groups.items():
        path = join_path("tokenBroker", "groups", group)
        if not _GROUP.fullmatch(group):
            yield Problem(
                path,
                group,
                "must be a group name of 1-256 characters without spaces or commas (the broker splits the "
                "group claim on them)",
            )
        if not grant.roles and not grant.databases:
            yield Problem(path, group, "grants nothing; list `roles` and/or `databases`, or remove the group")
        for j, alias in enumerate(grant.roles):
            if alias not in aliases:
                yield Problem(
                    join_path(path, "roles", j),
                    alias,
                    f"names no role; use one of tokenBroker.roles[].name: {', '.join(aliases)}",
                )
        for database, user in grant.databases.items():
            if not _DB_USER.fullmatch(user):
                yield Problem(
                    join_path(path, "databases", database),
                    user,
                    "must be a PostgreSQL user name: a-z or _, then up to 62 of a-z, 0-9 or _",
                )
            if database not in databases:
                defined = ", ".join(databases) or "none"
                yield Problem(
                    join_path(path, "databases", database),
                    database,
                    f"names no database; use one of databases[].name (defined: {defined})",
                )


def _environment_size_problems(broker: TokenBrokerConfig, environment: str) -> Iterator[Problem]:
    """The broker's grant tables travel in the Lambda's environment, which must stay under 4 KB."""
    size = estimated_environment_bytes(broker, environment)
    if size > LAMBDA_ENVIRONMENT_BYTES:
        yield Problem(
            "tokenBroker.groups",
            f"{len(broker.groups)} groups",
            f"need about {size} bytes of Lambda environment variables, over Lambda's "
            f"{LAMBDA_ENVIRONMENT_BYTES}-byte limit ({LAMBDA_ENVIRONMENT_SOURCE}); map fewer groups "
            "(e.g. one IdP group per team)",
        )


def estimated_environment_bytes(broker: TokenBrokerConfig, environment: str) -> int:
    """An upper estimate of the broker Lambda's environment size, in bytes, encoded exactly as the
    component encodes it (``functions/token_broker/environment.py``).

    Role ARNs are ``arn:aws-us-gov:iam::<12 digits>:role/<environment>-<alias>`` (the longest partition);
    database host names are assumed to be RDS endpoints of 100 characters.
    """
    arn_prefix = "arn:aws-us-gov:iam::123456789012:role/"
    roles = {
        group: {
            alias: RoleEntry(f"{arn_prefix}{environment}-{alias}", MAX_SESSION_SECONDS)
            for alias in grant.roles
        }
        for group, grant in broker.groups.items()
    }
    databases = {
        group: {db: DatabaseEntry("h" * 100, 65535, user) for db, user in grant.databases.items()}
        for group, grant in broker.groups.items()
    }
    environ = {
        contract.GROUP_CLAIM: broker.group_claim,
        contract.DEFAULT_DURATION_SECONDS: str(MAX_SESSION_SECONDS),
        contract.MAX_DURATION_SECONDS: str(MAX_SESSION_SECONDS),
        contract.ROLE_MAP: encode_role_map(roles),
        contract.DB_MAP: encode_db_map(databases),
    }
    # Lambda counts keys and values of the variables; JSON quoting of the whole map over-estimates a bit.
    return len(json.dumps(environ))
