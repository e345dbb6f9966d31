"""Credential rules added for what teams attach (``guardrails/credentials.py``): AWS managed full-access
policies, inline group and user policies, and the session-duration limit. The other credential rules'
cases are in ``test_rules.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import ACCOUNT, Stack, doc

ADMIN = "iam-no-admin-managed-policy"
WILDCARD = "iam-no-wildcard-admin"
USERS = "no-iam-users"
SESSION = "iam-role-max-session-duration"
AWS_POLICY = "arn:aws:iam::aws:policy/"
EVERYTHING = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})


def _attach(type_: str, name: str, target_prop: str, target: str, **inputs: Any) -> Mutation:
    return lambda s: s.add(type_, name, inputs, refs={target_prop: s[target]})


def _group(s: Stack) -> Any:
    return s.add("aws:iam/group:Group", "ops")


def _role_attachment(policy_arn: Any) -> Mutation:
    return _attach(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "app-admin",
        "role",
        "app-role",
        policyArn=policy_arn,
    )


MANAGED_CASES = [
    case(
        _role_attachment(f"{AWS_POLICY}AdministratorAccess"),
        (ADMIN, "app-admin"),
        id="role-administrator-access",
    ),
    case(
        _role_attachment("arn:aws-cn:iam::aws:policy/AdministratorAccess"),
        (ADMIN, "app-admin"),
        id="china-partition-administrator-access",
    ),
    case(
        _role_attachment(f"{AWS_POLICY}service-role/AmazonECSTaskExecutionRolePolicy"),
        id="service-role-managed-policy-ok",
    ),
    case(_role_attachment(f"{AWS_POLICY}job-function/ViewOnlyAccess"), id="view-only-managed-policy-ok"),
    case(
        _role_attachment(f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"),
        id="customer-managed-policy-named-like-aws-ok",  # its statements are iam-no-wildcard-admin's business
    ),
    case(_role_attachment(UNKNOWN), id="policy-arn-unknown-in-preview-ok"),
    case(
        _role_attachment(f"{AWS_POLICY}ReadOnlyAccess"),
        (ADMIN, "app-admin"),
        config={ADMIN: {"forbiddenManagedPolicies": ["ReadOnlyAccess"]}},
        id="configured-forbidden-policy",
    ),
    case(
        lambda s: s.set(
            "app-role",
            managedPolicyArns=[f"{AWS_POLICY}AWSXRayDaemonWriteAccess", f"{AWS_POLICY}PowerUserAccess"],
        ),
        (ADMIN, "app-role"),
        id="role-managed-policy-arns-power-user",
    ),
    case(
        lambda s: s.add(
            "aws:iam/policyAttachment:PolicyAttachment",
            "everyone-admin",
            {"policyArn": f"{AWS_POLICY}AdministratorAccess", "roles": [s["app-role"].id]},
        ),
        (ADMIN, "everyone-admin"),
        id="policy-attachment-administrator-access",
    ),
    case(
        lambda s: s.add(
            "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
            "ops-iam",
            {"policyArn": f"{AWS_POLICY}IAMFullAccess"},
            refs={"group": _group(s)},
        ),
        (ADMIN, "ops-iam"),
        id="group-iam-full-access",
    ),
    case(
        lambda s: s.add(
            "aws:iam/userPolicyAttachment:UserPolicyAttachment",
            "bob-admin",
            {"policyArn": f"{AWS_POLICY}AdministratorAccess"},
            refs={"user": s.add("aws:iam/user:User", "bob")},
        ),
        (ADMIN, "bob-admin"),
        (USERS, "bob-admin"),
        (USERS, "bob"),
        id="user-administrator-access",
    ),
    case(
        lambda s: s.add(
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            "app-exclusive",
            {"roleName": "app-role", "policyArns": [f"{AWS_POLICY}AdministratorAccess-Amplify"]},
        ),
        (ADMIN, "app-exclusive"),
        id="exclusive-attachments-amplify-admin",
    ),
    case(
        lambda s: s.add(
            "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment",
            "admins-permission-set",
            {
                "managedPolicyArn": f"{AWS_POLICY}AdministratorAccess",
                "instanceArn": "i",
                "permissionSetArn": "p",
            },
        ),
        (ADMIN, "admins-permission-set"),
        id="identity-center-permission-set-admin",
    ),
]

INLINE_CASES = [
    case(
        lambda s: s.add(
            "aws:iam/groupPolicy:GroupPolicy", "ops-inline", {"policy": EVERYTHING}, refs={"group": _group(s)}
        ),
        (WILDCARD, "ops-inline"),
        id="group-inline-admin",
    ),
    case(
        lambda s: s.add(
            "aws:iam/userPolicy:UserPolicy",
            "bob-inline",
            {"policy": EVERYTHING},
            refs={"user": s.add("aws:iam/user:User", "bob")},
        ),
        (WILDCARD, "bob-inline"),
        (USERS, "bob-inline"),
        (USERS, "bob"),
        id="user-inline-admin",
    ),
]

SESSION_CASES = [
    case(
        lambda s: s.set("app-role", maxSessionDuration=7200),
        (SESSION, "app-role"),
        id="two-hours-above-default",
    ),
    case(
        lambda s: s.set("app-role", maxSessionDuration=7200),
        config={SESSION: {"maxSessionDurationSeconds": 7200}},
        id="two-hours-within-configured-limit-ok",
    ),
    case(
        lambda s: s.set("app-role", maxSessionDuration=10800),
        (SESSION, "app-role"),
        config={SESSION: {"maxSessionDurationSeconds": 7200}},
        id="three-hours-above-configured-limit",
    ),
]

#: Read by ``test_rules.test_every_rule_has_a_violating_case`` too.
CASES = [*MANAGED_CASES, *INLINE_CASES, *SESSION_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_credential_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
