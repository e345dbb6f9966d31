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

Field rules live on the models here; ``access_checks.py`` holds the rules that span several keys (role
aliases that groups name, mapped databases that must exist in ``databases``, durations).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, field_validator

from components.aws_limits import (
    API_THROTTLING_BURST,
    API_THROTTLING_RATE,
    GITHUB_OIDC_HOST,
    IAM_MAX_SESSION_DURATION,
    SESSION_CAP_SECONDS,
    STS_DURATION,
)
from stack_config.base import ConfigModel

#: STS AssumeRole minimum ``DurationSeconds``.
MIN_SESSION_SECONDS = STS_DURATION.low
#: This blueprint's cap on any session: credentials expire within the hour.
MAX_SESSION_SECONDS = SESSION_CAP_SECONDS
#: IAM role names the token broker uses itself (``<environment>-<name>``); access roles must not take them.
RESERVED_ROLE_NAMES = ("token-broker", "ci-deploy")

#: What an access role may do (``components/iam.py`` holds the statements of each preset).
AccessPreset = Literal["readonly", "developer"]

_ALIAS = re.compile(r"[a-z][a-z0-9-]{0,31}")
_CLAIM = re.compile(r"[^\s]{1,128}")
#: IAM role descriptions: up to 1000 of these characters (IAM API reference, "CreateRole").
_IAM_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]{0,1000}")
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


__all__ = [
    "GITHUB_OIDC_HOST",
    "MAX_SESSION_SECONDS",
    "MIN_SESSION_SECONDS",
    "AccessPreset",
    "AccessRoleConfig",
    "CiConfig",
    "CiRepositoryConfig",
    "GroupGrantConfig",
    "TokenBrokerConfig",
]
