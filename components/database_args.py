"""Arguments and fixed settings of ``Database`` (``components/database.py``): what every PostgreSQL
database of this blueprint gets, and what a stack chooses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi

from components.security_groups import Client

Engine = Literal["postgres", "aurora-postgresql"]

#: PostgreSQL's port; clients are admitted on it only.
PORT = 5432
#: RDS certificate authority for server certificates (RSA 2048, valid until 2061).
CA_CERTIFICATE = "rds-ca-rsa2048-g1"
#: Performance Insights retention: 7 days is the free tier (other values: 31 * months, up to 731).
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7
#: Server parameters of every database (all dynamic: they apply without a reboot).
PARAMETERS = {
    "rds.force_ssl": "1",  # reject connections without TLS
    "log_connections": "1",
    "log_disconnections": "1",
    "log_min_duration_statement": "1000",  # log statements slower than 1000 ms
    "log_lock_waits": "1",
    "log_statement": "ddl",  # every schema change, never data
}
#: CloudWatch log exports per engine (``upgrade`` exists for RDS instances only).
LOG_EXPORTS: dict[Engine, tuple[str, ...]] = {
    "postgres": ("postgresql", "upgrade"),
    "aurora-postgresql": ("postgresql",),
}


@dataclass(frozen=True)
class ServerlessCapacity:
    """Aurora Serverless v2 capacity in ACUs (steps of 0.5; minimum 0 pauses an idle cluster, max 256)."""

    min_acu: float
    max_acu: float


@dataclass(frozen=True)
class DatabaseArgs:
    """Arguments of ``Database``.

    Attributes:
        identifier: RDS identifier (instance, or cluster for Aurora), e.g. ``staging-orders``; Aurora
            instances are ``<identifier>-<n>``.
        engine: ``postgres`` (RDS instance) or ``aurora-postgresql`` (Aurora cluster).
        engine_version: exact version, e.g. ``17.6``.
        instance_class: e.g. ``db.t4g.medium``; ignored for Serverless v2 (``db.serverless``).
        vpc_id: the VPC.
        subnet_ids: subnets of the DB subnet group (the isolated tier, one per AZ).
        subnet_tier: name of that tier, recorded as the ``tier`` tag.
        kms_key_arn: the vault CMK.
        clients: who may connect on 5432.
        tags: tags for every resource.
        log_retention_days: retention of the exported PostgreSQL logs, in days.
        database_name: database created at launch (not used when restoring a snapshot).
        master_username: master user (not used when restoring a snapshot); its password is RDS-managed.
        allocated_storage_gib: gp3 storage of an RDS instance, in GiB (Aurora storage grows by itself).
        max_allocated_storage_gib: storage autoscaling ceiling in GiB; None disables autoscaling.
        multi_az: standby in a second AZ (RDS instance).
        instance_count: Aurora instances (1 writer + readers).
        serverless: Aurora Serverless v2 capacity; None for provisioned instances.
        backup_retention_days: automated backup retention, 1-35 days.
        deletion_protection: refuse deletion until turned off (default on).
        skip_final_snapshot: delete without a final snapshot (default off; weakens data safety).
        snapshot_identifier: snapshot name or ARN to restore from; None creates an empty database.
        performance_insights: Performance Insights with the CMK (default on).
        apply_immediately: apply modifications now rather than in the next maintenance window (default on:
            staging users expect a change to take effect when ``pulumi up`` ends; some, such as a new
            instance class, restart the database).
    """

    identifier: str
    engine: Engine
    engine_version: str
    instance_class: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    clients: Sequence[Client]
    tags: Mapping[str, str]
    subnet_tier: str = "isolated"
    log_retention_days: int = 90
    database_name: str = "app"
    master_username: str = "dbadmin"
    allocated_storage_gib: int = 20
    max_allocated_storage_gib: int | None = None
    multi_az: bool = False
    instance_count: int = 1
    serverless: ServerlessCapacity | None = None
    backup_retention_days: int = 7
    deletion_protection: bool = True
    skip_final_snapshot: bool = False
    snapshot_identifier: str | None = None
    performance_insights: bool = True
    apply_immediately: bool = True


def parameter_group_family(engine: Engine, engine_version: str) -> str:
    """``postgres`` 17.6 -> ``postgres17``; ``aurora-postgresql`` 16.9 -> ``aurora-postgresql16``."""
    return f"{engine}{engine_version.split('.', 1)[0]}"


def final_snapshot_name(identifier: str, nonce_source_id: str) -> str:
    """``<identifier>-final-<nonce>``, the nonce being the random suffix of an auto-named resource id."""
    return f"{identifier}-final-{nonce_source_id.rsplit('-', 1)[-1]}"
