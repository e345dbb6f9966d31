"""Arguments of ``TokenBroker`` (``components/token_broker.py``) and the fixed parts of its API: routes,
access-log format, handler package, session bounds. ``check_args`` rejects what the broker cannot honour."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi

from components.aws_limits import (
    IAM_MAX_SESSION_DURATION,
    IAM_ROLE_NAME,
    LAMBDA_FUNCTION_NAME,
    SESSION_CAP_SECONDS,
    STS_DURATION,
)
from components.iam import AccessPreset

#: The broker's hard cap on any session, in seconds; STS's minimum is 900 s.
MAX_SESSION_SECONDS = SESSION_CAP_SECONDS
MIN_SESSION_SECONDS = STS_DURATION.low
#: IAM ``MaxSessionDuration`` of the access roles and the broker's own role: IAM's minimum, 3600 s.
ROLE_MAX_SESSION_SECONDS = IAM_MAX_SESSION_DURATION.low
#: The Lambda package: ``<PACKAGE>/handler.py`` inside the zip, imported as ``token_broker.handler``.
PACKAGE = "token_broker"
HANDLER = f"{PACKAGE}.handler.handler"
#: Route key -> requires the JWT authorizer. Health checks are the only anonymous route.
ROUTES: dict[str, bool] = {
    "POST /v1/aws-credentials": True,
    "POST /v1/db-token": True,
    "GET /v1/healthz": False,
}
#: Access-log line (HTTP API ``$context`` variables): who called what and the outcome. Never headers, so
#: never the bearer token.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "userAgent": "$context.identity.userAgent",
        "httpMethod": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
        "sub": "$context.authorizer.claims.sub",
    }
)
#: IAM role and Lambda function names are at most 64 characters (both limits in ``aws_limits``).
MAX_NAME_LENGTH = min(IAM_ROLE_NAME.high, LAMBDA_FUNCTION_NAME.high)


@dataclass(frozen=True)
class AccessRoleArgs:
    """A staging access role.

    Attributes:
        alias: what callers request (``{"role": "<alias>"}``); the IAM role is ``<name_prefix>-<alias>``.
        access: permission preset, ``readonly`` or ``developer`` (``components/iam.py``).
        max_session_duration_seconds: the longest session the broker issues for this role, 900-3600 s
            (default 3600), passed as STS ``DurationSeconds``; the IAM role itself stays at 3600 s.
        description: IAM role description.
    """

    alias: str
    access: AccessPreset = "readonly"
    max_session_duration_seconds: int = MAX_SESSION_SECONDS
    description: str = ""


@dataclass(frozen=True)
class GroupGrantArgs:
    """What one IdP group gets: role aliases and database name -> database user."""

    roles: Sequence[str] = ()
    databases: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the broker's database tokens are for.

    Attributes:
        hostname: endpoint address (no port) the clients connect to.
        port: PostgreSQL port (default 5432).
        resource_id: ``DbiResourceId`` (RDS instance) or ``ClusterResourceId`` (Aurora) for the
            ``rds-db:connect`` ARN; None grants the mapped user on any database of the account and region.
    """

    hostname: pulumi.Input[str]
    port: pulumi.Input[int] = 5432
    resource_id: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class CiRepository:
    """A GitHub repository and the GitHub environment its deploying jobs run in."""

    repository: str
    environment: str = "staging"


@dataclass(frozen=True)
class GithubCiArgs:
    """The CI deploy role for GitHub Actions.

    Attributes:
        repositories: trusted repositories/environments (at least one; exact subjects, no wildcards).
        access: permission preset of the deploy role (default ``readonly``).
        max_session_duration_seconds: the deploy role's IAM MaxSessionDuration: IAM accepts 3600-43200 s,
            this blueprint caps it at 3600 (the default).
        provider_arn: the account's GitHub OIDC provider; None looks it up by URL
            (``aws.iam.get_open_id_connect_provider``), which fails if the account has none.
        create_provider: create the provider in this stack instead (one stack per account owns it: IAM
            allows one per URL and account); excludes ``provider_arn``.
    """

    repositories: Sequence[CiRepository]
    access: AccessPreset = "readonly"
    max_session_duration_seconds: int = MAX_SESSION_SECONDS
    provider_arn: str | None = None
    create_provider: bool = False


