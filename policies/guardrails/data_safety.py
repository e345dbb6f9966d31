"""Data safety: a staging database survives a mistaken ``pulumi destroy`` and can be restored.

Mandatory: staging databases are often restored from sanitized production snapshots, which takes hours
to redo. A team that wants a disposable database records that decision as an exemption (reason, owner,
expiry) instead of flipping a flag nobody reviews.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._props import is_set, known, peek
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

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


POLICIES = [
    resource_rule(DELETION_PROTECTION, _DATABASES, _check_deletion_protection),
    resource_rule(FINAL_SNAPSHOT, _DATABASES, _check_final_snapshot),
    resource_rule(BACKUP_RETENTION, _DATABASES, _check_backups),
]
