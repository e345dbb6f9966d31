"""Credentials: short-lived, federated, least-privilege; no passwords or keys in the program."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _iam
from . import _types as t
from ._kms import cmk_problem
from ._props import as_list, is_set, known, peek, statements, strings
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

_MANDATORY = EnforcementLevel.MANDATORY

NO_IAM_USERS = RuleSpec(
    name="no-iam-users",
    concern="credentials",
    description="No IAM users, access keys, login profiles or user policies: people and CI use roles.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Delete the IAM user resources. People sign in through IAM Identity Center or the token "
    "broker (short-lived STS credentials); CI assumes a role through GitHub OIDC.",
    equivalents=Equivalents(checkov=("CKV_AWS_273",), cdk_nag=("NIST.800.53.R5-IAMUserNoPolicies",)),
)


def _check_no_users(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    yield f"{ctx.resource_type} creates or equips an IAM user: long-lived credentials outside SSO."


SESSION_DURATION = RuleSpec(
    name="iam-role-max-session-duration",
    concern="credentials",
    description="IAM roles must cap sessions at the configured maximum (default one hour).",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Lower maxSessionDuration on the role (seconds) to at most maxSessionDurationSeconds; "
    "callers re-assume the role when credentials expire.",
    settings={
        "maxSessionDurationSeconds": {
            "type": "integer",
            # IAM accepts MaxSessionDuration of 3600-43200 s only (IAM API Reference, CreateRole): a lower
            # limit would make every role an unfixable violation. Shorter sessions are the caller's
            # DurationSeconds (the token broker's), not a role setting.
            "minimum": 3600,
            "maximum": 43200,
            "default": 3600,
            "description": "longest allowed maxSessionDuration, in seconds (3600-43200: IAM's own range for "
            "MaxSessionDuration, IAM API Reference CreateRole; shorter sessions are set by the caller's "
            "DurationSeconds)",
        }
    },
)


def _check_session_duration(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    limit = ctx.setting("maxSessionDurationSeconds")
    duration = known(props, "maxSessionDuration")  # absent: AWS default 3600 s
    effective = 3600 if duration is None else duration
    if effective > limit:
        yield f"maxSessionDuration is {int(effective)} s, above the {int(limit)} s limit."


WILDCARD_ADMIN = RuleSpec(
    name="iam-no-wildcard-admin",
    concern="credentials",
    description="IAM policies must not allow every action, or every action of a service on every resource.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="List the actions the workload calls and the ARNs it calls them on; build the document "
    "as json.dumps of plain dicts (components.common.policy_document).",
    equivalents=Equivalents(
        checkov=("CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_286", "CKV_AWS_355"),
        cdk_nag=(
            "AwsSolutions-IAM5",
            "NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess",
            "NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess",
        ),
    ),
)


def _wildcard_problem(statement: Mapping[str, Any]) -> str | None:
    if not _iam.is_allow(statement):
        return None
    if "NotAction" in statement:
        return "Allow with NotAction grants every action except the listed ones"
    actions = _iam.values(statement, "Action")
    if "*" in actions or "*:*" in actions:
        return "Action '*' grants every action"
    service_wide = [a for a in actions if a.endswith(":*")]
    if service_wide and "*" in _iam.values(statement, "Resource"):
        return f"Action {', '.join(service_wide)} on Resource '*' grants a whole service everywhere"
    return None


def _documents(props: Mapping[str, Any], resource_type: str) -> list[tuple[str, Any]]:
    """(label, document) pairs of the permission policies a resource carries."""
    if resource_type == t.IAM_ROLE:
        inline = [p for p in as_list(known(props, "inlinePolicies")) if isinstance(p, Mapping)]
        return [(f"inlinePolicies[{i}]", known(p, "policy")) for i, p in enumerate(inline)]
    return [("policy", known(props, "policy"))]


def _check_wildcards(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for label, document in _documents(props, ctx.resource_type):
        for i, statement in enumerate(statements(document)):
            problem = _wildcard_problem(statement)
            if problem:
                yield f"{label} statement {statement.get('Sid') or f'#{i}'}: {problem}."


ADMIN_MANAGED_POLICY = RuleSpec(
    name="iam-no-admin-managed-policy",
    concern="credentials",
    description="No role, group, user or permission set may be given an AWS managed full-access policy "
    "(AdministratorAccess, PowerUserAccess, IAMFullAccess and the like).",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Attach a customer managed policy that lists the actions and ARNs the principal calls "
    "(components.common.policy_document builds one); AWS managed service-role policies such as "
    "AmazonECSTaskExecutionRolePolicy stay allowed.",
    equivalents=Equivalents(checkov=("CKV_AWS_274", "CKV2_AWS_56"), cdk_nag=("AwsSolutions-IAM4",)),
    settings={
        "forbiddenManagedPolicies": {
            "type": "array",
            "items": {"type": "string"},
            # Each grants (nearly) the whole account, per its page in the AWS Managed Policy Reference:
            # AdministratorAccess ("*" on "*"), PowerUserAccess (everything but IAM and Organizations
            # management), IAMFullAccess (iam:*, so it can grant itself the rest),
            # AWSOrganizationsFullAccess (SCPs, accounts), AdministratorAccess-Amplify and
            # AdministratorAccess-AWSElasticBeanstalk ("account administrative permissions").
            # cdk-nag's AwsSolutions-IAM4 flags every AWS managed policy; service-role policies are
            # legitimate, so only full-access ones are listed.
            "default": [
                "AdministratorAccess",
                "PowerUserAccess",
                "IAMFullAccess",
                "AWSOrganizationsFullAccess",
                "AdministratorAccess-Amplify",
                "AdministratorAccess-AWSElasticBeanstalk",
            ],
            "description": "names of AWS managed policies (arn:aws:iam::aws:policy/[path/]NAME) that no "
            "principal of the stack may be given",
        }
    },
)
#: ``arn:<partition>:iam::aws:policy/<path/><name>``: an AWS managed policy (account field ``aws``).
_AWS_MANAGED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(?P<name>[^/]+)$")


def _check_admin_managed(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    prop = t.MANAGED_POLICY_ATTACHMENTS[ctx.resource_type]
    forbidden = set(ctx.setting("forbiddenManagedPolicies"))
    # An ARN unknown during preview is computed, so a customer managed policy of this stack (whose
    # statements iam-no-wildcard-admin checks); AWS managed ARNs are literals.
    for arn in strings(peek(props, prop)):
        match = _AWS_MANAGED_ARN.match(arn)
        if match and match["name"] in forbidden:
            name = match["name"]
            yield f"{prop} attaches the AWS managed policy {name} ({arn}): full access to the account."


RDS_IAM_AUTH = RuleSpec(
    name="rds-iam-auth-enabled",
    concern="credentials",
    description="RDS and Aurora databases must accept IAM authentication (short-lived tokens).",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set iamDatabaseAuthenticationEnabled=true; people and workloads connect with "
    "rds generate-db-auth-token (via the token broker) instead of shared passwords.",
    equivalents=Equivalents(checkov=("CKV_AWS_161", "CKV_AWS_162"), cdk_nag=("AwsSolutions-RDS6",)),
)
#: Engines that support IAM database authentication.
_IAM_AUTH_ENGINES = ("postgres", "aurora-postgresql", "mysql", "aurora-mysql", "mariadb", "aurora")


def _check_rds_iam_auth(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    engine = peek(props, "engine")
    if isinstance(engine, str) and not engine.startswith(_IAM_AUTH_ENGINES):
        return
    if is_set(peek(props, "replicateSourceDb")):
        return  # replicas follow their source
    if known(props, "iamDatabaseAuthenticationEnabled") is not True:
        yield "iamDatabaseAuthenticationEnabled is not true: only password logins are possible."


MANAGED_PASSWORD = RuleSpec(
    name="rds-managed-master-password",
    concern="credentials",
    description="Database master passwords must be generated and rotated by RDS in Secrets Manager, "
    "encrypted with the stack's CMK; never set in the program.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Remove password/masterPassword, set manageMasterUserPassword=true and "
    "masterUserSecretKmsKeyId to the SecretVault key's ARN.",
)
#: Database type -> (password properties that must be absent, property marking a replica).
_PASSWORD_PROPS = {
    t.RDS_INSTANCE: (("password", "passwordWo"), "replicateSourceDb"),
    t.RDS_CLUSTER: (("masterPassword", "masterPasswordWo"), "replicationSourceIdentifier"),
}


def _check_managed_password(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    password_props, replica_prop = _PASSWORD_PROPS[ctx.resource_type]
    for prop in password_props:
        if is_set(peek(props, prop)):
            yield f"{prop} is set: the master password lives in the program and its state."
    if is_set(peek(props, replica_prop)):
        return  # replicas have no master user of their own
    if known(props, "manageMasterUserPassword") is not True:
        yield "manageMasterUserPassword is not true: RDS does not own and rotate the master password."
    elif problem := cmk_problem(
        peek(props, "masterUserSecretKmsKeyId"),
        "masterUserSecretKmsKeyId",
        "the master-password secret uses aws/secretsmanager",
    ):
        yield problem


GITHUB_OIDC = RuleSpec(
    name="github-oidc-trust-pinned",
    concern="credentials",
    description="Roles trusting GitHub Actions OIDC must pin the token's sub claim to a repository.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="In the trust policy add StringEquals (or StringLike) on "
    "token.actions.githubusercontent.com:sub with values like repo:<org>/<repo>:environment:<env>, "
    "and StringEquals token.actions.githubusercontent.com:aud = sts.amazonaws.com.",
    equivalents=Equivalents(checkov=("CKV_AWS_358",)),
)
_GITHUB_ISSUER = "token.actions.githubusercontent.com"
#: ``repo:<owner>/<repo>:<rest>`` with a literal owner and repository and a non-wildcard remainder.
_PINNED_SUB = re.compile(r"^repo:[^/*?\[\]]+/[^/*?:\[\]]+:(?!\*$).+$")


def _trusts_github(statement: Mapping[str, Any]) -> bool:
    return any(p.endswith(_GITHUB_ISSUER) for p in _iam.principals(statement, "Federated"))


def _check_github_trust(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for i, statement in enumerate(statements(known(props, "assumeRolePolicy"))):
        if not (_iam.is_allow(statement) and _trusts_github(statement)):
            continue
        sid = statement.get("Sid") or f"#{i}"
        subs = _iam.condition_values(statement, ("StringEquals", "StringLike"), f"{_GITHUB_ISSUER}:sub")
        if not subs:
            yield (
                f"statement {sid} trusts GitHub OIDC without a condition on {_GITHUB_ISSUER}:sub: "
                "any repository can assume the role."
            )
            continue
        loose = [s for s in subs if not _PINNED_SUB.match(s)]
        if loose:
            shown = ", ".join(loose)
            yield f"statement {sid} allows sub {shown}: pin repo:<org>/<repo>:<ref or environment>."


MSK_IAM_ONLY = RuleSpec(
    name="msk-client-auth-iam-only",
    concern="credentials",
    description="MSK clusters must authenticate clients with IAM only (no anonymous, SCRAM or mTLS access).",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set clientAuthentication.sasl.iam=true and remove unauthenticated, sasl.scram and "
    "tls.certificateAuthorityArns; grant kafka-cluster:* actions to roles instead.",
)


def _check_msk_auth(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    auth = ("clientAuthentication",)
    if known(props, *auth, "sasl", "iam") is not True:
        yield "clientAuthentication.sasl.iam is not true: clients cannot use IAM."
    if known(props, *auth, "unauthenticated") is True:
        yield "clientAuthentication.unauthenticated is true: anyone on the network can connect."
    if known(props, *auth, "sasl", "scram") is True:
        yield "clientAuthentication.sasl.scram is true: password-based access bypasses IAM."
    if as_list(known(props, *auth, "tls", "certificateAuthorityArns")):
        yield "clientAuthentication.tls.certificateAuthorityArns is set: client certificates bypass IAM."


POLICIES = [
    resource_rule(NO_IAM_USERS, t.IAM_USER_TYPES, _check_no_users),
    resource_rule(SESSION_DURATION, {t.IAM_ROLE}, _check_session_duration),
    resource_rule(
        WILDCARD_ADMIN,
        {t.IAM_ROLE, t.IAM_POLICY, t.IAM_ROLE_POLICY, t.IAM_GROUP_POLICY, t.IAM_USER_POLICY},
        _check_wildcards,
    ),
    resource_rule(ADMIN_MANAGED_POLICY, set(t.MANAGED_POLICY_ATTACHMENTS), _check_admin_managed),
    resource_rule(RDS_IAM_AUTH, {t.RDS_INSTANCE, t.RDS_CLUSTER}, _check_rds_iam_auth),
    resource_rule(MANAGED_PASSWORD, set(_PASSWORD_PROPS), _check_managed_password),
    resource_rule(GITHUB_OIDC, {t.IAM_ROLE}, _check_github_trust),
    resource_rule(MSK_IAM_ONLY, {t.MSK_CLUSTER}, _check_msk_auth),
]
