"""Data safety: a staging database survives a mistaken ``pulumi destroy`` and can be restored; a schedule
that stops databases and nodes at night never runs against production.

Mandatory: staging databases are often restored from sanitized production snapshots, which takes hours
to redo. A team that wants a disposable database records that decision as an exemption (reason, owner,
expiry) instead of flipping a flag nobody reviews.

A production-like stack is one whose name (in each resource's URN, ``urn:pulumi:<stack>::...``) or whose
resources' ``environment`` tag matches ``productionNames`` (fnmatch, case-insensitive; default ``prod``,
``prod-*``, ``production``, ...): the stack file ``Pulumi.production.yaml`` and a copy named ``prod-eu``
or tagged ``environment: production`` are all caught.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._props import is_set, known, peek, tag_map
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule

_DATABASES = {t.RDS_INSTANCE, t.RDS_CLUSTER}

DELETION_PROTECTION = RuleSpec(
    name="rds-deletion-protection",
    concern="data-safety",
    description="RDS instances and Aurora clusters must have deletion protection on.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Set deletionProtection=true; to retire the database, turn it off in a reviewed change.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_293", "CKV_AWS_139"),
        cdk_nag=("AwsSolutions-RDS10", "NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled"),
    ),
)


def _check_deletion_protection(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if known(props, "deletionProtection") is not True:
        yield "deletionProtection is not true: one destroy deletes the database."


FINAL_SNAPSHOT = RuleSpec(
    name="rds-final-snapshot",
    concern="data-safety",
    description="RDS instances and Aurora clusters must take a named final snapshot when deleted.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Set skipFinalSnapshot=false and finalSnapshotIdentifier (e.g. '<name>-final').",
)


def _check_final_snapshot(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if is_set(peek(props, "replicateSourceDb")):
        return  # RDS takes no final snapshot of a read replica
    if known(props, "skipFinalSnapshot") is True:
        yield "skipFinalSnapshot is true: deleting the database keeps no copy."
    elif not is_set(peek(props, "finalSnapshotIdentifier")):
        yield "finalSnapshotIdentifier is not set: deletion will fail or the snapshot is unnamed."


BACKUP_RETENTION = RuleSpec(
    name="rds-backup-retention",
    concern="data-safety",
    description="RDS instances and Aurora clusters must keep automated backups.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Set backupRetentionPeriod (days, 1-35) to at least minBackupRetentionDays.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_133",),
        cdk_nag=("AwsSolutions-RDS13", "NIST.800.53.R5-RDSInstanceBackupEnabled"),
        awsguard=("rds-instance-backup-enabled",),
    ),
    settings={
        "minBackupRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "maximum": 35,
            "default": 1,
            "description": "shortest acceptable backupRetentionPeriod, in days",
        }
    },
)


def _check_backups(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if is_set(peek(props, "replicateSourceDb")):
        return  # replicas are backed up through their source
    days = known(props, "backupRetentionPeriod")
    minimum = ctx.setting("minBackupRetentionDays")
    if days is None:
        yield "backupRetentionPeriod is not set: the engine default may be 0 (no backups); set it explicitly."
    elif days < minimum:
        yield f"backupRetentionPeriod is {int(days)}, below the {int(minimum)}-day minimum."


NO_SCHEDULE_ON_PRODUCTION = RuleSpec(
    name="no-stop-schedule-on-production",
    concern="data-safety",
    description="A production-like stack must not have a schedule that stops or scales down its capacity.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Remove staging-blueprint:schedule from this stack's config (staging stacks only); if the "
    "stack is not production-like, rename it or its environment tag, or narrow productionNames.",
    settings={
        "productionNames": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": ["prod", "prod-*", "prod_*", "*-prod", "production", "production-*", "*-production",
                        "prd", "prd-*"],
            "description": "fnmatch patterns (case-insensitive) of production-like stack names and "
            "environment tag values",
        }
    },
)  # fmt: skip

#: Universal-target API actions (``service:action``, lower case) that scale capacity rather than stop it.
_SCALING_ACTIONS = frozenset(
    {
        "eks:updatenodegroupconfig",
        "autoscaling:updateautoscalinggroup",
        "autoscaling:setdesiredcapacity",
        "ecs:updateservice",
        "applicationautoscaling:registerscalabletarget",
    }
)
#: Action-name prefixes that stop, pause or remove capacity.
_STOPPING_PREFIXES = ("stop", "pause", "hibernate", "terminate", "delete", "suspend")


def _stopping_action(props: Mapping[str, Any]) -> str | None:
    """The ``service:apiAction`` of a Scheduler schedule whose universal target stops or scales, else None.

    Universal targets are ``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>`` (EventBridge
    Scheduler User Guide, "Using universal targets")."""
    arn = known(props, "target", "arn")
    if not isinstance(arn, str) or ":scheduler:::aws-sdk:" not in arn:
        return None
    service, _, action = arn.split(":scheduler:::aws-sdk:", 1)[1].partition(":")
    call = f"{service}:{action}".lower()
    if call in _SCALING_ACTIONS or action.lower().startswith(_STOPPING_PREFIXES):
        return f"{service}:{action}"
    return None


def _production_marks(resources: Iterable[PolicyResource], patterns: list[str]) -> list[str]:
    """What makes the stack production-like: its name, or an ``environment`` tag value, as text."""

    def matches(value: str) -> bool:
        return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)

    marks: set[str] = set()
    for res in resources:
        stack = res.urn.split("::", 1)[0].split(":", 2)[-1]
        if matches(stack):
            marks.add(f"stack {stack!r}")
        env = tag_map(peek(res.props, "tags")).get("environment")
        if isinstance(env, str) and matches(env):
            marks.add(f"environment tag {env!r}")
    return sorted(marks)


def _check_schedules(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    marks = _production_marks(resources, list(ctx.setting("productionNames")))
    if not marks:
        return
    why = " and ".join(marks)
    for res in resources:
        if res.resource_type == t.SCHEDULER_SCHEDULE and (call := _stopping_action(res.props)):
            yield Finding(res, f"schedule calls {call} on a production-like stack ({why}).")
        elif res.resource_type == t.AUTOSCALING_SCHEDULE and 0 in (
            known(res.props, "desiredCapacity"),
            known(res.props, "maxSize"),
        ):
            yield Finding(
                res, f"scheduled action scales an Auto Scaling group to 0 on a production-like stack ({why})."
            )


POLICIES = [
    resource_rule(DELETION_PROTECTION, _DATABASES, _check_deletion_protection),
    resource_rule(FINAL_SNAPSHOT, _DATABASES, _check_final_snapshot),
    resource_rule(BACKUP_RETENTION, _DATABASES, _check_backups),
    stack_rule(NO_SCHEDULE_ON_PRODUCTION, {t.SCHEDULER_SCHEDULE, t.AUTOSCALING_SCHEDULE}, _check_schedules),
]
