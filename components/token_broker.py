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

The Lambda's environment is the contract of ``functions/token_broker/environment.py``, which both this
component (writing) and the handler's ``config.py`` (reading) use: ``GROUP_CLAIM``,
``DEFAULT_DURATION_SECONDS``, ``MAX_DURATION_SECONDS``, ``ROLE_MAP`` and ``DB_MAP`` (JSON). The arguments
are in ``components/token_broker_args.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pulumi
import pulumi_aws as aws

from components.aws_limits import GITHUB_AUDIENCE, GITHUB_OIDC_HOST
from components.common import (
    AwsContext,
    StagingComponent,
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
from components.token_broker_api import http_api
from components.token_broker_args import (
    HANDLER,
    ROLE_MAX_SESSION_SECONDS,
    AccessRoleArgs,
    CiRepository,
    DatabaseTarget,
    GithubCiArgs,
    GroupGrantArgs,
    TokenBrokerArgs,
    check_args,
    function_name,
    source_archive,
)
from functions.token_broker import environment as contract
from functions.token_broker.environment import (
    DatabaseEntry,
    RoleEntry,
    encode_db_map,
    encode_role_map,
)


class _CiTrust(NamedTuple):
    """The CI deploy role and the OIDC provider it trusts (both None without ``ci``)."""

    deploy_role_arn: pulumi.Output[str] | None
    oidc_provider_arn: pulumi.Output[str] | None


class TokenBroker(StagingComponent):
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
        super().__init__(name, opts)
        self._name, self._args = name, args
        self._ctx = AwsContext(self)
        lambda_name = function_name(args)
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
            log_group_name=f"/aws/lambda/{lambda_name}",
        )
        self.audit_log_group_name = audit_logs.name
        policy = self._function_policy(function_role, lambda_name, audit_logs)
        function = self._function(lambda_name, function_role, audit_logs, [audit_logs, policy])
        self.function_name = function.name
        self.api_endpoint, self.access_log_group_name = http_api(self, name, args, function)
        self.deploy_role_arn, self.oidc_provider_arn = self._ci(boundary)
        self.register()

    def _function_role(self) -> aws.iam.Role:
        trust = self._ctx.account_id.apply(
            lambda account: assume_role_policy(
                "lambda.amazonaws.com", {"StringEquals": {"aws:SourceAccount": account}}
            )
        )
        return aws.iam.Role(
            f"{self._name}-function-role",
            name=function_name(self._args),
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
        """The Lambda's environment (``functions/token_broker/environment.py``): grant tables as JSON."""
        args = self._args
        max_durations = {r.alias: r.max_session_duration_seconds for r in args.roles}
        databases = sorted(args.databases.items())
        endpoints = pulumi.Output.all(*[pulumi.Output.all(t.hostname, t.port) for _, t in databases]).apply(
            lambda values: {
                name: (host, int(port)) for (name, _), (host, port) in zip(databases, values, strict=True)
            }
        )
        return {
            contract.GROUP_CLAIM: args.group_claim,
            contract.DEFAULT_DURATION_SECONDS: str(args.default_duration_seconds),
            contract.MAX_DURATION_SECONDS: str(args.max_duration_seconds),
            contract.ROLE_MAP: pulumi.Output.all(**self.role_arns).apply(
                lambda arns: role_map(args.groups, arns, max_durations)
            ),
            contract.DB_MAP: endpoints.apply(lambda found: db_map(args.groups, found)),
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

    def _ci(self, boundary: aws.iam.Policy) -> _CiTrust:
        ci = self._args.ci
        if ci is None:
            return _CiTrust(None, None)
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
        return _CiTrust(role.arn, provider_arn)

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


def role_map(
    groups: Mapping[str, GroupGrantArgs], role_arns: Mapping[str, str], max_durations: Mapping[str, int]
) -> str:
    """``ROLE_MAP``: group -> role alias -> role ARN and the broker's session limit for it."""
    return encode_role_map(
        {
            group: {alias: RoleEntry(role_arns[alias], max_durations[alias]) for alias in grant.roles}
            for group, grant in groups.items()
        }
    )


def db_map(groups: Mapping[str, GroupGrantArgs], endpoints: Mapping[str, tuple[str, int]]) -> str:
    """``DB_MAP``: group -> database -> where it listens and the user; the region is the Lambda's."""
    return encode_db_map(
        {
            group: {db: DatabaseEntry(*endpoints[db], user) for db, user in grant.databases.items()}
            for group, grant in groups.items()
        }
    )


__all__ = [
    "AccessRoleArgs",
    "CiRepository",
    "DatabaseTarget",
    "GithubCiArgs",
    "GroupGrantArgs",
    "TokenBroker",
    "TokenBrokerArgs",
    "check_args",
    "source_archive",
]
