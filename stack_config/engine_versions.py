"""The engine versions staging may pin, per engine: the one table config validation checks against.

Staging runs what production runs, so every data store pins an exact version and the config rejects
anything AWS does not offer for new resources. The lists below were read on 2026-11-21 from the sources
named next to each engine; when AWS adds or retires a version, change it here (and only here).

Check a region's live list before adding a version:

- ``aws rds describe-db-engine-versions --engine postgres`` (and ``--engine aurora-postgresql``)
- ``aws kafka get-compatible-kafka-versions`` / ``aws kafka list-kafka-versions``
- ``aws mq describe-broker-engine-types --engine-type RABBITMQ``
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineVersions:
    """Versions of one engine that new resources may pin.

    Attributes:
        versions: exact version strings as the service API expects them.
        source: where the list comes from (documentation URL and what it says).
    """

    versions: tuple[str, ...]
    source: str


_DOCS = "https://docs.aws.amazon.com"
_POSTGRES = (
    "16.9", "16.10", "16.11", "16.12", "16.13",
    "17.5", "17.6", "17.7", "17.8", "17.9",
    "18.1", "18.2", "18.3",
)  # fmt: skip
_KAFKA = (
    "3.7.x", "3.7.x.kraft", "3.8.x", "3.8.x.kraft", "3.9.x", "3.9.x.kraft", "4.0.x.kraft", "4.1.x.kraft",
)  # fmt: skip

#: engine -> allowed versions. Keys are the config's ``engine`` values.
ENGINE_VERSIONS: dict[str, EngineVersions] = {
    # RDS for PostgreSQL. Minor versions 16.5-16.8 and 17.1-17.4 are deprecated (no new instances since
    # 2026-05-01, forced upgrade from 2026-05-31), so they are not offered here.
    "postgres": EngineVersions(
        versions=_POSTGRES,
        source=f"{_DOCS}/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html (release "
        "calendar and minor-version deprecations; cross-checked with aws-cdk-lib PostgresEngineVersion)",
    ),
    # Aurora PostgreSQL: the 16 and 17 minor versions listed in the release notes. Serverless v2 with a
    # 0 ACU minimum (auto-pause) needs 16.3+ / 17.4+, which every version here satisfies.
    "aurora-postgresql": EngineVersions(
        versions=("16.8", "16.9", "16.10", "17.4", "17.5", "17.6"),
        source=f"{_DOCS}/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html "
        "(Aurora PostgreSQL updates: 17.4 is the first 17.x release; 17.6 and 16.10 were added in 2025)",
    ),
    # Amazon MSK provisioned. 3.6.0 reached end of support on 2026-06-01. `.kraft` selects KRaft metadata
    # mode (3.7.x and later); 4.x exists in KRaft mode only.
    "kafka": EngineVersions(
        versions=_KAFKA,
        source=f"{_DOCS}/msk/latest/developerguide/supported-kafka-versions.html (Supported Apache Kafka "
        "versions) and .../kraft-intro.html (version strings of KRaft mode)",
    ),
    # Amazon MQ for RabbitMQ: major.minor only; Amazon MQ applies patch versions itself for 3.13 and later
    # (auto minor version upgrade must be on). 4.2 runs on mq.m7g instances only.
    "rabbitmq": EngineVersions(
        versions=("3.13", "4.2"),
        source=f"{_DOCS}/amazon-mq/latest/developer-guide/rabbitmq-version-management.html (Managing "
        "Amazon MQ for RabbitMQ engine versions)",
    ),
}


def major_version(version: str) -> str:
    """``17.6`` -> ``17``; ``3.9.x.kraft`` -> ``3``."""
    return version.split(".", 1)[0]
