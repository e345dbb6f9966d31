"""Access: who may invoke the stack's functions and APIs, who may assume its roles, and what Kubernetes RBAC
grants (``rbac-least-privilege``: no binding to every authenticated user, every unauthenticated one or every
service account; no service account of another namespace bound to ``admin``, ``edit`` or ``cluster-admin``;
no Role or ClusterRole with ``*`` in verbs or resources; a ClusterRoleBinding needs an exemption: staging
stacks work in their namespace; Kubernetes docs, "Using RBAC Authorization").

Staging is reached through the token broker: an HTTP API whose routes require the IdP's JWT (a health
check excepted), in front of a Lambda only that API may invoke. The access roles it hands out trust
only the broker's execution role, and only for sessions that carry the caller as source identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _iam
from . import _types as t
from ._k8s import namespace_of
from ._props import UNKNOWN, as_list, is_set, known, peek, statements, tag_map
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

_MANDATORY = EnforcementLevel.MANDATORY

LAMBDA_NOT_PUBLIC = RuleSpec(
    name="lambda-not-publicly-invokable",
    concern="access",
    description="Lambda functions must not be invokable by anyone: no wildcard principal unless "
    "principalOrgId, sourceAccount or sourceArn names the owner, no service principal without sourceArn, "
    "no function URL without authentication.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Grant lambda:InvokeFunction to the one caller that needs it: a service principal with "
    "sourceArn set to the calling resource (for API Gateway the API's executionArn + '/*/*'), or a "
    "specific account or role. Use authorizationType/functionUrlAuthType AWS_IAM for function URLs, or "
    "put the function behind the API and its authorizer.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_301", "CKV_AWS_364", "CKV_AWS_258"),
        cdk_nag=("NIST.800.53.R5-LambdaFunctionPublicAccessProhibited",),
    ),
)
#: Suffixes of AWS service principals (``apigateway.amazonaws.com``; China regions add ``.cn``).
_SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


#: Permission parameter -> the condition key Lambda adds to the policy statement for it (Lambda API
#: reference, AddPermission: PrincipalOrgID, SourceAccount, SourceArn).
_LAMBDA_CONDITIONS = {
    "principalOrgId": "aws:principalorgid",
    "sourceAccount": "aws:sourceaccount",
    "sourceArn": "aws:sourcearn",
}


def _names_caller_owner(props: Mapping[str, Any]) -> bool:
    """True when a parameter restricts a ``*`` principal to an organization, account or source ARN.

    A value unknown during preview is computed from another resource (an ARN, an account id) and counts.
    """
    for prop, key in _LAMBDA_CONDITIONS.items():
        value = peek(props, prop)
        if value is UNKNOWN or _iam.pins_owner(key, value):
            return True
    return False


def _check_lambda_public(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type == t.LAMBDA_FUNCTION_URL:
        if known(props, "authorizationType") == "NONE":
            yield "authorizationType is NONE: anyone on the internet can call the function URL unsigned."
        return
    principal = known(props, "principal")
    if isinstance(principal, str) and "*" in principal:
        if not _names_caller_owner(props):
            yield (
                f"principal is {principal!r} and no principalOrgId, sourceAccount or sourceArn names an "
                "owner: any AWS account (or anyone) can invoke the function."
            )
    elif (
        isinstance(principal, str)
        and principal.endswith(_SERVICE_SUFFIXES)
        and not is_set(peek(props, "sourceArn"))
    ):
        yield (
            f"principal {principal} without sourceArn: any {principal} resource, in any account, can "
            "invoke the function (confused deputy)."
        )
    if known(props, "functionUrlAuthType") == "NONE":
        yield "functionUrlAuthType is NONE: the function URL accepts unauthenticated calls."


ROUTE_AUTHORIZATION = RuleSpec(
    name="api-route-requires-authorization",
    concern="access",
    description="API Gateway HTTP API routes and REST API methods must require authorization, except the "
    "configured public routes and CORS preflight (OPTIONS) methods.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set authorizationType=JWT (or CUSTOM) with authorizerId pointing at the API's "
    "authorizer, or AWS_IAM; list deliberately anonymous HTTP API routes (health checks) in publicRoutes. "
    "REST methods: authorization=CUSTOM or COGNITO_USER_POOLS with authorizerId, or AWS_IAM (an API key is "
    "not authorization); record a deliberately anonymous REST method as an exemption.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_309", "CKV_AWS_59", "CKV2_AWS_70"), cdk_nag=("AwsSolutions-APIG4",)
    ),
    settings={
        "publicRoutes": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["GET /v1/healthz"],
            "description": "route keys that may be called without authorization",
        }
    },
)
#: Authorization types that name an authorizer of the API.
_AUTHORIZER_TYPES = ("JWT", "CUSTOM")


#: REST API authorization types that name an authorizer (API Gateway API reference, PutMethod).
_REST_AUTHORIZER_TYPES = ("CUSTOM", "COGNITO_USER_POOLS")


def _check_rest_method(props: Mapping[str, Any]) -> Iterator[str]:
    """A REST method: OPTIONS may stay open (browsers send CORS preflights without credentials). API keys
    identify a client for usage plans and throttling; the API Gateway Developer Guide ("Usage plans and
    API keys for REST APIs", best practices) says not to use them for authentication or authorization."""
    method = known(props, "httpMethod")
    authorization = known(props, "authorization") or "NONE"
    if authorization == "NONE" and method != "OPTIONS":
        yield f"{method} method has authorization NONE: anyone can call it (an API key does not authorize)."
    elif authorization in _REST_AUTHORIZER_TYPES and not is_set(peek(props, "authorizerId")):
        yield f"{method} method has authorization {authorization} but no authorizerId."


def _check_route(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if ctx.resource_type == t.APIGW_METHOD:
        yield from _check_rest_method(props)
        return
    route_key = known(props, "routeKey")
    authorization = known(props, "authorizationType") or "NONE"
    if authorization == "NONE":
        if route_key not in list(ctx.setting("publicRoutes")):
            yield (
                f"route {route_key!r} has authorizationType NONE: anyone can call it "
                "(it is not in publicRoutes)."
            )
    elif authorization in _AUTHORIZER_TYPES and not is_set(peek(props, "authorizerId")):
        yield f"route {route_key!r} has authorizationType {authorization} but no authorizerId."


ACCESS_ROLE_TRUST = RuleSpec(
    name="access-role-trusts-only-broker",
    concern="access",
    description="Roles tagged 'access' may be assumed only by the execution role of a Lambda function of "
    "this stack (the token broker), and only with a source identity.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Build the trust policy with components.iam.broker_trust_policy(<broker role ARN>): "
    "Principal AWS = the broker function's role ARN (a reference to that role, not an account or "
    "'*'), and Condition StringLike sts:SourceIdentity on every statement allowing sts:AssumeRole.",
    equivalents=Equivalents(checkov=("CKV_AWS_61",)),
)
#: Tag marking the staging access roles (its value is the permission preset).
ACCESS_TAG = "access"
_ACCOUNT = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$")
#: ``arn:<partition>:iam::<account>:role/<path/><name>`` -> name.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/(?:.*/)?(?P<name>[^/]+)$")


def _tags(res: PolicyResource) -> dict[str, Any]:
    return {**tag_map(peek(res.props, "tagsAll")), **tag_map(peek(res.props, "tags"))}


def _trusted_roles(principal: str, role: PolicyResource, index: StackIndex) -> list[PolicyResource]:
    """Stack roles ``principal`` names.

    By value: the principal is a role's ARN (or id or name). By reference: the principal is a role ARN
    ending in the name of a role the trust policy depends on whose own ARN is not known yet (a preview
    of a new role; the program built the ARN from the name). A role whose ARN is known is matched by
    value only, so an ARN in another account or path that merely ends in its name does not count.
    """
    found = index.identified_by(principal, {t.IAM_ROLE})
    arn = _ROLE_ARN.match(principal)
    if arn:
        found += [
            dep
            for dep in role.property_dependencies.get("assumeRolePolicy", [])
            if dep.resource_type == t.IAM_ROLE
            and not isinstance(peek(dep.props, "arn"), str)
            and peek(dep.props, "name") == arn["name"]
        ]
    return found


def _principal_problem(
    principal: str, role: PolicyResource, index: StackIndex, broker_roles: set[str]
) -> str | None:
    if "*" in principal:
        return f'principal "{principal}" trusts every AWS account'
    if _ACCOUNT.match(principal):
        return f"principal {principal} trusts a whole account (any of its users and roles allowed by IAM)"
    trusted = _trusted_roles(principal, role, index)
    if not trusted:
        return f"principal {principal} is not a role of this stack"
    if not any(r.urn in broker_roles for r in trusted):
        return (
            f"principal {principal} (role {trusted[0].name}) is not the execution role of a Lambda function"
        )
    return None


def _check_access_roles(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    broker_roles = {
        role.urn
        for fn in index.of_type(t.LAMBDA_FUNCTION)
        for role in index.referenced(fn, "role", {t.IAM_ROLE})
    }
    for role in index.of_type(t.IAM_ROLE):
        if ACCESS_TAG not in _tags(role):
            continue
        # An unknown trust policy (preview, principal computed later) is checked when it is known.
        for i, statement in enumerate(statements(peek(role.props, "assumeRolePolicy"))):
            aws = _iam.principals(statement, "AWS")
            if not (_iam.is_allow(statement) and aws):
                continue  # Federated (GitHub OIDC) and service trust are other rules' business
            sid = statement.get("Sid") or f"#{i}"
            for principal in aws:
                problem = _principal_problem(principal, role, index, broker_roles)
                if problem:
                    yield Finding(role, f"statement {sid}: {problem}.")
            if _iam.grants_action(statement, "sts:AssumeRole") and not _iam.requires_key(
                statement, "sts:SourceIdentity"
            ):
                yield Finding(
                    role,
                    f"statement {sid} allows sts:AssumeRole without requiring sts:SourceIdentity: "
                    "sessions would not name the person behind them.",
                )


TRUST_NOT_PUBLIC = RuleSpec(
    name="iam-role-trust-not-public",
    concern="access",
    description="No IAM role may trust every AWS principal unless a condition restricts who can assume it.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Name the trusted principals in the trust policy (a role ARN, a service principal, an "
    "OIDC provider), or, if '*' is really meant, restrict it with StringEquals on aws:PrincipalOrgID or "
    "aws:PrincipalAccount (conditions such as aws:SecureTransport or sts:SourceIdentity restrict nobody).",
    equivalents=Equivalents(checkov=("CKV_AWS_60",)),
)


def _check_trust_not_public(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for sid in _iam.public_sids(statements(known(props, "assumeRolePolicy"))):
        yield f"statement {sid} {_iam.PUBLIC_GRANT}: anyone can assume the role."


RBAC = RuleSpec(
    name="rbac-least-privilege",
    concern="access",
    description="RBAC must not grant to broad groups or other namespaces' service accounts, use wildcards, "
    "or bind cluster-wide without an exemption.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Bind named users, groups or this namespace's service accounts to Roles that list their "
    "verbs and resources; use a RoleBinding in the staging namespace. A ClusterRoleBinding a staging stack "
    "really needs gets an exemption with a reason, owner and expiry.",
    equivalents=Equivalents(
        checkov=("CKV_K8S_49",),
        kyverno=(
            "restrict-binding-system-groups",
            "restrict-wildcard-verbs",
            "restrict-wildcard-resources",
            "restrict-binding-clusteradmin",
        ),
    ),
)
#: Groups every user or service account belongs to (Kubernetes docs, "Using RBAC Authorization": default
#: roles and role bindings; "Referring to subjects").
BROAD_GROUPS = ("system:authenticated", "system:unauthenticated", "system:serviceaccounts")
POWERFUL_ROLES = frozenset({"cluster-admin", "admin", "edit"})
ROLE_TYPES = frozenset(
    {"kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"}
)
BINDING_TYPES = frozenset(
    {
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    }
)


def _broad(subject: Any) -> bool:
    name = peek(subject, "name")
    return peek(subject, "kind") == "Group" and isinstance(name, str) and name.startswith(BROAD_GROUPS)


def _check_binding(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    cluster_wide = ctx.resource_type.endswith(":ClusterRoleBinding")
    if cluster_wide:
        yield "a ClusterRoleBinding grants its role in every namespace; a staging stack needs an exemption."
    role = peek(props, "roleRef", "name")
    namespace = namespace_of(props)
    for i, subject in enumerate(as_list(peek(props, "subjects"))):
        name = peek(subject, "name")
        if _broad(subject):
            yield f"subjects[{i}] is the group {name!r}: every such identity gets role {role!r}."
        subject_ns = peek(subject, "namespace")
        foreign = peek(subject, "kind") == "ServiceAccount" and subject_ns not in (None, namespace)
        if foreign and not cluster_wide and role in POWERFUL_ROLES:
            yield f"subjects[{i}] is service account {subject_ns}/{name}: another namespace gets {role!r}."


def _check_role(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for i, rule in enumerate(as_list(peek(props, "rules"))):
        for key in ("verbs", "resources"):
            if "*" in as_list(peek(rule, key)):
                yield f"rules[{i}].{key} has '*': it grants whatever exists now or is added later."


def _check_rbac(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    check = _check_role if ctx.resource_type in ROLE_TYPES else _check_binding
    yield from check(props, ctx)


POLICIES = [
    resource_rule(RBAC, BINDING_TYPES | ROLE_TYPES, _check_rbac),
    resource_rule(LAMBDA_NOT_PUBLIC, {t.LAMBDA_PERMISSION, t.LAMBDA_FUNCTION_URL}, _check_lambda_public),
    resource_rule(ROUTE_AUTHORIZATION, {t.APIGW2_ROUTE, t.APIGW_METHOD}, _check_route),
    stack_rule(ACCESS_ROLE_TRUST, {t.IAM_ROLE}, _check_access_roles),
    resource_rule(TRUST_NOT_PUBLIC, {t.IAM_ROLE}, _check_trust_not_public),
]
