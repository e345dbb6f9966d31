"""Create and drop a slice's PostgreSQL database and login role on the shared instance.

Works on any DB-API connection in autocommit mode (``CREATE DATABASE`` cannot run in a transaction):
psycopg in tests, pg8000 (pure Python) in the Lambda. Names are generated (``pr_<n>``, ``pr_<n>_app``)
and checked against ``NAME`` before they are quoted into statements; nothing else is interpolated.

Every step is idempotent: a re-run after a partial failure finishes the job. The role logs in with IAM
tokens only where the server has the ``rds_iam`` role (RDS, "IAM database authentication"); it owns its
database (and so, from PostgreSQL 15, its ``public`` schema) and has no rights elsewhere: ``CONNECT`` on
the slice's database is revoked from ``PUBLIC``.

Seeding (``seed_from``): the slice's database is created as a copy of a database on the same instance,
``CREATE DATABASE ... TEMPLATE <seed>``, a server-side file copy (no dump, no client binary: a Lambda has no
``pg_dump``). PostgreSQL refuses it while any other session is connected to the template ("CREATE DATABASE
will fail if any other connection exists when it starts"; PostgreSQL documentation, "CREATE DATABASE",
Notes), and only a superuser, the template's owner, or, when ``datistemplate`` is set, any role with
``CREATEDB`` may copy it (documentation, "Template Databases"): the seed is therefore an idle copy of
staging's sanitized database, never the one staging's apps use. The copied objects keep their owners;
``adopt_seeded_objects`` (run in the new database) hands schemas, tables, views and sequences to the
slice's role so that its apps can use them.
"""

from __future__ import annotations

import re
from typing import Any

#: The names a slice may use: ``pr_<n>`` and ``pr_<n>_app`` (see components/slice_names.py).
NAME = re.compile(r"pr_[1-9][0-9]{0,6}(_app)?")
#: How many connections the slice's role may hold on the shared instance.
CONNECTION_LIMIT = 20
#: A seed database: a PostgreSQL identifier (at most 63 bytes, NAMEDATALEN - 1) in lower case, neither a
#: slice's database nor one of the server's own.
SEED = re.compile(r"[a-z_][a-z0-9_]{0,62}")
NOT_SEEDS = frozenset({"postgres", "template0", "template1", "rdsadmin"})
#: SQLSTATEs (PostgreSQL documentation, Appendix A "Error Codes"): object_in_use (the template has other
#: sessions), invalid_catalog_name (no such database).
OBJECT_IN_USE, INVALID_CATALOG_NAME = "55006", "3D000"


class SeedError(RuntimeError):
    """The slice's database could not be seeded: the message says why and what to do."""


_MEMBER_OF = (
    "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
    "WHERE r.rolname = %s AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
)


def _ident(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"refusing to use {name!r} as a slice identifier (expected pr_<n> or pr_<n>_app)")
    return f'"{name}"'


def seed_ident(name: str) -> str:
    """``name`` quoted as a seed database.

    Raises:
        ValueError: not a lower-case identifier of at most 63 bytes, a slice's database, or a system one.
    """
    if not SEED.fullmatch(name) or NAME.fullmatch(name) or name in NOT_SEEDS:
        raise ValueError(f"refusing to seed from {name!r} (expected an idle copy of a staging database)")
    return f'"{name}"'


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a psycopg (``sqlstate``) or pg8000 (``args[0]["C"]``) error."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return state
    args = getattr(exc, "args", ())
    return args[0].get("C") if args and isinstance(args[0], dict) else None


def _exists(conn: Any, query: str, name: str) -> bool:
    cur = conn.cursor()
    cur.execute(query, (name,))
    return cur.fetchone() is not None


def _run(conn: Any, statement: str) -> None:
    conn.cursor().execute(statement)


