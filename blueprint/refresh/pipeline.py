"""The AWS refresh pipeline: production snapshot -> sanitized, re-encrypted snapshot shared with staging.

Steps (``STEPS``), each of which first checks whether it already happened, so re-running the same run id
resumes where a failure stopped:

``key``                a new HMAC key version for this run in Secrets Manager (per-refresh secret)
``production-snapshot`` snapshot production (or pick its newest automated snapshot)
``rekey``              copy it, re-encrypted with the sanitizing CMK
``restore-source``     restore the copy into a scratch instance (isolated subnets, runner-only security
                       group, not public), RDS-managed master password, no automated backups
``create-target``      an empty instance of the same engine version for the masked data
``mask``               ``engine.mask_database`` source -> target, assertions; tags the target when passed
``snapshot-masked``    snapshot the masked instance
``copy-for-staging``   copy it, re-encrypted with the CMK the staging account may use
``share``              share that copy with the staging account id (never ``all``)
``cleanup``            delete the scratch instances and every intermediate snapshot

Production is only read: the one call that names it is ``CreateDBSnapshot`` (or ``DescribeDBSnapshots``).
The masked data goes to a second, fresh instance, so the shared snapshot was never on a disk that held
production data. Moto does not model snapshot-sharing rules (an encrypted snapshot cannot be public, RDS
User Guide "Sharing encrypted snapshots") nor re-encryption: the pipeline refuses ``all`` itself and
checks the ``KmsKeyId`` of every copy.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blueprint.refresh import aws
from blueprint.refresh.engine import MaskReport, mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.plan import Plan
from blueprint.refresh.rules import Rules

STEPS = (
    "key",
    "production-snapshot",
    "rekey",
    "restore-source",
    "create-target",
    "mask",
    "snapshot-masked",
    "copy-for-staging",
    "share",
    "cleanup",
)
#: Tag set on the masked instance once its assertions passed (what makes ``mask`` resumable).
MASKED_TAG = "staging-blueprint:masked"
#: Tag on every resource a run creates.
RUN_TAG = "staging-blueprint:refresh-run"

#: ``connector(instance, secret, database) -> DSN``: how the runner reaches a scratch instance.
Connector = Callable[[dict[str, Any], dict[str, Any], str], str]
Masker = Callable[..., MaskReport]


def rds_connector(instance: dict[str, Any], secret: dict[str, Any], database: str) -> str:
    """libpq DSN for an RDS instance from its endpoint and its RDS-managed master secret (TLS required)."""
    from psycopg.conninfo import make_conninfo

    endpoint = instance["Endpoint"]
    return make_conninfo(
        host=endpoint["Address"],
        port=endpoint.get("Port", 5432),
        dbname=database,
        user=secret["username"],
        password=secret["password"],
        sslmode="require",
        connect_timeout=30,
    )


@dataclass
class Refresh:
    """One run of the pipeline (``run()``); clients and the connector are injected (tests use moto)."""

    plan: Plan
    rules: Rules
    run_id: str
    rds: Any
    secretsmanager: Any
    waiter: aws.Waiter
    connector: Connector = rds_connector
    masker: Masker = mask_database

    def name(self, role: str) -> str:
        return self.plan.resource(self.run_id, role)

    def tags(self) -> list[dict[str, str]]:
        return [{"Key": RUN_TAG, "Value": self.run_id}, {"Key": "purpose", "Value": "staging-data-refresh"}]

    def _key_token(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"staging-blueprint/{self.plan.name}/{self.run_id}"))

    # -- key --------------------------------------------------------------------------------------------
    def key(self) -> bytes:
        """This run's HMAC key (the version created by the ``key`` step); never printed."""
        value = self.secretsmanager.get_secret_value(
            SecretId=self.plan.hmac_key_secret_arn, VersionId=self._key_token()
        )
        return str(value["SecretString"]).encode()

    def key_done(self) -> bool:
        try:
            self.key()
        except self.secretsmanager.exceptions.ResourceNotFoundException:
            return False
        return True

    def key_run(self) -> None:
        self.secretsmanager.put_secret_value(
            SecretId=self.plan.hmac_key_secret_arn,
            ClientRequestToken=self._key_token(),
            SecretString=secrets.token_urlsafe(48),
        )

    # -- snapshots --------------------------------------------------------------------------------------
    def _wait_snapshot(self, step: str, identifier: str, snapshot_type: str | None = None) -> None:
        self.waiter.until(
            step,
            f"snapshot {identifier}",
            lambda: (aws.snapshot(self.rds, identifier, snapshot_type) or {}).get("Status"),
            {"available"},
        )

    def _source_snapshot(self) -> str:
        if self.plan.production.snapshot == "new":
            return self.name("production")
        latest = aws.latest_automated_snapshot(self.rds, self.plan.production.db_instance_identifier)
        if latest is None:
            raise RefreshError("production-snapshot", ["production has no available automated snapshot"])
        return str(latest["DBSnapshotIdentifier"])

    def production_snapshot_done(self) -> bool:
        if aws.snapshot(self.rds, self.name("rekeyed")) is not None:
            return True
        return (
            self.plan.production.snapshot == "latestAutomated"
            or aws.snapshot(self.rds, self.name("production")) is not None
        )

    def production_snapshot_run(self) -> None:
        self.rds.create_db_snapshot(
            DBInstanceIdentifier=self.plan.production.db_instance_identifier,
            DBSnapshotIdentifier=self.name("production"),
            Tags=self.tags(),
        )

    def _copy(self, step: str, source: str, target: str, key_id: str, source_type: str | None = None) -> None:
        """Copy snapshot ``source`` (``source_type="automated"`` for an automated one) as ``target``,
        re-encrypted with ``key_id``, and check the copy's key."""
        if aws.snapshot(self.rds, target) is None:
            self._wait_snapshot(step, source, source_type)
            self.rds.copy_db_snapshot(
                SourceDBSnapshotIdentifier=source,
                TargetDBSnapshotIdentifier=target,
                KmsKeyId=key_id,
                CopyTags=False,
                Tags=self.tags(),
            )
        self._wait_snapshot(step, target)
        copied = aws.snapshot(self.rds, target) or {}
        if copied.get("KmsKeyId") != key_id or not copied.get("Encrypted"):
            raise RefreshError(step, [f"snapshot {target} is not encrypted with {key_id}"])

    def rekey_run(self) -> None:
        automated = "automated" if self.plan.production.snapshot == "latestAutomated" else None
        self._copy(
            "rekey", self._source_snapshot(), self.name("rekeyed"), self.plan.scratch.kms_key_id, automated
        )

    def snapshot_masked_run(self) -> None:
        if aws.snapshot(self.rds, self.name("masked")) is None:
            self.rds.create_db_snapshot(
                DBInstanceIdentifier=self.name("masked"),
                DBSnapshotIdentifier=self.name("masked"),
                Tags=self.tags(),
            )
        self._wait_snapshot("snapshot-masked", self.name("masked"))

    def copy_for_staging_run(self) -> None:
        self._copy("copy-for-staging", self.name("masked"), self.name("staging"), self.plan.share.kms_key_id)

    # -- instances --------------------------------------------------------------------------------------
    def _wait_instance(self, step: str, identifier: str) -> dict[str, Any]:
        self.waiter.until(
            step,
            f"instance {identifier}",
            lambda: (aws.instance(self.rds, identifier) or {}).get("DBInstanceStatus"),
            {"available"},
        )
        return aws.instance(self.rds, identifier) or {}

    def _placement(self) -> dict[str, Any]:
        s = self.plan.scratch
        return {
            "DBInstanceClass": s.db_instance_class,
            "DBSubnetGroupName": s.db_subnet_group_name,
            "VpcSecurityGroupIds": list(s.vpc_security_group_ids),
            "PubliclyAccessible": False,
            "MultiAZ": False,
            "DeletionProtection": False,
            "Tags": self.tags(),
        }

    def restore_source_run(self) -> None:
        source = self.name("source")
        if aws.instance(self.rds, source) is None:
            self.rds.restore_db_instance_from_db_snapshot(
                DBInstanceIdentifier=source, DBSnapshotIdentifier=self.name("rekeyed"), **self._placement()
            )
        found = self._wait_instance("restore-source", source)
        if not found.get("MasterUserSecret"):
            # Production's master password must not be what opens the copy: RDS generates a new one.
            self.rds.modify_db_instance(
                DBInstanceIdentifier=source,
                ManageMasterUserPassword=True,
                BackupRetentionPeriod=0,
                MasterUserSecretKmsKeyId=self.plan.scratch.kms_key_id,
                ApplyImmediately=True,
            )
            self._wait_instance("restore-source", source)

    def create_target_run(self) -> None:
        target = self.name("masked")
        if aws.instance(self.rds, target) is None:
            source = self._wait_instance("create-target", self.name("source"))
            self.rds.create_db_instance(
                DBInstanceIdentifier=target,
                Engine=source["Engine"],
                EngineVersion=source["EngineVersion"],
                AllocatedStorage=source["AllocatedStorage"],
                StorageType="gp3",
                StorageEncrypted=True,
                KmsKeyId=self.plan.scratch.kms_key_id,
                MasterUsername=source["MasterUsername"],
                ManageMasterUserPassword=True,
                MasterUserSecretKmsKeyId=self.plan.scratch.kms_key_id,
                DBName=self.plan.scratch.database_name,
                BackupRetentionPeriod=0,
                **self._placement(),
            )
        self._wait_instance("create-target", target)

    # -- mask -------------------------------------------------------------------------------------------
    def _dsn(self, role: str) -> str:
        found = self._wait_instance("mask", self.name(role))
        secret = self.secretsmanager.get_secret_value(SecretId=found["MasterUserSecret"]["SecretArn"])
        return self.connector(found, json.loads(secret["SecretString"]), self.plan.scratch.database_name)

    def mask_done(self) -> bool:
        found = aws.instance(self.rds, self.name("masked"))
        if found is None:
            return False
        tags = self.rds.list_tags_for_resource(ResourceName=found["DBInstanceArn"])["TagList"]
        return any(t["Key"] == MASKED_TAG and t["Value"] == "passed" for t in tags)

    def mask_run(self) -> MaskReport:
        import psycopg

        try:
            report = self.masker(
                self._dsn("source"),
                self._dsn("masked"),
                self.rules,
                self.key(),
                reset=True,
                rules_name=str(self.plan.rules),
            )
        except psycopg.Error as exc:
            # Connection and server errors name hosts, never passwords; row values are not in them here.
            raise RefreshError("mask", [f"{type(exc).__name__}: {str(exc).splitlines()[0]}"]) from None
        arn = (aws.instance(self.rds, self.name("masked")) or {})["DBInstanceArn"]
        self.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": MASKED_TAG, "Value": "passed"}])
        return report

    # -- share and cleanup ------------------------------------------------------------------------------
    def _shared_with(self) -> list[str]:
        attrs = self.rds.describe_db_snapshot_attributes(DBSnapshotIdentifier=self.name("staging"))
        for attr in attrs["DBSnapshotAttributesResult"]["DBSnapshotAttributes"]:
            if attr["AttributeName"] == "restore":
                return list(attr.get("AttributeValues", []))
        return []

    def share_done(self) -> bool:
        return (
            aws.snapshot(self.rds, self.name("staging")) is not None
            and self.plan.share.staging_account_id in self._shared_with()
        )

    def share_run(self) -> None:
        account = self.plan.share.staging_account_id
        if account.lower() == "all" or len(account) != 12 or not account.isdigit():
            raise RefreshError("share", [f"refusing to share with {account!r}: only a 12-digit account id"])
        self.rds.modify_db_snapshot_attribute(
            DBSnapshotIdentifier=self.name("staging"), AttributeName="restore", ValuesToAdd=[account]
        )
        shared = self._shared_with()
        if shared != [account]:
            raise RefreshError(
                "share", [f"snapshot {self.name('staging')} is shared with {shared}, not only {account}"]
            )

    def leftovers(self) -> tuple[list[str], list[str]]:
        """(instances, snapshots) of this run that cleanup deletes and that still exist."""
        instances = [
            self.name(r) for r in ("source", "masked") if self._live(aws.instance(self.rds, self.name(r)))
        ]
        roles = ("rekeyed", "masked") + (("production",) if self.plan.production.snapshot == "new" else ())
        return instances, [self.name(r) for r in roles if aws.snapshot(self.rds, self.name(r)) is not None]

    @staticmethod
    def _live(found: dict[str, Any] | None) -> bool:
        return found is not None and found.get("DBInstanceStatus") != "deleting"

    def cleanup_done(self) -> bool:
        return self.leftovers() == ([], [])

    def cleanup_run(self) -> None:
        instances, snapshots = self.leftovers()
        for identifier in instances:
            self.rds.delete_db_instance(
                DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        for identifier in snapshots:
            self.rds.delete_db_snapshot(DBSnapshotIdentifier=identifier)

    def shared_snapshot_arn(self) -> str:
        return str((aws.snapshot(self.rds, self.name("staging")) or {})["DBSnapshotArn"])
