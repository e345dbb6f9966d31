"""Access rules (``guardrails/access.py``), violating and compliant, through the pack process.

The baseline's token broker mirrors components/token_broker.py: a Lambda and its role, an HTTP API whose
routes require the JWT authorizer (``GET /v1/healthz`` excepted), a permission for API Gateway pinned to
the API, and an access role trusting only the Lambda's role with a source identity. ``deploy-role`` is
tagged ``access`` too but trusts GitHub OIDC only, which the broker-trust rule leaves alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.pack_session import findings
from tests.policies.cases import Mutation, case
from tests.policies.k8s_stack import meta
from tests.policies.stack import (
    ACCOUNT,
    API_ROUTE,
    BROKER_ROLE_ARN,
    IAM_ROLE,
    LAMBDA_PERMISSION,
    LAMBDA_URL,
    Stack,
    baseline,
    doc,
)

LAMBDA_PUBLIC = "lambda-not-publicly-invokable"
ROUTE_AUTH = "api-route-requires-authorization"
BROKER_TRUST = "access-role-trusts-only-broker"
TRUST_PUBLIC = "iam-role-trust-not-public"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

Statement = dict[str, Any]


def _trust(edit: Callable[[list[Statement]], Any], role: str = "access-readonly") -> Mutation:
    """Edit the statements of ``role``'s trust policy in place."""

    def mutate(s: Stack) -> None:
        document = json.loads(s[role].inputs["assumeRolePolicy"])
        edit(document["Statement"])
        s.set(role, assumeRolePolicy=json.dumps(document))

    return mutate


def _principal(principal: Any) -> Mutation:
    """Every statement of the access role's trust policy names ``principal`` (an ``AWS`` value or "*")."""

    def edit(statements: list[Statement]) -> None:
        for statement in statements:
            statement["Principal"] = principal if principal == "*" else {"AWS": principal}

    return _trust(edit)


def _assume_condition(condition: dict[str, Any] | None) -> Mutation:
    """Replace the Condition of the statement allowing sts:AssumeRole (None removes it)."""

    def edit(statements: list[Statement]) -> None:
        statements[0].pop("Condition", None)
        if condition is not None:
            statements[0]["Condition"] = condition

    return _trust(edit)


def _permission(name: str, **inputs: Any) -> Mutation:
    return lambda s: s.add(
        LAMBDA_PERMISSION,
        name,
        {"action": "lambda:InvokeFunction", **inputs},
        refs={"function": s["broker-fn"]},
    )


def _route(name: str, **inputs: Any) -> Mutation:
    return lambda s: s.add(API_ROUTE, name, inputs, refs={"apiId": s["broker-api"]})


def _method(name: str, **inputs: Any) -> Mutation:
    """A REST API method (``aws:apigateway/method:Method``) on a resource of a REST API."""
    return lambda s: s.add(
        "aws:apigateway/method:Method", name, {"restApi": "rest-1", "resourceId": "res-1", **inputs}
    )


def _role(name: str, *statements: Statement) -> Mutation:
    return lambda s: s.add(IAM_ROLE, name, {"maxSessionDuration": 3600, "assumeRolePolicy": doc(*statements)})


def _preview_broker_arn(s: Stack) -> None:
    """The broker role is new (its ARN is unknown in preview); the trust policy is built from its name."""
    s["broker-role"].outputs["arn"] = UNKNOWN
    s.set("broker-fn", role=UNKNOWN)


ANYONE_ASSUMES = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}

