"""Create and drop a slice's PostgreSQL database and login role on the shared instance.

Works on any DB-API connection in autocommit mode (``CREATE DATABASE`` cannot run in a transaction):
psycopg in tests, pg8000 (pure Python) in the Lambda. Names are generated (``pr_<n>``, ``pr_<n>_app``)
and checked against ``NAME`` before they are quoted into statements; nothing else is interpolated.

Every step is idempotent: a re-run after a partial failure finishes the job. The role logs in with IAM
tokens only where the server has the ``rds_iam`` role (RDS, "IAM database authentication"); it owns its
database (and so, from PostgreSQL 15, its ``public`` schema) and has no rights elsewhere: ``CONNECT`` on
the slice's database is revoked from ``PUBLIC``.
"""

from __future__ import annotations

import re
from typing import Any

#: The names a slice may use: ``pr_<n>`` and ``pr_<n>_app`` (see components/slice_names.py).
NAME = re.compile(r"pr_[1-9][0-9]{0,6}(_app)?")
#: How many connections the slice's role may hold on the shared instance.
CONNECTION_LIMIT = 20


_MEMBER_OF = (
    "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
    "WHERE r.rolname = %s AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
)


def _ident(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"refusing to use {name!r} as a slice identifier (expected pr_<n> or pr_<n>_app)")
    return f'"{name}"'


def _exists(conn: Any, query: str, name: str) -> bool:
    cur = conn.cursor()
    cur.execute(query, (name,))
    return cur.fetchone() is not None


def _run(conn: Any, statement: str) -> None:
    conn.cursor().execute(statement)


def create_slice_database(conn: Any, database: str, role: str) -> list[str]:
    """Create ``role`` (LOGIN, connection limit 20, ``rds_iam`` where it exists) and ``database`` owned by
    it, closed to ``PUBLIC``. Returns what was done (``created role pr_7_app``), empty when all existed.

    Raises:
        ValueError: a name that is not a slice identifier.
    """
    db, user, done = _ident(database), _ident(role), []
    if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
        _run(conn, f"CREATE ROLE {user} LOGIN CONNECTION LIMIT {CONNECTION_LIMIT}")
        done.append(f"created role {role}")
    if _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", "rds_iam"):
        _run(conn, f"GRANT rds_iam TO {user}")
    if not _exists(conn, _MEMBER_OF, role):
        _run(conn, f"GRANT {user} TO CURRENT_USER")  # RDS: the master user must be able to SET ROLE to own
    if not _exists(conn, "SELECT 1 FROM pg_database WHERE datname = %s", database):
        _run(conn, f"CREATE DATABASE {db} OWNER {user}")
        done.append(f"created database {database}")
    _run(conn, f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    _run(conn, f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {user}")
    return done


def drop_slice_database(conn: Any, database: str, role: str) -> list[str]:
    """Drop ``database`` (terminating its connections: ``WITH (FORCE)``, PostgreSQL 13+) and ``role``.
    Returns what was done; empty when neither existed.

    Raises:
        ValueError: a name that is not a slice identifier.
    """
    db, user, done = _ident(database), _ident(role), []
    if _exists(conn, "SELECT 1 FROM pg_database WHERE datname = %s", database):
        _run(conn, f"DROP DATABASE {db} WITH (FORCE)")
        done.append(f"dropped database {database}")
    if _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
        _run(conn, f"DROP ROLE {user}")
        done.append(f"dropped role {role}")
    return done
