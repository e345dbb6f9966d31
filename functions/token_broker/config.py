"""Token broker configuration, read from environment variables on every call.

The TokenBroker component sets these variables on the Lambda function. Every variable is
optional; an invalid value makes the broker answer 500 ``broker_misconfigured`` (and log why)
instead of guessing.

``GROUP_CLAIM`` (default ``"groups"``)
    Name of the JWT claim that lists the caller's groups.
``DEFAULT_DURATION_SECONDS`` (seconds, default ``900``)
    Session length when a request omits ``durationSeconds``; integer in 900..``MAX_DURATION_SECONDS``.
    Lowered to the role's ``maxDurationSeconds`` when that is smaller.
``MAX_DURATION_SECONDS`` (seconds, default ``3600``)
    Upper bound for any session; integer in 900..3600 (the broker's hard cap: expiry within the hour).
``ROLE_MAP`` (JSON, default ``{}``)
    Which group may assume which role, under which alias::

        {"<group>": {"<role alias>": {"roleArn": "arn:aws:iam::123456789012:role/staging-admin",
                                      "maxDurationSeconds": 3600}}}

    ``roleArn`` is required; ``maxDurationSeconds`` (seconds, 900..43200, default 3600) must not
    exceed the role's IAM ``MaxSessionDuration``. When several of a caller's groups grant the same
    alias, the group that sorts first wins (deterministic, recorded in the audit line).
``DB_MAP`` (JSON, default ``{}``)
    Which group may get an RDS IAM auth token for which database::

        {"<group>": {"<database name>": {"hostname": "db.abc.eu-west-1.rds.amazonaws.com",
                                         "port": 5432, "username": "app_readonly",
                                         "region": "eu-west-1"}}}

    ``hostname`` and ``username`` are required; ``port`` defaults to 5432 and ``region`` to the
    Lambda's ``AWS_REGION`` (then ``AWS_DEFAULT_REGION``).

Limits come from the AWS STS AssumeRole API reference
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html): DurationSeconds 900..43200,
bounded by the role's MaxSessionDuration; RoleArn 20..2048 characters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from . import environment

MIN_DURATION_SECONDS = environment.MIN_SESSION_SECONDS
"""STS AssumeRole minimum DurationSeconds."""
STS_MAX_DURATION_SECONDS = environment.STS_MAX_SESSION_SECONDS
"""STS AssumeRole maximum DurationSeconds (role MaxSessionDuration can be at most this)."""
BROKER_MAX_DURATION_SECONDS = environment.MAX_SESSION_SECONDS
"""The broker's hard cap on any session, in seconds: credentials expire within the hour."""
DEFAULT_POSTGRES_PORT = 5432

_ROLE_FIELDS = environment.ROLE_FIELDS
_DB_FIELDS = environment.DB_FIELDS

Grant = TypeVar("Grant")


class ConfigError(Exception):
    """An environment variable is missing a required part or has an invalid value."""


@dataclass(frozen=True)
class RoleGrant:
    """A role a group may assume, known to callers by ``alias``."""

    group: str
    alias: str
    role_arn: str
    max_duration_seconds: int


@dataclass(frozen=True)
class DatabaseGrant:
    """A database user a group may get RDS IAM auth tokens for."""

    group: str
    name: str
    hostname: str
    port: int
    username: str
    region: str


@dataclass(frozen=True)
class BrokerConfig:
    """Validated broker settings; grant tables are keyed ``group -> name -> grant``."""

    group_claim: str
    default_duration_seconds: int
    max_duration_seconds: int
    roles: dict[str, dict[str, RoleGrant]]
    databases: dict[str, dict[str, DatabaseGrant]]


def load_config(environ: Mapping[str, str] | None = None) -> BrokerConfig:
    """Read and validate the broker's environment; raises ConfigError naming the variable."""
    env = os.environ if environ is None else environ
    max_duration = _int_env(
        env, environment.MAX_DURATION_SECONDS, BROKER_MAX_DURATION_SECONDS, BROKER_MAX_DURATION_SECONDS
    )
    default_duration = _int_env(env, environment.DEFAULT_DURATION_SECONDS, MIN_DURATION_SECONDS, max_duration)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
    return BrokerConfig(
        group_claim=env.get(environment.GROUP_CLAIM) or "groups",
        default_duration_seconds=default_duration,
        max_duration_seconds=max_duration,
        roles=_grant_table(env, environment.ROLE_MAP, _role_grant),
        databases=_grant_table(env, environment.DB_MAP, lambda g, n, raw: _database_grant(g, n, raw, region)),
    )


def _int_env(env: Mapping[str, str], name: str, default: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not MIN_DURATION_SECONDS <= int(raw) <= high:
        raise ConfigError(f"{name} must be an integer between {MIN_DURATION_SECONDS} and {high}, got {raw!r}")
    return int(raw)


def _grant_table(
    env: Mapping[str, str], name: str, build: Callable[[str, str, Any], Grant]
) -> dict[str, dict[str, Grant]]:
    try:
        raw = json.loads(env.get(name) or "{}")
    except ValueError as err:
        raise ConfigError(f"{name} is not valid JSON: {err}") from None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ConfigError(f'{name} must be a JSON object {{"<group>": {{"<name>": {{...}}}}}}')
    try:
        return {
            group: {n: build(group, n, entry) for n, entry in names.items()} for group, names in raw.items()
        }
    except ConfigError as err:
        raise ConfigError(f"{name}: {err}") from None


def _role_grant(group: str, alias: str, raw: Any) -> RoleGrant:
    where = f"{group}.{alias}"
    _check_fields(where, raw, _ROLE_FIELDS, required={"roleArn"})
    arn = raw["roleArn"]
    if (
        not isinstance(arn, str)
        or not arn.startswith("arn:")
        or ":role/" not in arn
        or not 20 <= len(arn) <= 2048
    ):
        raise ConfigError(
            f"{where}.roleArn must be an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)"
        )
    max_duration = raw.get("maxDurationSeconds", BROKER_MAX_DURATION_SECONDS)
    if not _is_int(max_duration) or not MIN_DURATION_SECONDS <= max_duration <= STS_MAX_DURATION_SECONDS:
        raise ConfigError(
            f"{where}.maxDurationSeconds must be an integer between "
            f"{MIN_DURATION_SECONDS} and {STS_MAX_DURATION_SECONDS}"
        )
    return RoleGrant(group=group, alias=alias, role_arn=arn, max_duration_seconds=max_duration)


def _database_grant(group: str, name: str, raw: Any, default_region: str) -> DatabaseGrant:
    where = f"{group}.{name}"
    _check_fields(where, raw, _DB_FIELDS, required={"hostname", "username"})
    port = raw.get("port", DEFAULT_POSTGRES_PORT)
    if not _is_int(port) or not 1 <= port <= 65535:
        raise ConfigError(f"{where}.port must be an integer between 1 and 65535")
    region = raw.get("region", default_region)
    for field, value in (("hostname", raw["hostname"]), ("username", raw["username"]), ("region", region)):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}.{field} must be a non-empty string")
    return DatabaseGrant(
        group=group, name=name, hostname=raw["hostname"], port=port, username=raw["username"], region=region
    )


def _check_fields(where: str, raw: Any, allowed: frozenset[str], required: set[str]) -> None:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a JSON object with keys {sorted(allowed)}")
    unknown = sorted(set(raw) - allowed)
    missing = sorted(required - set(raw))
    if unknown or missing:
        raise ConfigError(
            f"{where}: unknown keys {unknown}, missing keys {missing}; allowed {sorted(allowed)}"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
