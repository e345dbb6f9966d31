"""IAM checks: access roles' session limit and trust, and no IAM users for the stack.

- Session limit: each staging access role (and the CI deploy role) has ``MaxSessionDuration`` at most
  ``--max-session-seconds`` (default 3600, IAM's minimum; the broker issues shorter sessions itself).
- Trust: an access role trusts only the token broker's role (``tokenBrokerRoleArn``), and every
  statement letting it ``sts:AssumeRole`` requires ``sts:SourceIdentity`` (IAM User Guide,
  "sts:SourceIdentity": the caller's identity sticks to the session and shows in CloudTrail). A principal
  shown as a unique id (``AROA...``) means the trusted role was deleted: that is a fail too.
- No IAM users: no user carries the stack's ``environment`` tag, so neither do access keys (long-lived
  credentials). Users are listed with ListUsers and their tags read with ListUserTags: the tagging API
  (``tag:GetResources``) does not cover IAM users.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_CONFIGURED, SkipError, Verdict, require

AREA = "iam"
#: The tag every resource of the stack carries (``components/iam.py`` ENVIRONMENT_TAG).
ENVIRONMENT_TAG = "environment"
SOURCE_IDENTITY = "sts:sourceidentity"


def role_name(arn: str) -> str:
    """``arn:aws:iam::<account>:role/<path/>name`` -> ``name``."""
    return arn.rsplit("/", 1)[-1]


def _role(ctx: Context, arn: str) -> dict[str, Any]:
    return dict(ctx.cached(f"iam/{arn}", lambda: ctx.aws("iam").get_role(RoleName=role_name(arn))["Role"]))


def _session_limit(ctx: Context, arn: str) -> Verdict:
    limit = require(_role(ctx, arn), "MaxSessionDuration", f"role {arn}")
    fact = f"MaxSessionDuration={limit} s (limit {ctx.max_session_seconds} s)"
    return Verdict([] if int(limit) <= ctx.max_session_seconds else [fact], [fact])


def _roles(ctx: Context, with_ci: bool) -> dict[str, str]:
    roles = {f"access role {alias}": arn for alias, arn in ctx.outputs.staging_role_arns.items()}
    if with_ci and ctx.outputs.ci_deploy_role_arn:
        roles["CI deploy role"] = ctx.outputs.ci_deploy_role_arn
    if not roles:
        raise SkipError(NOT_CONFIGURED, "the stack exports no access roles (no token broker)")
    return roles


def session_subjects(ctx: Context) -> Iterator[Subject]:
    for label, arn in sorted(_roles(ctx, with_ci=True).items()):
        yield one(label, _session_limit, ctx, arn)


def _document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it: parsed by boto3, or URL-encoded JSON text."""
    return dict(value) if isinstance(value, dict) else dict(json.loads(unquote(str(value))))


def _listed(value: Any) -> list[str]:
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def statement_problems(statement: dict[str, Any], broker_arn: str) -> list[str]:
    """Why one trust statement lets in more than the broker with a source identity (empty: it does not)."""
    sid = statement.get("Sid", "(no Sid)")
    if statement.get("Effect") == "Deny":
        return []
    if "NotPrincipal" in statement or "NotAction" in statement:
        return [f"{sid}: NotPrincipal/NotAction trusts more than named"]
    principal = statement.get("Principal")
    problems = []
    if (
        not isinstance(principal, dict)
        or set(principal) != {"AWS"}
        or _listed(principal["AWS"]) != [broker_arn]
    ):
        problems.append(f"{sid}: trusts {json.dumps(principal)}, not only the broker role {broker_arn}")
    actions = _listed(statement.get("Action", []))
    if any(fnmatch.fnmatchcase("sts:AssumeRole".lower(), a.lower()) for a in actions):
        condition = {
            op: {k.lower(): v for k, v in keys.items()}
            for op, keys in (statement.get("Condition") or {}).items()
        }
        required = any(SOURCE_IDENTITY in keys for op, keys in condition.items() if op != "Null")
        if not required:
            problems.append(f"{sid}: sts:AssumeRole without a condition requiring sts:SourceIdentity")
    if any(a.lower().startswith("sts:assumerolewith") for a in actions):
        problems.append(f"{sid}: allows {actions} (web identity / SAML)")
    return problems


def _trust(ctx: Context, arn: str) -> Verdict:
    broker = ctx.outputs.token_broker_role_arn
    if not broker:
        return Verdict(
            ["tokenBrokerRoleArn is missing from the outputs: cannot tell whom the role may trust"]
        )
    document = _document(require(_role(ctx, arn), "AssumeRolePolicyDocument", f"role {arn}"))
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    problems = [p for statement in statements for p in statement_problems(statement, broker)]
    return Verdict(problems, [f"trusts only {broker}, sts:AssumeRole requires sts:SourceIdentity"])


def trust_subjects(ctx: Context) -> Iterator[Subject]:
    for label, arn in sorted(_roles(ctx, with_ci=False).items()):
        yield one(label, _trust, ctx, arn)


def _users(ctx: Context) -> Verdict:
    iam, environment = ctx.aws("iam"), ctx.outputs.environment
    users = [u for page in iam.get_paginator("list_users").paginate() for u in page["Users"]]
    problems = []
    for user in users:
        name = user["UserName"]
        tags = {
            t["Key"]: t["Value"]
            for page in iam.get_paginator("list_user_tags").paginate(UserName=name)
            for t in page["Tags"]
        }
        if tags.get(ENVIRONMENT_TAG) != environment:
            continue
        keys = [
            k["AccessKeyId"]
            for page in iam.get_paginator("list_access_keys").paginate(UserName=name)
            for k in page["AccessKeyMetadata"]
        ]
        problems.append(
            f"IAM user {name} carries {ENVIRONMENT_TAG}={environment} and has {len(keys)} access key(s)"
        )
    return Verdict(
        problems, [f"{len(users)} IAM user(s) in the account, none tagged {ENVIRONMENT_TAG}={environment}"]
    )


def user_subjects(ctx: Context) -> Iterator[Subject]:
    yield one(f"account {ctx.outputs.account}", _users, ctx)


CHECKS = (
    Check(
        "iam.session-duration",
        AREA,
        "Access roles' MaxSessionDuration is within the limit",
        ("iam:GetRole",),
        session_subjects,
    ),
    Check(
        "iam.access-role-trust",
        AREA,
        "Access roles trust only the token broker's role and require sts:SourceIdentity",
        ("iam:GetRole",),
        trust_subjects,
    ),
    Check(
        "iam.no-users",
        AREA,
        "No IAM users or access keys carry the stack's tags",
        ("iam:ListUsers", "iam:ListUserTags", "iam:ListAccessKeys"),
        user_subjects,
    ),
)
