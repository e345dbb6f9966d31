"""Config of the short-lived-token broker: ``staging-blueprint:tokenBroker``.

The broker (``components/token_broker.py``) trusts one OpenID Connect issuer, maps the caller's IdP groups
to staging access roles and to database users, and optionally lets GitHub Actions jobs of named
repositories assume a deploy role. Durations are in seconds and bounded by AWS and by this blueprint
(``components/aws_limits.py`` holds each limit with its source):

- STS ``AssumeRole`` accepts ``DurationSeconds`` from 900 s (STS API reference, "AssumeRole").
- An IAM role's ``MaxSessionDuration`` must be 3600-43200 s (IAM API reference, "CreateRole"). This
  blueprint caps every session at 3600 s, so the roles' ``MaxSessionDuration`` is 3600 and shorter sessions
  are the broker's job: it passes ``DurationSeconds`` (per role: ``roles[].maxSessionDurationSeconds``,
  900-3600 s). The broker assumes roles from its own role session (role chaining), which AWS caps at one
  hour anyway.
- IAM allows one OIDC provider per URL per account, so the GitHub provider is looked up by default;
  exactly one stack per account may own it (``ci.createProvider: true``).

``access_checks`` holds the rules that span several keys (role aliases that groups name, mapped databases
that must exist in ``databases``, durations); field rules live on the models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, field_validator

from blueprint.config_base import ConfigModel, Problem, join_path
from components.aws_limits import (
    API_THROTTLING_BURST,
    API_THROTTLING_RATE,
    GITHUB_OIDC_HOST,
    IAM_MAX_SESSION_DURATION,
    LAMBDA_ENVIRONMENT_BYTES,
    OIDC_ONE_PROVIDER_PER_URL_SOURCE,
    SESSION_CAP_SECONDS,
    STS_DURATION,
)

if TYPE_CHECKING:
    from blueprint.config import StackConfig

#: STS AssumeRole minimum ``DurationSeconds``.
MIN_SESSION_SECONDS = STS_DURATION.low
#: This blueprint's cap on any session: credentials expire within the hour (DESIGN.md section 4).
MAX_SESSION_SECONDS = SESSION_CAP_SECONDS
#: IAM role names the token broker uses itself (``<environment>-<name>``); access roles must not take them.
RESERVED_ROLE_NAMES = ("token-broker", "ci-deploy")

#: What an access role may do (``components/iam.py`` holds the statements of each preset).
AccessPreset = Literal["readonly", "developer"]

_ALIAS = re.compile(r"[a-z][a-z0-9-]{0,31}")
_CLAIM = re.compile(r"[^\s]{1,128}")
_GROUP = re.compile(r"[^\s,]{1,256}")
#: IAM role descriptions: up to 1000 of these characters (IAM API reference, "CreateRole").
_IAM_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}")
_DB_USER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_OIDC_PROVIDER_ARN = re.compile(rf"arn:aws[a-z-]*:iam::\d{{12}}:oidc-provider/{re.escape(GITHUB_OIDC_HOST)}")


def _check_issuer(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment or " " in value:
        raise ValueError(
            "must be the IdP's https issuer URL exactly as in its tokens' `iss` claim, without query or "
            "fragment, e.g. https://idp.example.com/realms/staging"
        )
    return value


def _check_pattern(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"must be {what}")
        return value

    return AfterValidator(check)


def _check_iam_session(value: int) -> int:
    if value not in IAM_MAX_SESSION_DURATION:
        raise ValueError(
            f"must be {IAM_MAX_SESSION_DURATION.text()}: IAM rejects any other MaxSessionDuration "
            "(IAM API reference, CreateRole); a job that wants a shorter session asks for it with "
            "`role-duration-seconds` (900 s or more) in aws-actions/configure-aws-credentials"
        )
    if value > MAX_SESSION_SECONDS:
        raise ValueError(
            f"must be at most {MAX_SESSION_SECONDS} s: this blueprint caps every session at one hour"
        )
    return value


def _check_ci_environment(value: str) -> str:
    if not value.strip() or len(value) > 255 or any(c in value for c in "*?:"):
        raise ValueError(
            "must be a GitHub environment name (1-255 characters, no `*`, `?` or `:`): the deploy role's "
            "trust pins it exactly, wildcards are not allowed"
        )
    return value


#: A session length the broker issues (STS ``DurationSeconds``), 900-3600 s.
Seconds = Annotated[int, Field(ge=MIN_SESSION_SECONDS, le=MAX_SESSION_SECONDS)]
#: An IAM role's ``MaxSessionDuration``: IAM's 3600-43200 s, capped at this blueprint's 3600 s.
RoleSessionSeconds = Annotated[int, AfterValidator(_check_iam_session)]
RoleAlias = Annotated[str, _check_pattern(_ALIAS, "1-32 characters: a lowercase letter, then a-z, 0-9 or -")]


class AccessRoleConfig(ConfigModel):
    """One staging access role; the broker assumes it for callers whose group is granted its alias."""

    name: RoleAlias = Field(
        description='Alias callers request (`{"role": "developer"}`); the IAM role is named '
        "`<environment>-<name>`. 1-32 characters: a lowercase letter, then a-z, 0-9 or -."
    )
    description: Annotated[
        str, _check_pattern(_IAM_DESCRIPTION, "at most 1000 characters of printable ASCII or Latin-1")
    ] = Field(default="", description="What the role is for (IAM role description).")
    access: AccessPreset = Field(
        default="readonly",
        description="Permission preset: `readonly` (describe and read staging-tagged resources) or "
        "`developer` (also operate them: secrets, images, Kubernetes API). Both are limited to resources "
        "tagged `environment=<environment>` and capped by a permissions boundary.",
    )
    max_session_duration_seconds: Seconds = Field(
        default=MAX_SESSION_SECONDS,
        description="Longest session the broker issues for this role, in seconds (900-3600; at most "
        "`tokenBroker.maxDurationSeconds`). The broker enforces it through STS `DurationSeconds`; the IAM "
        "role's own MaxSessionDuration stays 3600 s, IAM's minimum.",
    )


class GroupGrantConfig(ConfigModel):
    """What one IdP group may get from the broker."""

    roles: list[str] = Field(default=[], description="Aliases of `tokenBroker.roles` the group may assume.")
    databases: dict[str, str] = Field(
        default={},
        description="Database name (of `databases`) -> PostgreSQL user the group gets RDS IAM auth "
        "tokens for. The user must exist and be granted `rds_iam` in the database.",
    )


class CiRepositoryConfig(ConfigModel):
    """A GitHub repository whose jobs in one GitHub environment may assume the deploy role."""

    repository: Annotated[
        str, _check_pattern(_GITHUB_REPOSITORY, "a GitHub repository as `owner/repo`, without wildcards")
    ] = Field(
        description="GitHub repository as `owner/repo` (case as GitHub shows it; IAM compares exactly)."
    )
    environment: Annotated[str, AfterValidator(_check_ci_environment)] = Field(
        default="staging",
        description="GitHub environment the job must run in (`environment:` in the workflow); protect "
        "it with required reviewers or branch rules in GitHub.",
    )


class CiConfig(ConfigModel):
    """GitHub Actions OIDC: CI jobs get the deploy role's credentials (at most an hour), never stored keys."""

    repositories: list[CiRepositoryConfig] = Field(
        min_length=1,
        description="Repositories and environments trusted by the deploy role; the trust pins each "
        "`repo:<owner>/<repo>:environment:<environment>` subject exactly.",
    )
    access: AccessPreset = Field(
        default="readonly",
        description="Permission preset of the deploy role: `readonly` or `developer` (push images, update "
        "workloads and secrets of staging-tagged resources). It does not deploy this blueprint itself.",
    )
    max_session_duration_seconds: RoleSessionSeconds = Field(
        default=MAX_SESSION_SECONDS,
        description="The deploy role's IAM MaxSessionDuration, in seconds: 3600 (IAM accepts 3600-43200; "
        "this blueprint caps sessions at one hour). Jobs ask for shorter sessions with "
        "`role-duration-seconds`.",
    )
    provider_arn: str | None = Field(
        default=None,
        description="ARN of the account's GitHub OIDC provider. Default: looked up by its URL "
        f"(https://{GITHUB_OIDC_HOST}); it must exist, since an account has at most one per URL.",
    )
    create_provider: bool = Field(
        default=False,
        description="Create the account's GitHub OIDC provider in this stack. IAM allows one per URL per "
        "account: exactly one stack per account owns it, every other stack looks it up (the default).",
    )

    @field_validator("provider_arn")
    @classmethod
    def _github_provider(cls, value: str | None) -> str | None:
        if value is not None and not _OIDC_PROVIDER_ARN.fullmatch(value):
            raise ValueError(
                f"must be an IAM OIDC provider ARN ending in `:oidc-provider/{GITHUB_OIDC_HOST}`"
            )
        return value