LAMBDA_CASES = [
    case(
        _permission("invoke-anyone", principal="*"),
        (LAMBDA_PUBLIC, "invoke-anyone"),
        id="lambda-principal-star",
    ),
    case(
        lambda s: s.set("broker-invoke", sourceArn=None),
        (LAMBDA_PUBLIC, "broker-invoke"),
        id="lambda-service-principal-without-source-arn",
    ),
    case(
        _permission("sns-invoke", principal="sns.amazonaws.com", sourceAccount=ACCOUNT),
        (LAMBDA_PUBLIC, "sns-invoke"),
        id="lambda-service-principal-with-source-account-only",
    ),
    case(
        _permission(
            "url-invoke", action="lambda:InvokeFunctionUrl", principal=ACCOUNT, functionUrlAuthType="NONE"
        ),
        (LAMBDA_PUBLIC, "url-invoke"),
        id="lambda-permission-url-auth-none",
    ),
    case(
        lambda s: s.add(
            LAMBDA_URL, "broker-url", {"authorizationType": "NONE"}, refs={"functionName": s["broker-fn"]}
        ),
        (LAMBDA_PUBLIC, "broker-url"),
        id="lambda-function-url-auth-none",
    ),
    case(
        lambda s: (
            s.add(
                LAMBDA_URL,
                "broker-url",
                {"authorizationType": "AWS_IAM"},
                refs={"functionName": s["broker-fn"]},
            ),
            _permission(
                "url-invoke",
                action="lambda:InvokeFunctionUrl",
                principal=f"arn:aws:iam::{ACCOUNT}:role/ops",
                functionUrlAuthType="AWS_IAM",
            )(s),
        ),
        id="lambda-function-url-aws-iam-for-one-role-ok",
    ),
    case(lambda s: s.set("broker-invoke", sourceArn=UNKNOWN), id="lambda-source-arn-unknown-in-preview-ok"),
    case(
        _permission("org-invoke", principal="*", principalOrgId="o-a1b2c3d4e5"),
        id="lambda-star-within-organization-ok",
    ),
    case(
        _permission(
            "s3-invoke", principal="*", sourceAccount=ACCOUNT, sourceArn="arn:aws:s3:::staging-assets"
        ),
        id="lambda-star-pinned-to-source-ok",
    ),
    case(
        _permission("any-bucket", principal="*", sourceArn="arn:aws:s3:::*"),
        (LAMBDA_PUBLIC, "any-bucket"),
        id="lambda-star-with-wildcard-source-arn",
    ),
]

ROUTE_CASES = [
    case(
        _route("route-admin", routeKey="POST /v1/admin", authorizationType="NONE"),
        (ROUTE_AUTH, "route-admin"),
        id="route-authorization-none",
    ),
    case(
        _route("route-default", routeKey="$default"),
        (ROUTE_AUTH, "route-default"),
        id="route-authorization-unset",
    ),
    case(
        lambda s: s.link("broker-route-db", "authorizerId", None),
        (ROUTE_AUTH, "broker-route-db"),
        id="jwt-route-without-authorizer",
    ),
    case(
        lambda s: None,
        (ROUTE_AUTH, "broker-route-healthz"),
        config={ROUTE_AUTH: {"publicRoutes": []}},
        id="healthz-not-public-by-config",
    ),
    case(
        _route("route-version", routeKey="GET /v1/version", authorizationType="NONE"),
        config={ROUTE_AUTH: {"publicRoutes": ["GET /v1/healthz", "GET /v1/version"]}},
        id="public-route-from-config-ok",
    ),
    case(_route("route-iam", routeKey="GET /v1/admin", authorizationType="AWS_IAM"), id="aws-iam-route-ok"),
    case(
        _method("rest-get", httpMethod="GET", authorization="NONE"),
        (ROUTE_AUTH, "rest-get"),
        id="rest-method-open",
    ),
    case(
        _method("rest-keyed", httpMethod="POST", authorization="NONE", apiKeyRequired=True),
        (ROUTE_AUTH, "rest-keyed"),
        id="rest-method-api-key-is-not-authorization",
    ),
    case(_method("rest-preflight", httpMethod="OPTIONS", authorization="NONE"), id="rest-cors-preflight-ok"),
    case(
        _method("rest-cognito", httpMethod="GET", authorization="COGNITO_USER_POOLS"),
        (ROUTE_AUTH, "rest-cognito"),
        id="rest-cognito-without-authorizer",
    ),
    case(_method("rest-iam", httpMethod="DELETE", authorization="AWS_IAM"), id="rest-aws-iam-ok"),
]

