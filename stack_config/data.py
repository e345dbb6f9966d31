"""Config of the data plane: ``staging-blueprint:databases`` and ``staging-blueprint:brokers``.

Each entry pins an engine version from ``stack_config.engine_versions`` (staging runs what production
runs). Field validators here check single values; ``data_checks.py`` checks what needs several keys.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.aws_limits import MQ_BROKER_NAME, MSK_CLUSTER_NAME, RDS_BACKUP_RETENTION, RDS_IDENTIFIER
from components.schema_files import COMPATIBILITY_MODES
from stack_config.base import ConfigModel

DatabaseEngine = Literal["postgres", "aurora-postgresql"]
BrokerEngine = Literal["kafka", "rabbitmq"]
ClientTier = Literal["private", "isolated"]
Compatibility = Literal[COMPATIBILITY_MODES]  # type: ignore[valid-type]

#: Defaults that depend on the engine (documented in the field descriptions).
DEFAULT_DB_INSTANCE_CLASS = "db.t4g.medium"
DEFAULT_DB_STORAGE_GIB = 20
DEFAULT_KAFKA_INSTANCE_TYPE = "kafka.m7g.large"
DEFAULT_KAFKA_VOLUME_GIB = 100
DEFAULT_RABBITMQ_INSTANCE_TYPE = "mq.m7g.medium"
#: Brokers span at most three AZs (MSK: 2 or 3 client subnets; a RabbitMQ cluster: 3 nodes).
MAX_BROKER_AZS = 3
#: RDS identifiers are at most 63 characters; Aurora instances append ``-<n>``, so keep 3 spare.
MAX_DB_IDENTIFIER = RDS_IDENTIFIER.high - 3
#: Broker names: Amazon MQ allows 50 characters, MSK 64; one limit for both keeps it simple.
MAX_BROKER_NAME = min(MQ_BROKER_NAME.high, MSK_CLUSTER_NAME.high)

NAME_PATTERN = re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*")
_SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_PG_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")


def _check_name(value: str) -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            "must start with a lowercase letter and contain only lowercase letters, digits and single "
            "hyphens, not ending with a hyphen (it becomes part of AWS identifiers)"
        )
    return value


def _check_pg_identifier(value: str) -> str:
    if not _PG_IDENTIFIER.fullmatch(value) or value.startswith("rds"):
        raise ValueError(
            "must be 1-63 lowercase letters, digits or underscores, start with a letter and not start "
            "with `rds` (reserved by RDS)"
        )
    return value


def _check_security_group_ids(value: list[str]) -> list[str]:
    bad = [v for v in value if not _SECURITY_GROUP_ID.fullmatch(v)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a security group id (sg- and 8 or 17 hex digits)")
    if len(set(value)) != len(value):
        raise ValueError("security group ids must be unique")
    return value


def _unique_tiers(value: list[ClientTier]) -> list[ClientTier]:
    if len(set(value)) != len(value):
        raise ValueError("tiers must be unique")
    return value


Name = Annotated[str, AfterValidator(_check_name)]


class ClientsConfig(ConfigModel):
    """Who may connect to a data store: security groups and/or whole subnet tiers, on its port only."""

    security_group_ids: Annotated[list[str], AfterValidator(_check_security_group_ids)] = Field(
        default=[],
        description="Client security groups (`sg-...`, e.g. the EKS node or pod security group) allowed in.",
    )
    tiers: Annotated[list[ClientTier], AfterValidator(_unique_tiers)] = Field(
        default=["private"],
        description="Network tiers whose subnets may connect (`private` = workloads, `isolated`); one rule "
        "per subnet CIDR. The public tier is never allowed.",
    )


class ServerlessConfig(ConfigModel):
    """Aurora Serverless v2 capacity (the cluster's instances become `db.serverless`)."""

    min_capacity: float = Field(
        default=0.5,
        ge=0,
        le=256,
        multiple_of=0.5,
        description="Minimum capacity in Aurora capacity units (ACU), 0-256 in steps of 0.5; 0 lets an idle "
        "cluster pause.",
    )
    max_capacity: float = Field(
        default=4,
        ge=1,
        le=256,
        multiple_of=0.5,
        description="Maximum capacity in ACU, 1-256 in steps of 0.5; at least `minCapacity`.",
    )


class DatabaseConfig(ConfigModel):
    """One PostgreSQL database: an RDS instance (`postgres`) or an Aurora cluster (`aurora-postgresql`)."""

    name: Name = Field(
        description="Database name; the RDS identifier is `<environment>-<name>` (at most 60 characters)."
    )
    engine: DatabaseEngine = Field(
        default="postgres",
        description="`postgres` (one RDS instance) or `aurora-postgresql` (an Aurora cluster).",
    )
    engine_version: str = Field(
        description="Exact engine version production runs, e.g. `17.6` (no `latest`; allowed values in "
        "stack_config/engine_versions.py)."
    )
    instance_class: str | None = Field(
        default=None,
        description=f"DB instance class, e.g. `db.t4g.medium` (default `{DEFAULT_DB_INSTANCE_CLASS}`; "
        "Serverless v2 always uses `db.serverless`).",
    )
    allocated_storage_gib: int | None = Field(
        default=None,
        description=f"RDS instance storage (gp3) in GiB, 20-65536 (default {DEFAULT_DB_STORAGE_GIB}). "
        "Not for Aurora: its storage grows by itself.",
    )
    max_allocated_storage_gib: int | None = Field(
        default=None,
        description="Storage autoscaling ceiling of an RDS instance in GiB (at least `allocatedStorageGib`); "
        "unset disables autoscaling.",
    )
    multi_az: bool = Field(
        default=False,
        description="RDS instance: a synchronous standby in a second AZ (Aurora: use `instances`).",
    )
    instances: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="Aurora: number of instances, 1-16 (default 1; the second and later are readers in "
        "other AZs).",
    )
    serverless: ServerlessConfig | None = Field(
        default=None, description="Aurora only: run the instances as Serverless v2 with this capacity (ACU)."
    )
    backup_retention_days: int = Field(
        default=7,
        ge=RDS_BACKUP_RETENTION.low,
        le=RDS_BACKUP_RETENTION.high,
        description="Automated backup retention in days, 1-35.",
    )
    deletion_protection: bool = Field(
        default=True,
        description="Refuse deletion until turned off. Turning it off is flagged by the policies.",
    )
    skip_final_snapshot: bool = Field(
        default=False,
        description="Delete without a final snapshot. Weakens data safety; flagged by the policies.",
    )
    snapshot_identifier: str | None = Field(
        default=None,
        description="Restore from this (sanitized) snapshot: a name or ARN; `snapshot` ARNs for `postgres`, "
        "`cluster-snapshot` ARNs for `aurora-postgresql`. Unset creates an empty database.",
    )
    database_name: Annotated[str, AfterValidator(_check_pg_identifier)] = Field(
        default="app", description="Database created at launch (ignored when restoring a snapshot)."
    )
    master_username: Annotated[str, AfterValidator(_check_pg_identifier)] = Field(
        default="dbadmin",
        description="Master user; its password is generated and kept by RDS in Secrets Manager (CMK).",
    )
    performance_insights: bool = Field(
        default=True,
        description="Performance Insights (7 days, encrypted with the stack's CMK); needs a class of "
        "medium size or larger.",
    )
    clients: ClientsConfig = Field(
        default_factory=ClientsConfig, description="Who may connect on the PostgreSQL port (5432)."
    )
    apply_immediately: bool = Field(
        default=True,
        description="Apply changes (class, storage, parameters) when `pulumi up` runs instead of in the "
        "next maintenance window. Some changes restart the database.",
    )

    def identifier(self, environment: str) -> str:
        """The RDS instance or cluster identifier: ``<environment>-<name>``."""
        return f"{environment}-{self.name}"

    def instance_class_or_default(self) -> str:
        """The instance class to use (``db.serverless`` for Serverless v2)."""
        if self.serverless is not None:
            return "db.serverless"
        return self.instance_class or DEFAULT_DB_INSTANCE_CLASS


