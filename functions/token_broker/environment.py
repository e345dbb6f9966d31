"""The broker's environment contract, defined once for both sides: the variable names and the JSON grant
tables that the ``TokenBroker`` component writes (``encode_role_map``, ``encode_db_map``) and
``config.py`` reads. Standard library only: it ships in the Lambda package and the program imports it.

``ROLE_MAP``: ``{"<group>": {"<role alias>": {"roleArn": "...", "maxDurationSeconds": 3600}}}``
``DB_MAP``: ``{"<group>": {"<database>": {"hostname": "...", "port": 5432, "username": "..."}}}`` (an optional
``"region"`` overrides the Lambda's own).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

#: Session bounds every side applies, in seconds: STS ``AssumeRole`` ``DurationSeconds`` is 900-43200 (STS API
#: reference, "AssumeRole"), and this broker never issues more than an hour (role chaining allows no more).
MIN_SESSION_SECONDS = 900
STS_MAX_SESSION_SECONDS = 43200
MAX_SESSION_SECONDS = 3600

GROUP_CLAIM = "GROUP_CLAIM"
DEFAULT_DURATION_SECONDS = "DEFAULT_DURATION_SECONDS"
MAX_DURATION_SECONDS = "MAX_DURATION_SECONDS"
ROLE_MAP = "ROLE_MAP"
DB_MAP = "DB_MAP"

#: Keys of a ``ROLE_MAP`` entry and of a ``DB_MAP`` entry.
ROLE_FIELDS = frozenset({"roleArn", "maxDurationSeconds"})
DB_FIELDS = frozenset({"hostname", "port", "username", "region"})


@dataclass(frozen=True)
class RoleEntry:
    """A role a group may assume: its ARN and the longest session the broker issues for it, in seconds."""

    role_arn: str
    max_duration_seconds: int


@dataclass(frozen=True)
class DatabaseEntry:
    """A database user a group may get RDS IAM auth tokens for, and where the database listens."""

    hostname: str
    port: int
    username: str


def encode_role_map(grants: Mapping[str, Mapping[str, RoleEntry]]) -> str:
    """``ROLE_MAP``: group -> role alias -> entry, as sorted JSON (groups with no role left out)."""
    table = {
        group: {
            alias: {"roleArn": e.role_arn, "maxDurationSeconds": e.max_duration_seconds}
            for alias, e in entries.items()
        }
        for group, entries in grants.items()
        if entries
    }
    return json.dumps(table, sort_keys=True)


def encode_db_map(grants: Mapping[str, Mapping[str, DatabaseEntry]]) -> str:
    """``DB_MAP``: group -> database name -> entry, as sorted JSON (groups with no database left out)."""
    table = {
        group: {
            name: {"hostname": e.hostname, "port": e.port, "username": e.username}
            for name, e in entries.items()
        }
        for group, entries in grants.items()
        if entries
    }
    return json.dumps(table, sort_keys=True)