def create_slice_database(conn: Any, database: str, role: str, seed_from: str | None = None) -> list[str]:
    """Create ``role`` (LOGIN, connection limit 20, ``rds_iam`` where it exists) and ``database`` owned by
    it (a copy of ``seed_from`` when given), closed to ``PUBLIC``. Returns what was done (``created role
    pr_7_app``), empty when all existed; an existing database is never seeded again.

    Raises:
        ValueError: a name that is not a slice identifier, or a seed that is not a seed database.
        SeedError: the seed database has other sessions or does not exist.
    """
    db, user, done = _ident(database), _ident(role), []
    template = seed_ident(seed_from) if seed_from else None
    if not _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", role):
        _run(conn, f"CREATE ROLE {user} LOGIN CONNECTION LIMIT {CONNECTION_LIMIT}")
        done.append(f"created role {role}")
    if _exists(conn, "SELECT 1 FROM pg_roles WHERE rolname = %s", "rds_iam"):
        _run(conn, f"GRANT rds_iam TO {user}")
    if not _exists(conn, _MEMBER_OF, role):
        _run(conn, f"GRANT {user} TO CURRENT_USER")  # RDS: the master user must be able to SET ROLE to own
    if not _exists(conn, "SELECT 1 FROM pg_database WHERE datname = %s", database):
        if template is None:
            _run(conn, f"CREATE DATABASE {db} OWNER {user}")
            done.append(f"created database {database}")
        else:
            _copy(conn, db, user, template, f"{database} from {seed_from}")
            done.append(f"created database {database} from {seed_from}")
    _run(conn, f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    _run(conn, f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {user}")
    return done


def _copy(conn: Any, db: str, user: str, template: str, what: str) -> None:
    try:
        _run(conn, f"CREATE DATABASE {db} TEMPLATE {template} OWNER {user}")
    except Exception as exc:
        state = _sqlstate(exc)
        if state == OBJECT_IN_USE:
            raise SeedError(
                f"cannot create {what}: other sessions are connected to {template} (PostgreSQL copies a "
                "template only while nobody else uses it); seed from an idle copy, or retry once the copy "
                "is idle"
            ) from None
        if state == INVALID_CATALOG_NAME:
            raise SeedError(f"cannot create {what}: database {template} does not exist") from None
        raise


#: Relations of the seeded database the slice's role takes over: tables, partitioned tables, views,
#: materialized views, foreign tables, and sequences no column owns (those follow their table).
_FOREIGN_OWNED = (
    "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ('pg_catalog', "
    "'information_schema') AND n.nspname NOT LIKE 'pg\\_%%' AND c.relowner <> (SELECT oid FROM pg_roles "
    "WHERE rolname = %s) AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE "
    "d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))) ORDER BY 1, 2"
)
_SCHEMAS = (
    "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND nspname NOT LIKE 'pg\\_%%' AND nspowner <> (SELECT oid FROM pg_roles WHERE rolname = %s) ORDER BY 1"
)
_KIND = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def adopt_seeded_objects(conn: Any, role: str) -> list[str]:
    """In a seeded slice database (``conn`` connected to it, as a member of the objects' owners and of
    ``role``): make ``role`` own every schema and relation outside the system schemas. Functions and types
    keep their owners. Returns ``["adopted N objects"]``, empty when there was nothing to take over.

    Raises:
        ValueError: ``role`` is not a slice identifier.
    """
    user = _ident(role)
    cur = conn.cursor()
    cur.execute(_SCHEMAS, (role,))
    statements = [f"ALTER SCHEMA {_quote(r[0])} OWNER TO {user}" for r in cur.fetchall()]
    cur.execute(_FOREIGN_OWNED, (role,))
    statements += [
        f"ALTER {_KIND[kind]} {_quote(schema)}.{_quote(name)} OWNER TO {user}"
        for schema, name, kind in cur.fetchall()
    ]
    for statement in statements:
        _run(conn, statement)
    return [f"adopted {len(statements)} objects"] if statements else []


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
