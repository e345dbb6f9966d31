"""Credential rules (``guardrails/credentials.py``): no IAM users or keys, bounded sessions, no wildcard
admin grants, IAM database auth, managed master passwords, pinned GitHub OIDC trust, MSK IAM-only auth, and
what teams attach: AWS managed full-access policies, inline group and user policies.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import (
    kafka,
    secret,
)
from tests.policies.stack import (
    ACCOUNT,
    Stack,
    doc,
    github_trust,
)

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


CREDENTIALS_CASES = [
    case(
        lambda s: s.add(
            "aws:iam/accessKey:AccessKey", "bob-key", refs={"user": s.add("aws:iam/user:User", "bob")}
        ),
        ("no-iam-users", "bob"),
        ("no-iam-users", "bob-key"),
        id="iam-user-with-key",
    ),
    case(
        lambda s: s.set("app-role", maxSessionDuration=43200),
        ("iam-role-max-session-duration", "app-role"),
        id="long-session",
    ),
    case(
        lambda s: s.add(
            "aws:iam/policy:Policy",
            "admin",
            {
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            },
        ),
        ("iam-no-wildcard-admin", "admin"),
        id="admin-policy-as-object",
    ),
    case(
        lambda s: s.set("app-extra", policy=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})),
        ("iam-no-wildcard-admin", "app-extra"),
        id="service-wildcard-everywhere",
    ),
    case(
        lambda s: s.set(
            "app-role",
            inlinePolicies=[
                {
                    "name": "almost-all",
                    "policy": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
                }
            ],
        ),
        ("iam-no-wildcard-admin", "app-role"),
        id="inline-not-action",
    ),
    case(
        lambda s: s.set(
            "app-extra",
            policy=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::staging-assets/*"}),
        ),
        id="service-wildcard-on-one-bucket-ok",
    ),
    case(
        lambda s: s.set("db", iamDatabaseAuthenticationEnabled=None),
        ("rds-iam-auth-enabled", "db"),
        id="rds-no-iam-auth",
    ),
    case(
        lambda s: s.set("db", password=secret("hunter2hunter2"), manageMasterUserPassword=None),
        ("rds-managed-master-password", "db"),
        id="rds-secret-password",
    ),
    case(
        lambda s: s.set("aurora", masterUserSecretKmsKeyId=None),
        ("rds-managed-master-password", "aurora"),
        id="master-secret-default-key",
    ),
    case(
        lambda s: s.set("deploy-role", assumeRolePolicy=github_trust("repo:acme/*")),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-any-repo-of-org",
    ),
    case(
        lambda s: s.set("deploy-role", assumeRolePolicy=github_trust(None)),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-without-sub",
    ),
    case(
        lambda s: s.set(
            "deploy-role",
            assumeRolePolicy=github_trust(["repo:acme/staging:environment:staging", "repo:acme/staging:*"]),
        ),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-any-ref",
    ),
    case(
        lambda s: s.set(
            "deploy-role", assumeRolePolicy=github_trust("repo:acme/staging:ref:refs/heads/main")
        ),
        id="oidc-pinned-branch-ok",
    ),
    case(
        kafka(clientAuthentication={"unauthenticated": True}),
        ("msk-client-auth-iam-only", "kafka"),
        id="msk-anonymous",
    ),
]


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

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*CREDENTIALS_CASES, *MANAGED_CASES, *INLINE_CASES, *SESSION_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_credential_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