class TokenBrokerConfig(ConfigModel):
    """``staging-blueprint:tokenBroker``: IdP trust, group mappings, session limits, CI trust."""

    issuer: Annotated[str, AfterValidator(_check_issuer)] = Field(
        description="OpenID Connect issuer URL of your IdP (https, exactly the tokens' `iss` claim), e.g. "
        "https://idp.example.com/realms/staging."
    )
    audience: list[str] = Field(
        min_length=1,
        description="Accepted `aud` values of the IdP's tokens (one string or a list), e.g. "
        "staging-token-broker.",
    )
    group_claim: Annotated[str, _check_pattern(_CLAIM, "1-128 characters without whitespace")] = Field(
        default="groups", description="JWT claim that lists the caller's groups."
    )
    default_duration_seconds: Seconds = Field(
        default=MIN_SESSION_SECONDS,
        description="Session length when a request names none, in seconds (900-3600, at most "
        "`maxDurationSeconds`; lowered to a role's maximum when that is smaller).",
    )
    max_duration_seconds: Seconds = Field(
        default=MAX_SESSION_SECONDS, description="Longest session the broker issues, in seconds (900-3600)."
    )
    roles: list[AccessRoleConfig] = Field(
        min_length=1, description="Staging access roles; they trust only the broker and cap their sessions."
    )
    groups: dict[str, GroupGrantConfig] = Field(
        default={},
        description="IdP group name (no spaces or commas) -> the roles and database users it is granted. "
        "Default: nobody is granted anything.",
    )
    ci: CiConfig | None = Field(
        default=None, description="GitHub Actions OIDC provider and deploy role; omit for none."
    )
    throttling_rate_limit: float = Field(
        default=10,
        ge=API_THROTTLING_RATE.low,
        le=API_THROTTLING_RATE.high,
        description="Steady-state request rate the API accepts, in requests per second (1-10000, API "
        "Gateway's account quota).",
    )
    throttling_burst_limit: int = Field(
        default=20,
        ge=API_THROTTLING_BURST.low,
        le=API_THROTTLING_BURST.high,
        description="Request burst the API accepts above the rate, in requests (1-5000).",
    )

    @field_validator("audience", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("audience")
    @classmethod
    def _audiences(cls, value: list[str]) -> list[str]:
        if any(not a.strip() or len(a) > 256 for a in value):
            raise ValueError("each audience must be 1-256 characters, e.g. staging-token-broker")
        return value


def access_checks(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Cross-field rules of the token broker; no problems when the broker is not configured."""
    broker = cfg.token_broker
    if broker is None:
        return []
    return [
        *_duration_problems(broker),
        *_role_problems(broker),
        *_ci_problems(broker.ci),
        *_group_problems(broker, [db.name for db in cfg.databases]),
        *_environment_size_problems(broker, cfg.environment),
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
            f"{LAMBDA_ENVIRONMENT_BYTES}-byte limit; map fewer groups (e.g. one IdP group per team)",
        )


def estimated_environment_bytes(broker: TokenBrokerConfig, environment: str) -> int:
    """An upper estimate of the broker Lambda's environment size, in bytes.

    Role ARNs are ``arn:aws-us-gov:iam::<12 digits>:role/<environment>-<alias>`` (the longest partition);
    database host names are assumed to be RDS endpoints of 100 characters.
    """
    arn_prefix = "arn:aws-us-gov:iam::123456789012:role/"
    role_map = {
        group: {
            alias: {
                "roleArn": f"{arn_prefix}{environment}-{alias}",
                "maxDurationSeconds": MAX_SESSION_SECONDS,
            }
            for alias in grant.roles
        }
        for group, grant in broker.groups.items()
    }
    db_map = {
        group: {
            db: {"hostname": "h" * 100, "port": 65535, "username": user}
            for db, user in grant.databases.items()
        }
        for group, grant in broker.groups.items()
    }
    environ = {
        "GROUP_CLAIM": broker.group_claim,
        "DEFAULT_DURATION_SECONDS": str(MAX_SESSION_SECONDS),
        "MAX_DURATION_SECONDS": str(MAX_SESSION_SECONDS),
        "ROLE_MAP": json.dumps(role_map),
        "DB_MAP": json.dumps(db_map),
    }
    return len(json.dumps(environ))


__all__ = [
    "GITHUB_OIDC_HOST",
    "LAMBDA_ENVIRONMENT_BYTES",
    "MAX_SESSION_SECONDS",
    "MIN_SESSION_SECONDS",
    "AccessPreset",
    "AccessRoleConfig",
    "CiConfig",
    "CiRepositoryConfig",
    "GroupGrantConfig",
    "TokenBrokerConfig",
    "access_checks",
]
