"""The janitor's AWS pass: resources tagged ``ephemeral=true`` whose owning stack is gone or expired are
deleted in dependency order; dry run by default.

It refuses, and reports: any account not on the allow-list (checked first, through STS); a resource
without all five ephemeral tags; a resource whose owning stack is not a ``pr-<n>`` stack or is a baseline;
a resource whose ``environment`` tag names another stack. Discovery is the Resource Groups Tagging API,
plus IAM roles listed directly (``TAGGING_API_GAPS``: types its ``GetResources`` does not list, in moto's
emulation, found by ``tests/blueprint/ephemeral/test_sweep.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from components.slice_names import pr_number_of

TAGS = ("ephemeral", "ephemeral-pr", "ephemeral-expires-at", "ephemeral-stack", "ephemeral-baseline")
#: Deletion order by ARN service:resource-type: dependents before what they use (the Lambda's ENIs hold the
#: security group; roles are last but one because functions and associations use them).
ORDER = ("eks", "lambda", "secretsmanager", "logs", "iam", "ec2")
#: Per service, the types this janitor creates that moto's tagging API (GetResources) does not list;
#: those are listed through their own service's API.
TAGGING_API_GAPS = {"iam": ("role",)}


class SweepRefusedError(Exception):
    """The sweep must not run at all (an account not on the allow-list)."""


@dataclass(frozen=True)
class Item:
    """One ephemeral-tagged resource and the verdict: ``delete``, ``keep`` or ``refuse: <why>``."""

    arn: str
    stack: str
    verdict: str


def _service(arn: str) -> str:
    return arn.split(":", 3)[2]


def discover(session: Any) -> Iterator[tuple[str, dict[str, str]]]:
    """(ARN, tags) of every resource carrying the ``ephemeral`` tag key."""
    tagging = session.client("resourcegroupstaggingapi")
    pages = tagging.get_paginator("get_resources").paginate(TagFilters=[{"Key": "ephemeral"}])
    for page in pages:
        for entry in page["ResourceTagMappingList"]:
            yield entry["ResourceARN"], {t["Key"]: t["Value"] for t in entry.get("Tags", [])}
    iam = session.client("iam")
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
            if "ephemeral" in tags:
                yield role["Arn"], tags


def judge(
    tags: Mapping[str, str], live: Mapping[str, str | None], baselines: Collection[str], now: datetime
) -> str:
    """``delete``, ``keep`` or ``refuse: <why>`` for one resource's tags. ``live``: stack -> expiresAt."""
    missing = [k for k in TAGS if not tags.get(k)]
    stack = tags.get("ephemeral-stack", "")
    if missing or tags.get("ephemeral") != "true":
        return f"refuse: incomplete ephemeral tags ({', '.join(missing) or 'ephemeral != true'})"
    if pr_number_of(stack) is None or stack in baselines:
        return f"refuse: {stack!r} is not a pull request's stack"
    if tags.get("environment", stack) != stack:
        return f"refuse: environment tag {tags['environment']!r} is not {stack!r}"
    try:
        expires = datetime.strptime(tags["ephemeral-expires-at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "refuse: unreadable ephemeral-expires-at"
    if stack not in live or expires <= now:
        return "delete"
    return "keep"


def sweep(
    session: Any,
    *,
    allowed_accounts: Collection[str],
    live: Mapping[str, str | None],
    baselines: Collection[str] = ("staging",),
    now: datetime | None = None,
    dry_run: bool = True,
    echo: Callable[[str], None] = print,
) -> list[Item]:
    """Judge every ephemeral-tagged resource and (``dry_run=False``) delete the ``delete`` ones in ``ORDER``.

    Raises:
        SweepRefusedError: the session's account is not in ``allowed_accounts``.
    """
    account = session.client("sts").get_caller_identity()["Account"]
    if account not in allowed_accounts:
        raise SweepRefusedError(f"account {account} is not on the janitor's allow-list; nothing was touched")
    now = now or datetime.now(UTC)
    items = [
        Item(arn, tags.get("ephemeral-stack", ""), judge(tags, live, baselines, now))
        for arn, tags in discover(session)
    ]
    items.sort(key=lambda i: ORDER.index(_service(i.arn)) if _service(i.arn) in ORDER else len(ORDER))
    for item in items:
        if item.verdict == "delete" and not dry_run:
            DELETERS.get(_service(item.arn), _unknown)(session, item.arn)
        shown = "would delete" if item.verdict == "delete" and dry_run else item.verdict
        echo(f"{item.arn}: {shown}")
    return items


def _unknown(_session: Any, arn: str) -> None:
    raise SweepRefusedError(f"no deleter for {arn}; delete it by hand")


def _delete_role(session: Any, arn: str) -> None:
    iam, name = session.client("iam"), arn.rsplit("/", 1)[-1]
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def _delete_ec2(session: Any, arn: str) -> None:
    kind, ident = arn.rsplit(":", 1)[-1].split("/", 1)
    if kind != "security-group":
        raise SweepRefusedError(f"no deleter for {arn}; delete it by hand")
    session.client("ec2").delete_security_group(GroupId=ident)


def _delete_pod_identity(session: Any, arn: str) -> None:
    # arn:aws:eks:<region>:<account>:podidentityassociation/<cluster>/<association id>
    _, cluster, association = arn.rsplit(":", 1)[-1].split("/", 2)
    session.client("eks").delete_pod_identity_association(clusterName=cluster, associationId=association)


DELETERS: dict[str, Callable[[Any, str], None]] = {
    "lambda": lambda s, arn: s.client("lambda").delete_function(FunctionName=arn),
    "secretsmanager": lambda s, arn: s.client("secretsmanager").delete_secret(
        SecretId=arn, ForceDeleteWithoutRecovery=True
    ),
    "logs": lambda s, arn: s.client("logs").delete_log_group(
        logGroupName=arn.split(":log-group:", 1)[1].removesuffix(":*")
    ),
    "iam": _delete_role,
    "ec2": _delete_ec2,
    "eks": _delete_pod_identity,
}
