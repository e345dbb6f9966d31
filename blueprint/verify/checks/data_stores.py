"""Database checks (RDS instances and Aurora clusters): not public and in the isolated tier, storage
encrypted with the stack's key, IAM authentication, deletion protection, automated backups, TLS forced.

An instance is read with DescribeDBInstances; a cluster with DescribeDBClusters plus its members'
DescribeDBInstances (public accessibility is a property of each instance). TLS is forced by
``rds.force_ssl = 1`` in the (cluster) parameter group (RDS User Guide, "Requiring an SSL/TLS connection
to a PostgreSQL DB instance"); DescribeDBParameters lists every parameter with its current value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from blueprint.verify.outputs import DatabaseExport
from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_CONFIGURED, SkipError, Verdict, require

AREA = "data stores"
FORCE_SSL = "rds.force_ssl"


def _instance(ctx: Context, identifier: str) -> dict[str, Any]:
    return dict(ctx.aws("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0])


def _cluster(ctx: Context, identifier: str) -> dict[str, Any]:
    return dict(ctx.aws("rds").describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0])


def described(ctx: Context, db: DatabaseExport) -> dict[str, Any]:
    """The instance, or the cluster, as RDS describes it (once per run)."""
    kind = "cluster" if db.is_cluster else "instance"
    fetch = _cluster if db.is_cluster else _instance
    return dict(ctx.cached(f"rds/{kind}/{db.identifier}", lambda: fetch(ctx, db.identifier)))


def _where(db: DatabaseExport) -> str:
    return f"DB {'cluster' if db.is_cluster else 'instance'} {db.identifier}"


def _not_public(ctx: Context, db: DatabaseExport) -> Verdict:
    found = described(ctx, db)
    members = (
        [_instance(ctx, m["DBInstanceIdentifier"]) for m in require(found, "DBClusterMembers", _where(db))]
        if db.is_cluster
        else [found]
    )
    if not members:
        return Verdict([f"{_where(db)} has no instances to check"])
    problems: list[str] = []
    facts: list[str] = []
    for instance in members:
        name = instance.get("DBInstanceIdentifier", "?")
        public = require(instance, "PubliclyAccessible", f"DB instance {name}")
        (problems if public is not False else facts).append(f"{name}: PubliclyAccessible={public}")
        subnets = {
            s.get("SubnetIdentifier")
            for s in require(instance, "DBSubnetGroup.Subnets", f"DB instance {name}")
        }
        outside = sorted(str(s) for s in subnets - set(ctx.outputs.subnet_ids.isolated))
        if outside:
            problems.append(f"{name}: DB subnet group includes subnets outside the isolated tier: {outside}")
        else:
            facts.append(f"{name}: in the isolated subnets only")
    return Verdict(problems, facts)


def _encrypted(ctx: Context, db: DatabaseExport) -> Verdict:
    found = described(ctx, db)
    encrypted = require(found, "StorageEncrypted", _where(db))
    key = require(found, "KmsKeyId", _where(db))
    problems = [] if encrypted is True else [f"StorageEncrypted={encrypted}"]
    if not ctx.is_stack_key(key):
        problems.append(f"encrypted with {key}, not the stack's key {ctx.outputs.kms_key_arn}")
    return Verdict(problems, [f"StorageEncrypted={encrypted}, KmsKeyId={key}"])


def _flag(attribute: str, expected: object) -> Any:
    def evaluate(ctx: Context, db: DatabaseExport) -> Verdict:
        value = require(described(ctx, db), attribute, _where(db))
        fact = f"{attribute}={value}"
        return Verdict([] if value == expected else [fact], [] if value != expected else [fact])

    return evaluate


def _backups(ctx: Context, db: DatabaseExport) -> Verdict:
    days = require(described(ctx, db), "BackupRetentionPeriod", _where(db))
    fact = f"automated backups kept {days} day(s)"
    return Verdict([] if int(days) >= 1 else [f"{fact}: automated backups are off"], [fact])


def _parameter(ctx: Context, db: DatabaseExport, group: str) -> str | None:
    rds = ctx.aws("rds")
    if db.is_cluster:
        pages = rds.get_paginator("describe_db_cluster_parameters").paginate(
            DBClusterParameterGroupName=group
        )
    else:
        pages = rds.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group)
    for page in pages:
        for parameter in page.get("Parameters", []):
            if parameter.get("ParameterName") == FORCE_SSL:
                value = parameter.get("ParameterValue")
                return None if value is None else str(value)
    return None


def _tls(ctx: Context, db: DatabaseExport) -> Verdict:
    found = described(ctx, db)
    if db.is_cluster:
        group = str(require(found, "DBClusterParameterGroup", _where(db)))
    else:
        groups = require(found, "DBParameterGroups", _where(db))
        group = str(
            require({"group": groups[0] if groups else None}, "group.DBParameterGroupName", _where(db))
        )
    value = _parameter(ctx, db, group)
    fact = f"parameter group {group}: {FORCE_SSL}={value if value is not None else '(absent)'}"
    return Verdict([] if value == "1" else [fact], [fact])


def _subjects(evaluate: Any) -> Any:
    def subjects(ctx: Context) -> Iterator[Subject]:
        if not ctx.outputs.databases:
            raise SkipError(NOT_CONFIGURED, "the stack exports no databases")
        for name, db in sorted(ctx.outputs.databases.items()):
            yield one(f"database {name} ({db.identifier})", evaluate, ctx, db)

    return subjects


_DESCRIBE = ("rds:DescribeDBInstances", "rds:DescribeDBClusters")

CHECKS = (
    Check(
        "database.not-public",
        AREA,
        "Databases are not publicly accessible and sit in the isolated subnets",
        _DESCRIBE,
        _subjects(_not_public),
    ),
    Check(
        "database.encrypted",
        AREA,
        "Database storage is encrypted with the stack's KMS key",
        (*_DESCRIBE, "kms:DescribeKey"),
        _subjects(_encrypted),
    ),
    Check(
        "database.iam-auth",
        AREA,
        "IAM database authentication is on",
        _DESCRIBE,
        _subjects(_flag("IAMDatabaseAuthenticationEnabled", True)),
    ),
    Check(
        "database.deletion-protection",
        AREA,
        "Deletion protection is on",
        _DESCRIBE,
        _subjects(_flag("DeletionProtection", True)),
    ),
    Check("database.backups", AREA, "Automated backups are kept", _DESCRIBE, _subjects(_backups)),
    Check(
        "database.tls",
        AREA,
        f"TLS is forced ({FORCE_SSL}=1 in the parameter group)",
        (*_DESCRIBE, "rds:DescribeDBParameters", "rds:DescribeDBClusterParameters"),
        _subjects(_tls),
    ),
)