class SchemaConfig(ConfigModel):
    """One topic contract to register in the stack's Glue schema registry."""

    file: str = Field(
        description="File name under `schemas/`, e.g. `orders.order-placed.avsc` (`.avsc` Avro, `.json` "
        "JSON Schema, `.proto` Protobuf); the stem is the schema name."
    )
    compatibility: Compatibility = Field(
        default="BACKWARD",
        description="Glue compatibility mode for new versions: NONE, DISABLED, BACKWARD, BACKWARD_ALL, "
        "FORWARD, FORWARD_ALL, FULL or FULL_ALL.",
    )


class BrokerConfig(ConfigModel):
    """One message broker: Kafka on MSK (provisioned or Serverless) or RabbitMQ on Amazon MQ."""

    name: Name = Field(
        description="Broker name; AWS names it `<environment>-<name>` (at most 50 characters)."
    )
    engine: BrokerEngine = Field(description="`kafka` (Amazon MSK) or `rabbitmq` (Amazon MQ).")
    engine_version: str | None = Field(
        default=None,
        description="Exact version production runs: MSK e.g. `3.8.x` or `3.9.x.kraft`, RabbitMQ e.g. `4.2` "
        "(allowed values in stack_config/engine_versions.py). Required, except for MSK Serverless, whose "
        "version AWS chooses.",
    )
    serverless: bool = Field(
        default=False, description="Kafka only: MSK Serverless (IAM and TLS built in; no brokers to size)."
    )
    broker_count: int | None = Field(
        default=None,
        ge=1,
        le=30,
        description="Kafka: broker nodes, a multiple of the AZs MSK uses (min(azCount, 3); default that "
        "number). RabbitMQ: 1 (single instance, default) or 3 (cluster across AZs).",
    )
    instance_type: str | None = Field(
        default=None,
        description=f"Broker size: Kafka e.g. `kafka.t3.small` (default `{DEFAULT_KAFKA_INSTANCE_TYPE}`), "
        f"RabbitMQ e.g. `mq.t3.micro` (default `{DEFAULT_RABBITMQ_INSTANCE_TYPE}`; 4.x needs mq.m7g).",
    )
    volume_size_gib: int | None = Field(
        default=None,
        ge=1,
        le=16384,
        description="Kafka provisioned: EBS storage per broker in GiB, 1-16384 "
        f"(default {DEFAULT_KAFKA_VOLUME_GIB}).",
    )
    schemas: list[SchemaConfig] = Field(
        default=[], description="Kafka only: topic contracts (files under `schemas/`) to register."
    )
    open_management_port: bool = Field(
        default=False,
        description="RabbitMQ only: also admit the clients on 443 (management console and HTTP API).",
    )
    apply_immediately: bool | None = Field(
        default=None,
        description="RabbitMQ only: apply changes when `pulumi up` runs instead of in the next maintenance "
        "window (default true; MSK always applies them at once).",
    )
    deletion_protection: bool = Field(
        default=True, description="Protect the cluster/broker from deletion (Pulumi `protect`)."
    )
    clients: ClientsConfig = Field(
        default_factory=ClientsConfig,
        description="Who may connect: Kafka on 9098 (SASL/IAM over TLS), RabbitMQ on 5671 (AMQPS).",
    )

    def aws_name(self, environment: str) -> str:
        """The cluster or broker name AWS gets: ``<environment>-<name>``."""
        return f"{environment}-{self.name}"

    def instance_type_or_default(self) -> str:
        default = DEFAULT_KAFKA_INSTANCE_TYPE if self.engine == "kafka" else DEFAULT_RABBITMQ_INSTANCE_TYPE
        return self.instance_type or default

    def broker_count_or_default(self, az_count: int) -> int:
        """Kafka: one broker per MSK AZ unless set; RabbitMQ: a single instance unless set."""
        if self.broker_count is not None:
            return self.broker_count
        return min(az_count, MAX_BROKER_AZS) if self.engine == "kafka" else 1

    def subnet_count(self, az_count: int) -> int:
        """How many private subnets (one per AZ) the broker uses: 1 for a single RabbitMQ instance,
        else one per AZ up to three."""
        if self.engine == "rabbitmq" and self.broker_count_or_default(az_count) == 1:
            return 1
        return min(az_count, MAX_BROKER_AZS)
