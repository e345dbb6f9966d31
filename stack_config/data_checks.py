"""Rules of the data plane that span several keys: engine/version pairs, engine-specific fields, broker
counts against AZs, unique names, AWS name limits and schema files Glue would reject. Each problem is
reported at the key path the user wrote, e.g. ``databases[0].engineVersion``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from components.aws_limits import RDS_SUBNET_GROUP_MIN_AZS, RDS_SUBNET_GROUP_SOURCE
from components.schema_files import SCHEMA_DIR, SCHEMA_FORMATS, SchemaError, read_schema_file
from stack_config.base import Problem, join_path
from stack_config.data import (
    DEFAULT_DB_STORAGE_GIB,
    MAX_BROKER_NAME,
    MAX_DB_IDENTIFIER,
    NAME_PATTERN,
    BrokerConfig,
    ClientsConfig,
    DatabaseConfig,
    SchemaConfig,
)
from stack_config.engine_versions import ENGINE_VERSIONS, major_version

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


def data_plane_checks(
    environment: str, az_count: int, databases: Sequence[DatabaseConfig], brokers: Sequence[BrokerConfig]
) -> Iterable[Problem]:
    """Cross-field rules of databases and brokers; one ``Problem`` per violation, at its key path.

    Args:
        environment: ``staging-blueprint:environment`` (prefixes AWS names).
        az_count: ``network.azCount``.
        databases, brokers: the validated sections.
    """
    yield from _unique_names("databases", [d.name for d in databases])
    yield from _unique_names("brokers", [b.name for b in brokers])
    if databases and az_count < RDS_SUBNET_GROUP_MIN_AZS:
        yield Problem(
            "network.azCount",
            az_count,
            f"must be at least {RDS_SUBNET_GROUP_MIN_AZS} with databases: a DB subnet group must cover two "
            f"AZs even for a single-AZ instance ({RDS_SUBNET_GROUP_SOURCE})",
        )
    for i, db in enumerate(databases):
        yield from _database_problems(environment, i, db)
    for i, broker in enumerate(brokers):
        yield from _broker_problems(environment, az_count, i, broker)
    yield from _schema_problems(brokers)


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
            f"{', '.join(table.versions)} (stack_config/engine_versions.py)",
        )
    return None


def _identifier_problem(path: str, environment: str, name: str, limit: int) -> Problem | None:
    identifier = f"{environment}-{name}"
    if len(identifier) > limit or not NAME_PATTERN.fullmatch(identifier):
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


def _broker_problems(environment: str, az_count: int, i: int, broker: BrokerConfig) -> Iterator[Problem]:
    def at(*keys: str) -> str:
        return join_path("brokers", i, *keys)

    problems = [_identifier_problem(at("name"), environment, broker.name, MAX_BROKER_NAME)]
    if broker.engine == "kafka":
        problems += _kafka_problems(at, broker, az_count)
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


def _schema_problems(brokers: Sequence[BrokerConfig]) -> Iterator[Problem]:
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
