"""``TokenBroker``: short-lived credentials for staging, exchanged for an IdP token; no IAM users or keys.

Request flow: a caller sends its IdP token (``Authorization: Bearer <JWT>``) to the HTTP API; the JWT
authorizer checks signature, issuer, audience and expiry; the Lambda (``functions/token_broker``) maps the
caller's groups to an access role (STS ``AssumeRole`` with the caller as ``SourceIdentity``, at most
3600 s) or to a database user (an RDS IAM auth token, 15 minutes), and prints one audit line per request.

Resources (children named ``<name>-<role>``):
- ``-function``, ``-function-role``, ``-function-policy``, ``-function-logs`` (``/aws/lambda/<fn>``, the
  audit log): the Lambda (arm64, Python 3.12) and its least-privilege execution role.
- ``-api``, ``-jwt``, ``-integration``, ``-route-<route>``, ``-stage``, ``-access-logs``, ``-invoke``: the
  HTTP API; every route except ``GET /v1/healthz`` requires the JWT authorizer.
- ``-boundary``, ``-role-<alias>``, ``-role-<alias>-access``: the staging access roles; they trust only the
  broker's role, require a source identity and are capped by the boundary. Their IAM ``MaxSessionDuration``
  is 3600 s (IAM's minimum); each role's shorter limit is enforced by the broker (``ROLE_MAP``).
- ``-ci-deploy``, ``-ci-deploy-access`` (optional): a deploy role pinned to
  ``repo:<owner>/<repo>:environment:<environment>`` subjects, trusting the account's GitHub OIDC provider.
  IAM allows one provider per URL per account, so it is looked up (or given as an ARN); ``-github-oidc``
  creates it only when asked (``create_provider``), in the one stack per account that owns it.

The Lambda's environment is the contract of ``functions/token_broker/config.py``: ``GROUP_CLAIM``,
``DEFAULT_DURATION_SECONDS``, ``MAX_DURATION_SECONDS``, ``ROLE_MAP`` and ``DB_MAP`` (JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.aws_limits import (
    GITHUB_AUDIENCE,
    GITHUB_OIDC_HOST,
    IAM_MAX_SESSION_DURATION,
    SESSION_CAP_SECONDS,
    STS_DURATION,
)
from components.common import (
    TYPE_PREFIX,
    AwsContext,
    assume_role_policy,
    child_opts,
    encrypted_log_group,
    with_name,
)
from components.iam import (
    AccessPreset,
    KafkaClusters,
    access_policy,
    broker_permissions,
    broker_trust_policy,
    db_user_arn,
    github_subject,
    github_trust_policy,
    permissions_boundary,
)

#: The broker's hard cap on any session, in seconds (DESIGN.md section 4); STS's minimum is 900 s.
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
#: IAM role and Lambda function names are at most 64 characters.
MAX_NAME_LENGTH = 64


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
    longest = max([f"{args.name_prefix}-{alias}" for alias in aliases] + [_function_name(args)], key=len)
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


def _function_name(args: TokenBrokerArgs) -> str:
    return f"{args.name_prefix}-token-broker"


def role_map(
    groups: Mapping[str, GroupGrantArgs], role_arns: Mapping[str, str], max_durations: Mapping[str, int]
) -> str:
    """``ROLE_MAP``: ``{group: {alias: {"roleArn", "maxDurationSeconds"}}}`` (see the handler's config)."""
    return json.dumps(
        {
            group: {
                alias: {"roleArn": role_arns[alias], "maxDurationSeconds": max_durations[alias]}
                for alias in grant.roles
            }
            for group, grant in sorted(groups.items())
            if grant.roles
        },
        sort_keys=True,
    )


def db_map(groups: Mapping[str, GroupGrantArgs], endpoints: Mapping[str, tuple[str, int]]) -> str:
    """``DB_MAP``: ``{group: {database: {"hostname", "port", "username"}}}``; the region is the Lambda's."""
    return json.dumps(
        {
            group: {
                database: {
                    "hostname": endpoints[database][0],
                    "port": endpoints[database][1],
                    "username": user,
                }
                for database, user in grant.databases.items()
            }
            for group, grant in sorted(groups.items())
            if grant.databases
        },
        sort_keys=True,
    )


class TokenBroker(pulumi.ComponentResource):
    """The short-lived-credential broker: HTTP API + JWT authorizer, Lambda, staging access roles, CI role.

    Outputs:
        api_endpoint: base URL, e.g. ``https://<id>.execute-api.<region>.amazonaws.com``.
        role_arns: access-role alias -> role ARN.
        function_name: the broker Lambda's name (``<name_prefix>-token-broker``).
        function_role_arn: the broker's execution role, the only principal the access roles trust.
        boundary_policy_arn: the permissions boundary of the access and deploy roles.
        audit_log_group_name: ``/aws/lambda/<function>``: one audit line per token request.
        access_log_group_name: the API's access log.
        deploy_role_arn: the GitHub Actions deploy role (None without ``ci``).
        oidc_provider_arn: the GitHub OIDC provider used (None without ``ci``).
    """

    api_endpoint: pulumi.Output[str]
    role_arns: dict[str, pulumi.Output[str]]
    function_name: pulumi.Output[str]
    function_role_arn: pulumi.Output[str]
    boundary_policy_arn: pulumi.Output[str]
    audit_log_group_name: pulumi.Output[str]
    access_log_group_name: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str] | None
    oidc_provider_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: TokenBrokerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args(args)
        super().__init__(f"{TYPE_PREFIX}TokenBroker", name, None, opts)
        self._name, self._args = name, args
        self._ctx = AwsContext(self)
        function_name = _function_name(args)
        function_role = self._function_role()
        self.function_role_arn = function_role.arn
        boundary = aws.iam.Policy(
            f"{name}-boundary",
            name=f"{args.name_prefix}-access-boundary",
            description=f"Caps staging access roles to resources tagged environment={args.environment}",
            policy=self._kafka().apply(lambda kafka: permissions_boundary(args.environment, kafka)),
            tags=with_name(args.tags, f"{name}-boundary"),
            opts=child_opts(self),
        )
        self.boundary_policy_arn = boundary.arn
        roles = {r.alias: self._access_role(r, function_role, boundary) for r in args.roles}
        self.role_arns = {alias: role.arn for alias, role in roles.items()}
        audit_logs = encrypted_log_group(
            f"{name}-function-logs",
            parent=self,
            kms_key_arn=args.kms_key_arn,
            retention_days=args.log_retention_days,
            tags=args.tags,
            log_group_name=f"/aws/lambda/{function_name}",
        )
        self.audit_log_group_name = audit_logs.name
        policy = self._function_policy(function_role, function_name, audit_logs)
        function = self._function(function_name, function_role, audit_logs, [audit_logs, policy])
        self.function_name = function.name
        self.api_endpoint, self.access_log_group_name = self._api(function)
        self.deploy_role_arn, self.oidc_provider_arn = self._ci(boundary)
        self.register_outputs(
            {
                "apiEndpoint": self.api_endpoint,
                "roleArns": self.role_arns,
                "functionName": self.function_name,
                "functionRoleArn": self.function_role_arn,
                "boundaryPolicyArn": self.boundary_policy_arn,
                "auditLogGroupName": self.audit_log_group_name,
                "accessLogGroupName": self.access_log_group_name,
                "deployRoleArn": self.deploy_role_arn,
                "oidcProviderArn": self.oidc_provider_arn,
            }
        )

    def _function_role(self) -> aws.iam.Role:
        trust = self._ctx.account_id.apply(
            lambda account: assume_role_policy(
                "lambda.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account}}
            )
        )
        return aws.iam.Role(
            f"{self._name}-function-role",
            name=_function_name(self._args),
            description="Execution role of the token broker: assumes the staging access roles only",
            assume_role_policy=trust,
            max_session_duration=ROLE_MAX_SESSION_SECONDS,
            tags=with_name(self._args.tags, f"{self._name}-function-role"),
            opts=child_opts(self),
        )

    def _access_role(
        self, spec: AccessRoleArgs, broker: aws.iam.Role, boundary: aws.iam.Policy
    ) -> aws.iam.Role:
        return self._bounded_role(
            f"{self._name}-role-{spec.alias}",
            role_name=f"{self._args.name_prefix}-{spec.alias}",
            description=spec.description or f"Staging {spec.access} access, issued by the token broker",
            trust=broker.arn.apply(broker_trust_policy),
            max_session_seconds=ROLE_MAX_SESSION_SECONDS,  # shorter sessions: the broker's ROLE_MAP
            access=spec.access,
            boundary=boundary,
        )

    def _bounded_role(
        self,
        label: str,
        *,
        role_name: str,
        description: str,
        trust: pulumi.Input[str],
        max_session_seconds: int,
        access: AccessPreset,
        boundary: aws.iam.Policy,
    ) -> aws.iam.Role:
        """A staging role: capped by the permissions boundary, with the ``access`` preset as its policy."""
        role = aws.iam.Role(
            label,
            name=role_name,
            description=description,
            assume_role_policy=trust,
            max_session_duration=max_session_seconds,
            permissions_boundary=boundary.arn,
            tags=with_name(self._args.tags, label, access=access),
            opts=child_opts(self),
        )
        environment = self._args.environment
        aws.iam.RolePolicy(
            f"{label}-access",
            role=role.id,
            policy=self._kafka().apply(lambda kafka: access_policy(access, environment, kafka)),
            opts=child_opts(self),
        )
        return role

    def _kafka(self) -> pulumi.Output[KafkaClusters]:
        """The stack's MSK clusters with this account, partition and region (for topic/group ARNs)."""
        names = tuple(self._args.kafka_clusters)
        ctx = self._ctx
        return pulumi.Output.all(ctx.partition, ctx.region, ctx.account_id).apply(
            lambda v: KafkaClusters(names, partition=v[0], region=v[1], account_id=v[2])
        )

    def _db_user_arns(self) -> pulumi.Output[list[str]]:
        grants = sorted(
            {(db, user) for grant in self._args.groups.values() for db, user in grant.databases.items()}
        )
        ctx = self._ctx
        return pulumi.Output.all(
            ctx.partition,
            ctx.region,
            ctx.account_id,
            *[self._args.databases[db].resource_id or "" for db, _ in grants],
        ).apply(
            lambda v: [
                db_user_arn(v[0], v[1], v[2], resource_id or None, user)
                for resource_id, (_, user) in zip(v[3:], grants, strict=True)
            ]
        )

    def _function_policy(
        self, role: aws.iam.Role, function_name: str, logs: aws.cloudwatch.LogGroup
    ) -> aws.iam.RolePolicy:
        document = pulumi.Output.all(
            roles=list(self.role_arns.values()),
            log_group=logs.arn,
            db_users=self._db_user_arns(),
            key=self._args.kms_key_arn,
        ).apply(
            lambda v: broker_permissions(
                access_role_arns=v["roles"],
                log_group_arn=v["log_group"],
                db_user_arns=v["db_users"],
                key_arn=v["key"],
                function_name=function_name,
            )
        )
        return aws.iam.RolePolicy(
            f"{self._name}-function-policy", role=role.id, policy=document, opts=child_opts(self)
        )

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        args = self._args
        max_durations = {r.alias: r.max_session_duration_seconds for r in args.roles}
        databases = sorted(args.databases.items())
        endpoints = pulumi.Output.all(*[pulumi.Output.all(t.hostname, t.port) for _, t in databases]).apply(
            lambda values: {
                name: (host, int(port)) for (name, _), (host, port) in zip(databases, values, strict=True)
            }
        )
        return {
            "GROUP_CLAIM": args.group_claim,
            "DEFAULT_DURATION_SECONDS": str(args.default_duration_seconds),
            "MAX_DURATION_SECONDS": str(args.max_duration_seconds),
            "ROLE_MAP": pulumi.Output.all(**self.role_arns).apply(
                lambda arns: role_map(args.groups, arns, max_durations)
            ),
            "DB_MAP": endpoints.apply(lambda found: db_map(args.groups, found)),
        }

    def _function(
        self,
        function_name: str,
        role: aws.iam.Role,
        logs: aws.cloudwatch.LogGroup,
        depends_on: list[pulumi.Resource],
    ) -> aws.lambda_.Function:
        return aws.lambda_.Function(
            f"{self._name}-function",
            name=function_name,
            description="Token broker: exchanges a verified IdP token for short-lived staging credentials",
            role=role.arn,
            runtime="python3.12",
            architectures=["arm64"],
            handler=HANDLER,
            code=source_archive(self._args.code_dir),
            timeout=15,  # the handler's AWS calls time out and retry well within this
            memory_size=256,
            environment={"variables": self._environment()},
            kms_key_arn=self._args.kms_key_arn,
            logging_config={
                "log_format": "JSON",
                "log_group": logs.name,
                "application_log_level": "INFO",  # audit lines (plain JSON, no level) are logged as INFO
                "system_log_level": "INFO",
            },
            tags=with_name(self._args.tags, function_name),
            opts=child_opts(self, depends_on=depends_on),
        )

    def _api(self, function: aws.lambda_.Function) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        name, args = self._name, self._args
        api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=f"{args.name_prefix}-token-broker",
            description="Token broker: short-lived staging credentials for IdP-authenticated callers",
            protocol_type="HTTP",
            tags=with_name(args.tags, f"{name}-api"),
            opts=child_opts(self),
        )
        authorizer = aws.apigatewayv2.Authorizer(
            f"{name}-jwt",
            api_id=api.id,
            name="idp-jwt",
            authorizer_type="JWT",
            identity_sources=["$request.header.Authorization"],
            jwt_configuration={"issuer": args.issuer, "audiences": list(args.audiences)},
            opts=child_opts(self),
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=api.id,
            integration_type="AWS_PROXY",
            integration_uri=function.invoke_arn,
            payload_format_version="2.0",
            opts=child_opts(self),
        )
        for route_key, authenticated in ROUTES.items():
            aws.apigatewayv2.Route(
                f"{name}-route-{route_key.rsplit('/', 1)[-1]}",
                api_id=api.id,
                route_key=route_key,
                target=pulumi.Output.concat("integrations/", integration.id),
                authorization_type="JWT" if authenticated else "NONE",
                authorizer_id=authorizer.id if authenticated else None,
                opts=child_opts(self),
            )
        access_logs = encrypted_log_group(
            f"{name}-access-logs",
            parent=self,
            kms_key_arn=args.kms_key_arn,
            retention_days=args.log_retention_days,
            tags=args.tags,
        )
        aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
            default_route_settings={
                "throttling_rate_limit": args.throttling_rate_limit,
                "throttling_burst_limit": args.throttling_burst_limit,
                "detailed_metrics_enabled": True,
            },
            tags=with_name(args.tags, f"{name}-stage"),
            opts=child_opts(self),
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),  # this API only, any stage/route
            opts=child_opts(self),
        )
        return api.api_endpoint, access_logs.name

    def _ci(self, boundary: aws.iam.Policy) -> tuple[pulumi.Output[str] | None, pulumi.Output[str] | None]:
        ci = self._args.ci
        if ci is None:
            return None, None
        provider_arn = self._github_provider(ci)
        subjects = [github_subject(r.repository, r.environment) for r in ci.repositories]
        role = self._bounded_role(
            f"{self._name}-ci-deploy",
            role_name=f"{self._args.name_prefix}-ci-deploy",
            description="GitHub Actions deploy role for staging; trusted subjects are pinned exactly",
            trust=provider_arn.apply(lambda arn: github_trust_policy(arn, subjects)),
            max_session_seconds=ci.max_session_duration_seconds,
            access=ci.access,
            boundary=boundary,
        )
        return role.arn, provider_arn

    def _github_provider(self, ci: GithubCiArgs) -> pulumi.Output[str]:
        """The ARN of the account's GitHub OIDC provider: given, created here (``create_provider``), or
        looked up by URL (the default: IAM allows one provider per URL per account, so a second create
        fails with ``EntityAlreadyExists``)."""
        if ci.provider_arn is not None:
            return pulumi.Output.from_input(ci.provider_arn)
        url = f"https://{GITHUB_OIDC_HOST}"
        if ci.create_provider:
            return aws.iam.OpenIdConnectProvider(
                f"{self._name}-github-oidc",
                url=url,
                client_id_lists=[GITHUB_AUDIENCE],
                # No thumbprint: IAM verifies GitHub's certificate through its own trusted CAs.
                tags=with_name(self._args.tags, f"{self._name}-github-oidc"),
                opts=child_opts(self),
            ).arn
        found = aws.iam.get_open_id_connect_provider_output(
            url=url, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return found.arn


__all__ = [
    "AccessRoleArgs",
    "CiRepository",
    "DatabaseTarget",
    "GithubCiArgs",
    "GroupGrantArgs",
    "TokenBroker",
    "TokenBrokerArgs",
]