@dataclass(frozen=True)
class TokenBrokerArgs:
    """Arguments of ``TokenBroker``.

    Attributes:
        name_prefix: prefix of physical names (function ``<prefix>-token-broker``, roles
            ``<prefix>-<alias>``), e.g. the environment name.
        environment: value of the ``environment`` tag the access roles are limited to.
        issuer: the IdP's OIDC issuer URL (https; the tokens' ``iss``).
        audiences: accepted ``aud`` values (at least one).
        roles: the staging access roles (at least one).
        kms_key_arn: the vault CMK: log groups and the Lambda environment are encrypted with it.
        tags: tags for every resource.
        log_retention_days: retention of the audit and access logs, in days (default 90).
        groups: IdP group -> its grants.
        databases: database name -> ``DatabaseTarget``; every database a group maps must be here.
        group_claim: JWT claim listing the caller's groups (default ``groups``).
        default_duration_seconds: session length when a request names none (default 900 s).
        max_duration_seconds: the longest session issued (default and cap 3600 s).
        ci: the GitHub Actions deploy role; None for none.
        kafka_clusters: names of the stack's MSK clusters whose topics and consumer groups the roles may
            use (granted by ARN: MSK topics and groups carry no tags).
        throttling_rate_limit: steady requests per second the API accepts (default 10).
        throttling_burst_limit: burst of requests above the rate (default 20).
        code_dir: the handler's directory, relative to the project directory (the program's cwd).
    """

    name_prefix: str
    environment: str
    issuer: str
    audiences: Sequence[str]
    roles: Sequence[AccessRoleArgs]
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    log_retention_days: int = 90
    groups: Mapping[str, GroupGrantArgs] = field(default_factory=dict)
    databases: Mapping[str, DatabaseTarget] = field(default_factory=dict)
    group_claim: str = "groups"
    default_duration_seconds: int = MIN_SESSION_SECONDS
    max_duration_seconds: int = MAX_SESSION_SECONDS
    ci: GithubCiArgs | None = None
    kafka_clusters: Sequence[str] = ()
    throttling_rate_limit: float = 10
    throttling_burst_limit: int = 20
    code_dir: str = f"functions/{PACKAGE}"


def check_args(args: TokenBrokerArgs) -> None:
    """Reject arguments the broker cannot honour (the stack config validates the same, with key paths).

    Raises:
        ValueError: a session limit outside 900-3600 s, a CI role MaxSessionDuration outside IAM's
            3600-43200 s or above 3600 s, a provider both given and to be created, a group naming an
            unknown role or a database without a ``DatabaseTarget``, or a physical name over 64 characters.
    """
    limits = [args.default_duration_seconds, args.max_duration_seconds]
    limits += [r.max_session_duration_seconds for r in args.roles]
    if not all(MIN_SESSION_SECONDS <= s <= MAX_SESSION_SECONDS for s in limits):
        raise ValueError(f"session durations must be {MIN_SESSION_SECONDS}-{MAX_SESSION_SECONDS} s: {limits}")
    if args.ci is not None:
        _check_ci(args.ci)
    aliases = {r.alias for r in args.roles}
    for group, grant in args.groups.items():
        if unknown := sorted(set(grant.roles) - aliases):
            raise ValueError(f"group {group!r} names unknown role(s) {unknown}; roles are {sorted(aliases)}")
        if missing := sorted(set(grant.databases) - set(args.databases)):
            raise ValueError(f"group {group!r} maps database(s) {missing} that have no DatabaseTarget")
    longest = max([f"{args.name_prefix}-{alias}" for alias in aliases] + [function_name(args)], key=len)
    if len(longest) > MAX_NAME_LENGTH:
        raise ValueError(f"name {longest!r} is over {MAX_NAME_LENGTH} characters; shorten name_prefix")


def _check_ci(ci: GithubCiArgs) -> None:
    seconds = ci.max_session_duration_seconds
    if seconds not in IAM_MAX_SESSION_DURATION or seconds > MAX_SESSION_SECONDS:
        raise ValueError(
            f"CI MaxSessionDuration {seconds} s: IAM accepts {IAM_MAX_SESSION_DURATION.text()}, this "
            f"blueprint at most {MAX_SESSION_SECONDS} s"
        )
    if ci.create_provider and ci.provider_arn is not None:
        raise ValueError("give provider_arn or create_provider, not both (one OIDC provider per account)")


def source_archive(code_dir: str) -> pulumi.AssetArchive:
    """The handler package as ``token_broker/<module>.py`` files.

    Only the ``.py`` files: no bytecode caches, so the archive (and its hash) is the same on every machine.

    Raises:
        ValueError: ``<code_dir>/handler.py`` does not exist (run the program from the project directory).
    """
    root = Path(code_dir)
    if not (root / "handler.py").is_file():
        raise ValueError(f"{root / 'handler.py'} not found; run Pulumi from the project directory")
    return pulumi.AssetArchive(
        {f"{PACKAGE}/{module.name}": pulumi.FileAsset(str(module)) for module in sorted(root.glob("*.py"))}
    )


def function_name(args: TokenBrokerArgs) -> str:
    return f"{args.name_prefix}-token-broker"
