"""Config of the data plane: ``staging-blueprint:databases`` and ``staging-blueprint:brokers``.

Each entry pins an engine version from ``blueprint.engine_versions`` (staging runs what production runs).
Field validators check single values; ``data_plane_checks`` checks what needs several keys (engine/version
pairs, engine-specific fields, broker counts against AZs, unique names, schema files) and reports each
problem at the key path the user wrote, e.g. ``databases[0].engineVersion``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from blueprint.config_base import ConfigModel, Problem, join_path
from blueprint.engine_versions import ENGINE_VERSIONS, major_version
from components.aws_limits import (
    MQ_BROKER_NAME,
    RDS_BACKUP_RETENTION,
    RDS_IDENTIFIER,
    RDS_SUBNET_GROUP_MIN_AZS,
    RDS_SUBNET_GROUP_SOURCE,
)
from components.schema_files import (
    COMPATIBILITY_MODES,
    SCHEMA_DIR,
    SCHEMA_FORMATS,
    SchemaError,
    read_schema_file,
)

if TYPE_CHECKING:
    from blueprint.config import StackConfig

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
#: Amazon MQ broker names are at most 50 characters (MSK allows 64; one limit for both keeps it simple).
MAX_BROKER_NAME = MQ_BROKER_NAME.high

_NAME = re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*")
_SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8}(?:[0-9a-f]{9})?")
_PG_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,62}")
_DB_INSTANCE_CLASS = re.compile(r"db\.[a-z0-9-]+\.[a-z0-9]+")
_SMALL_CLASS = re.compile(r"\.(micro|small)$")
_KAFKA_INSTANCE_TYPE = re.compile(
    r"kafka\.(t3\.small|m5\.(large|[248]xlarge|1[26]xlarge|24xlarge)|m7g\.(large|[248]xlarge|1[26]xlarge))"
)
_MQ_INSTANCE_TYPE = re.compile(
    r"mq\.(t3\.micro|m5\.(large|[24]?xlarge)|m7g\.(medium|large|[248]?xlarge|1[26]xlarge))"
)
_SNAPSHOT_NAME = r"[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,254}"
_SNAPSHOT_KIND: dict[str, str] = {"postgres": "snapshot", "aurora-postgresql": "cluster-snapshot"}


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
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
        "blueprint/engine_versions.py)."
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
        "(allowed values in blueprint/engine_versions.py). Required, except for MSK Serverless, whose "
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


def data_plane_checks(cfg: StackConfig, raw: Mapping[str, Any]) -> Iterable[Problem]:
    """Cross-field rules of databases and brokers; one ``Problem`` per violation, at its key path."""
    yield from _unique_names("databases", [d.name for d in cfg.databases])
    yield from _unique_names("brokers", [b.name for b in cfg.brokers])
    if cfg.databases and cfg.network.az_count < RDS_SUBNET_GROUP_MIN_AZS:
        yield Problem(
            "network.azCount",
            cfg.network.az_count,
            f"must be at least {RDS_SUBNET_GROUP_MIN_AZS} with databases: a DB subnet group must cover two "
            f"AZs even for a single-AZ instance ({RDS_SUBNET_GROUP_SOURCE})",
        )
    for i, db in enumerate(cfg.databases):
        yield from _database_problems(cfg.environment, i, db)
    for i, broker in enumerate(cfg.brokers):
        yield from _broker_problems(cfg, i, broker)
    yield from _schema_problems(cfg.brokers)


def _unique_names(section: str, names: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield Problem(
                join_path(section, i, "name"), name, f"is used twice in {section}; names must be unique"
            )
        seen.add(name)


def _version_problem(path: str, engine: str, version: str | None) -> Problem | None:
    table = ENGINE_VERSIONS[engine]
    if version is None:
        return Problem(path, version, f"is required: pin the {engine} version production runs")
    if version not in table.versions:
        return Problem(
            path,
            version,
            f"is not a version AWS offers for new {engine} resources; use one of "
            f"{', '.join(table.versions)} (blueprint/engine_versions.py)",
        )
    return None


def _identifier_problem(path: str, environment: str, name: str, limit: int) -> Problem | None:
    identifier = f"{environment}-{name}"
    if len(identifier) > limit or not _NAME.fullmatch(identifier):
        return Problem(
            path,
            name,
            f"makes the AWS name {identifier!r}, which must be at most {limit} characters of lowercase "
            "letters, digits and single hyphens; shorten the name (or the environment)",
        )
    return None


def _database_problems(environment: str, i: int, db: DatabaseConfig) -> Iterator[Problem]:
    def at(*keys: str) -> str:
        return join_path("databases", i, *keys)

    problems = [
        _identifier_problem(at("name"), environment, db.name, MAX_DB_IDENTIFIER),
        _version_problem(at("engineVersion"), db.engine, db.engine_version),
        *_engine_field_problems(at, db),
        _instance_class_problem(at("instanceClass"), db),
        _snapshot_problem(at("snapshotIdentifier"), db),
    ]
    if db.serverless is not None and db.serverless.min_capacity > db.serverless.max_capacity:
        problems.append(
            Problem(
                at("serverless", "minCapacity"),
                db.serverless.min_capacity,
                f"is above maxCapacity ({db.serverless.max_capacity} ACU); lower it or raise maxCapacity",
            )
        )
    problems.append(_clients_problem(at("clients"), db.clients))
    yield from (p for p in problems if p is not None)


def _engine_field_problems(at: Any, db: DatabaseConfig) -> list[Problem]:
    """Fields that belong to one engine only, and storage bounds of RDS instances."""
    problems = []
    if db.engine == "aurora-postgresql":
        for key, value in (
            ("allocatedStorageGib", db.allocated_storage_gib),
            ("maxAllocatedStorageGib", db.max_allocated_storage_gib),
        ):
            if value is not None:
                problems.append(
                    Problem(at(key), value, "is for RDS instances; Aurora storage grows by itself, remove it")
                )
        if db.multi_az:
            problems.append(
                Problem(at("multiAz"), True, "is for RDS instances; for Aurora set `instances: 2` or more")
            )
        return problems
    if db.serverless is not None:
        problems.append(
            Problem(
                at("serverless"),
                db.serverless.model_dump(by_alias=True),
                "is for aurora-postgresql only; remove it or change engine",
            )
        )
    if db.instances is not None:
        problems.append(
            Problem(
                at("instances"),
                db.instances,
                "is for aurora-postgresql only; use multiAz for an RDS instance",
            )
        )
    storage = db.allocated_storage_gib or DEFAULT_DB_STORAGE_GIB
    if not 20 <= storage <= 65536:
        problems.append(Problem(at("allocatedStorageGib"), storage, "must be 20-65536 GiB (gp3)"))
    ceiling = db.max_allocated_storage_gib
    if ceiling is not None and not storage <= ceiling <= 65536:
        problems.append(
            Problem(
                at("maxAllocatedStorageGib"),
                ceiling,
                f"must be between allocatedStorageGib ({storage}) and 65536 GiB",
            )
        )
    return problems


def _instance_class_problem(path: str, db: DatabaseConfig) -> Problem | None:
    if db.serverless is not None:
        if db.instance_class not in (None, "db.serverless"):
            return Problem(
                path, db.instance_class, "Serverless v2 instances are `db.serverless`; remove instanceClass"
            )
        return None
    instance_class = db.instance_class_or_default()
    if not _DB_INSTANCE_CLASS.fullmatch(instance_class):
        return Problem(
            path, instance_class, "must be an RDS instance class such as db.t4g.medium or db.r7g.large"
        )
    if _SMALL_CLASS.search(instance_class):
        if db.engine == "aurora-postgresql":
            return Problem(
                path, instance_class, "Aurora PostgreSQL starts at db.t4g.medium; choose medium or larger"
            )
        if db.performance_insights:
            return Problem(
                path,
                instance_class,
                "has no Performance Insights; choose a medium or larger class, or set "
                "performanceInsights: false",
            )
    return None


def _snapshot_problem(path: str, db: DatabaseConfig) -> Problem | None:
    snapshot = db.snapshot_identifier
    if snapshot is None:
        return None
    kind = _SNAPSHOT_KIND[db.engine]
    arn = rf"arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{{12}}:{kind}:{_SNAPSHOT_NAME}"
    if re.fullmatch(_SNAPSHOT_NAME, snapshot) or re.fullmatch(arn, snapshot):
        return None
    return Problem(
        path,
        snapshot,
        f"must be a snapshot name (letters, digits, single hyphens, starting with a letter) or an ARN "
        f"`arn:aws:rds:<region>:<account>:{kind}:<name>` ({kind} for {db.engine})",
    )


def _clients_problem(path: str, clients: ClientsConfig) -> Problem | None:
    if clients.security_group_ids or clients.tiers:
        return None
    return Problem(path, {}, "admits nobody; list securityGroupIds or tiers (e.g. tiers: [private])")


def _broker_problems(cfg: StackConfig, i: int, broker: BrokerConfig) -> Iterator[Problem]:
    def at(*keys: str) -> str:
        return join_path("brokers", i, *keys)

    problems = [_identifier_problem(at("name"), cfg.environment, broker.name, MAX_BROKER_NAME)]
    if broker.engine == "kafka":
        problems += _kafka_problems(at, broker, cfg.network.az_count)
    else:
        problems += _rabbitmq_problems(at, broker)
    problems.append(_clients_problem(at("clients"), broker.clients))
    yield from (p for p in problems if p is not None)


def _kafka_problems(at: Any, broker: BrokerConfig, az_count: int) -> list[Problem | None]:
    problems: list[Problem | None] = []
    if az_count < 2:
        problems.append(
            Problem(
                at("engine"),
                "kafka",
                f"MSK needs subnets in 2 or 3 AZs but network.azCount is {az_count}; raise it",
            )
        )
    if broker.open_management_port:
        problems.append(Problem(at("openManagementPort"), True, "is for rabbitmq only; remove it"))
    if broker.apply_immediately is not None:
        problems.append(
            Problem(
                at("applyImmediately"),
                broker.apply_immediately,
                "is for rabbitmq only (MSK applies changes at once); remove it",
            )
        )
    if broker.serverless:
        problems += [
            Problem(
                at(key),
                value,
                "does not apply to MSK Serverless (AWS sizes it and picks the Kafka version); remove it",
            )
            for key, value in (
                ("engineVersion", broker.engine_version),
                ("brokerCount", broker.broker_count),
                ("instanceType", broker.instance_type),
                ("volumeSizeGib", broker.volume_size_gib),
            )
            if value is not None
        ]
        return problems
    problems.append(_version_problem(at("engineVersion"), "kafka", broker.engine_version))
    if not _KAFKA_INSTANCE_TYPE.fullmatch(broker.instance_type_or_default()):
        problems.append(
            Problem(
                at("instanceType"),
                broker.instance_type,
                "must be an MSK broker type such as kafka.t3.small, kafka.m7g.large",
            )
        )
    azs = broker.subnet_count(az_count)
    count = broker.broker_count_or_default(az_count)
    if count % azs:
        problems.append(
            Problem(
                at("brokerCount"),
                count,
                f"must be a multiple of the {azs} AZs MSK uses (min(network.azCount, 3))",
            )
        )
    return problems


def _rabbitmq_problems(at: Any, broker: BrokerConfig) -> list[Problem | None]:
    problems: list[Problem | None] = [
        _version_problem(at("engineVersion"), "rabbitmq", broker.engine_version)
    ]
    for key, value, hint in (
        ("serverless", broker.serverless or None, "is for kafka only"),
        (
            "volumeSizeGib",
            broker.volume_size_gib,
            "is for kafka only (Amazon MQ sizes RabbitMQ storage itself)",
        ),
        (
            "schemas",
            [schema.file for schema in broker.schemas] or None,
            "are for kafka only (the Glue registry serves Kafka serializers)",
        ),
    ):
        if value is not None:
            problems.append(Problem(at(key), value, f"{hint}; remove it"))
    count = broker.broker_count_or_default(az_count=1)
    if count not in (1, 3):
        problems.append(
            Problem(at("brokerCount"), count, "must be 1 (single instance) or 3 (cluster across AZs)")
        )
    instance_type = broker.instance_type_or_default()
    if not _MQ_INSTANCE_TYPE.fullmatch(instance_type):
        problems.append(
            Problem(at("instanceType"), instance_type, "must be an Amazon MQ type such as mq.m7g.medium")
        )
    elif instance_type == "mq.t3.micro" and count != 1:
        problems.append(
            Problem(
                at("instanceType"),
                instance_type,
                "runs single-instance brokers only; use mq.m7g for a cluster",
            )
        )
    elif (
        broker.engine_version and major_version(broker.engine_version) != "3" and ".m7g." not in instance_type
    ):
        problems.append(
            Problem(
                at("instanceType"),
                instance_type,
                f"RabbitMQ {broker.engine_version} runs on mq.m7g types only",
            )
        )
    return problems


def _schema_problems(brokers: list[BrokerConfig]) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, broker in enumerate(brokers):
        for j, schema in enumerate(broker.schemas):
            path = join_path("brokers", i, "schemas", j, "file")
            suffix = "." + schema.file.rsplit(".", 1)[-1] if "." in schema.file else ""
            if suffix not in SCHEMA_FORMATS:
                yield Problem(path, schema.file, f"must end in {', '.join(SCHEMA_FORMATS)} (the format)")
            elif "/" in schema.file or not (SCHEMA_DIR / schema.file).is_file():
                yield Problem(path, schema.file, "is not a file in schemas/; add it there or fix the name")
            elif schema.file in seen:
                yield Problem(path, schema.file, "is registered by another broker already; list it once")
            else:
                yield from _schema_file_problems(path, schema)
            seen.add(schema.file)


def _schema_file_problems(path: str, schema: SchemaConfig) -> Iterator[Problem]:
    """What Glue would reject in the file itself: not JSON, a JSON Schema draft Glue does not accept."""
    try:
        read_schema_file(SCHEMA_DIR / schema.file, schema.compatibility)
    except SchemaError as exc:
        yield Problem(path, schema.file, f"cannot be registered: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        yield Problem(path, schema.file, f"cannot be read: {exc}")