TRUST_CASES = [
    case(_principal(ROOT), (BROKER_TRUST, "access-readonly"), id="access-role-trusts-account-root"),
    case(_principal(ACCOUNT), (BROKER_TRUST, "access-readonly"), id="access-role-trusts-account-id"),
    case(
        _principal("arn:aws:iam::999999999999:role/staging-token-broker"),
        (BROKER_TRUST, "access-readonly"),
        id="access-role-trusts-foreign-role",
    ),
    case(
        lambda s: _principal(s["app-role"].outputs["arn"])(s),
        (BROKER_TRUST, "access-readonly"),
        id="access-role-trusts-stack-role-of-no-lambda",
    ),
    case(
        _principal([BROKER_ROLE_ARN, "arn:aws:iam::999999999999:role/other"]),
        (BROKER_TRUST, "access-readonly"),
        id="access-role-trusts-broker-and-another-role",
    ),
    case(
        _principal("*"),
        (BROKER_TRUST, "access-readonly"),
        (TRUST_PUBLIC, "access-readonly"),  # sts:SourceIdentity and aws:TagKeys say nothing about who
        id="access-role-trusts-star-with-condition",
    ),
    case(
        lambda s: s.set("access-readonly", assumeRolePolicy=doc(ANYONE_ASSUMES)),
        (BROKER_TRUST, "access-readonly"),
        (TRUST_PUBLIC, "access-readonly"),
        id="access-role-trusts-anyone",
    ),
    case(_assume_condition(None), (BROKER_TRUST, "access-readonly"), id="assume-without-source-identity"),
    case(
        _assume_condition({"StringNotEquals": {"sts:SourceIdentity": "nobody"}}),
        (BROKER_TRUST, "access-readonly"),
        id="negated-test-does-not-require-source-identity",
    ),
    case(
        _assume_condition({"StringLikeIfExists": {"sts:SourceIdentity": "*"}}),
        (BROKER_TRUST, "access-readonly"),
        id="if-exists-test-does-not-require-source-identity",
    ),
    case(
        _assume_condition({"Null": {"sts:SourceIdentity": "true"}}),
        (BROKER_TRUST, "access-readonly"),
        id="null-true-forbids-source-identity",
    ),
    case(
        _assume_condition({"Null": {"sts:sourceidentity": "false"}}),
        id="null-false-requires-source-identity-ok",
    ),
    case(
        _trust(lambda st: st.append({**st[2], "Sid": "Broad", "Action": "sts:*"})),
        (BROKER_TRUST, "access-readonly"),
        id="sts-wildcard-without-source-identity",
    ),
    case(_preview_broker_arn, id="principal-resolved-through-dependency-ok"),
    case(
        lambda s: (
            _preview_broker_arn(s),
            s["access-readonly"].property_dependencies.pop("assumeRolePolicy"),
        ),
        (BROKER_TRUST, "access-readonly"),
        id="literal-principal-without-reference-in-preview",
    ),
    case(
        lambda s: s.set("access-readonly", assumeRolePolicy=UNKNOWN),
        # resource rules report "can't run policy during preview" (advisory); the stack rule waits
        ("github-oidc-trust-pinned", "access-readonly"),
        (TRUST_PUBLIC, "access-readonly"),
        id="trust-policy-unknown-in-preview",
    ),
    case(
        _role("audit-role", {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}),
        id="untagged-role-trusting-account-is-not-an-access-role",
    ),
    case(
        _role("open-role", {**ANYONE_ASSUMES, "Principal": "*"}),
        (TRUST_PUBLIC, "open-role"),
        id="role-trusts-anyone",
    ),
    case(
        _role(
            "org-role",
            {
                **ANYONE_ASSUMES,
                "Principal": {"AWS": ["*"]},
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            },
        ),
        id="role-trusts-anyone-in-organization-ok",
    ),
    case(
        _role("tls-role", {**ANYONE_ASSUMES, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
        (TRUST_PUBLIC, "tls-role"),
        id="role-trusts-anyone-over-tls",
    ),
    case(
        _role("ip-role", {**ANYONE_ASSUMES, "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}),
        (TRUST_PUBLIC, "ip-role"),
        id="role-trusts-anyone-from-an-ip-range",
    ),
    case(
        _role(
            "account-role",
            {**ANYONE_ASSUMES, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}},
        ),
        id="role-trusts-anyone-in-own-account-ok",
    ),
    case(
        _role("not-role", {"Effect": "Allow", "NotPrincipal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}),
        (TRUST_PUBLIC, "not-role"),
        id="role-trusts-everyone-but-root",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
RBAC = "rbac-least-privilege"
RBAC_API = "kubernetes:rbac.authorization.k8s.io/v1"


def _binding(kind: str, role: str, *subjects: dict[str, Any], namespace: str | None = "apps") -> Mutation:
    def mutate(s: Stack) -> None:
        s.add(
            f"{RBAC_API}:{kind}",
            "team-binding",
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": kind,
                "metadata": meta("team", namespace),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                "subjects": list(subjects),
            },
        )

    return mutate


def _role(kind: str, *rules: dict[str, Any]) -> Mutation:
    def mutate(s: Stack) -> None:
        namespace = "apps" if kind == "Role" else None
        s.add(
            f"{RBAC_API}:{kind}",
            "team-role",
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta("team", namespace),
             "rules": list(rules)},
        )  # fmt: skip

    return mutate


GROUP = {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io"}
DEVS = {**GROUP, "name": "staging-developers"}
OTHER_SA = {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"}
OWN_SA = {"kind": "ServiceAccount", "name": "app", "namespace": "apps"}
READ_PODS = {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}

RBAC_CASES = [
    case(_binding("RoleBinding", "edit", DEVS), id="named-group-edit-ok"),
    case(_binding("RoleBinding", "edit", OWN_SA), id="own-service-account-ok"),
    case(
        _binding("RoleBinding", "view", {**GROUP, "name": "system:authenticated"}),
        (RBAC, "team-binding"),
        id="every-authenticated-user",
    ),
    case(
        _binding("RoleBinding", "edit", {**GROUP, "name": "system:serviceaccounts"}),
        (RBAC, "team-binding"),
        id="every-service-account",
    ),
    case(_binding("RoleBinding", "admin", OTHER_SA), (RBAC, "team-binding"), id="other-namespace-admin"),
    case(
        _binding("ClusterRoleBinding", "view", DEVS, namespace=None),
        (RBAC, "team-binding"),
        id="cluster-role-binding",
    ),
    case(
        _binding("ClusterRoleBinding", "view", DEVS, namespace=None),
        config={
            RBAC: {
                "exemptions": [
                    {
                        "resource": "team-binding",
                        "reason": "read-only dashboards need it",
                        "owner": "platform-team",
                        "expires": "2026-08-31",
                    }
                ]
            }
        },
        id="cluster-role-binding-exempted-ok",
    ),
    case(_role("Role", {**READ_PODS, "verbs": ["*"]}), (RBAC, "team-role"), id="wildcard-verbs"),
    case(
        _role("ClusterRole", {**READ_PODS, "resources": ["*"]}), (RBAC, "team-role"), id="wildcard-resources"
    ),
    case(_role("Role", READ_PODS), id="listed-verbs-and-resources-ok"),
]


CASES = [*LAMBDA_CASES, *ROUTE_CASES, *TRUST_CASES, *RBAC_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_access_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    stack = baseline()
    mutate(stack)
    assert findings(analyze(stack, config)) == expected


def _exemption(resource: str, expires: str = "2026-08-31") -> dict[str, Any]:
    reason = "temporary public entry point for the partner demo"
    return {"resource": resource, "reason": reason, "owner": "platform-team", "expires": expires}


@pytest.mark.parametrize(
    ("mutate", "rule", "resource", "reported_on"),
    [
        (
            _route("route-demo", routeKey="GET /v1/demo", authorizationType="NONE"),
            ROUTE_AUTH,
            "route-demo",
            "route-demo",  # resource rules report a broken exemption on the resources it matches
        ),
        (_principal(ROOT), BROKER_TRUST, "access-readonly", "<stack>"),  # stack rules: once, on the stack
    ],
    ids=["resource-rule", "stack-rule"],
)
def test_access_rules_honour_exemptions(
    analyze: Any, mutate: Mutation, rule: str, resource: str, reported_on: str
) -> None:
    stack = baseline()
    mutate(stack)
    active = analyze(stack, {rule: {"exemptions": [_exemption(resource)]}})
    assert findings(active) == set()
    assert [(e.policy, e.status) for e in active.exemptions] == [(rule, "active")]
    expired = analyze(stack, {rule: {"exemptions": [_exemption(resource, "2026-01-01")]}})
    assert findings(expired) == {(rule, resource), (rule, reported_on)}


def test_violation_messages_name_the_problem(analyze: Any) -> None:
    stack = baseline()
    _principal([BROKER_ROLE_ARN, ROOT])(stack)
    _assume_condition(None)(stack)
    details = sorted(v.detail for v in analyze(stack).violations)
    assert details == sorted(
        [
            f"statement BrokerAssumesWithSourceIdentity: principal {ROOT} trusts a whole account "
            "(any of its users and roles allowed by IAM).",
            f"statement BrokerSetsSourceIdentity: principal {ROOT} trusts a whole account "
            "(any of its users and roles allowed by IAM).",
            f"statement BrokerTagsSessions: principal {ROOT} trusts a whole account "
            "(any of its users and roles allowed by IAM).",
            "statement BrokerAssumesWithSourceIdentity allows sts:AssumeRole without requiring "
            "sts:SourceIdentity: sessions would not name the person behind them.",
        ]
    )
