"""Sequences that belong to columns (``serial``, identity), matched by ownership, not by name.

A sequence belongs to a column through ``pg_depend``: ``deptype = 'a'`` for a ``serial`` column's
sequence (``OWNED BY``), ``'i'`` for an identity column's (PostgreSQL docs, "pg_depend"). Names are not
reliable: renaming a table keeps its sequences' old names, and an identity column re-created in the
target gets a name of the target's choosing. So the target's sequence is found by its column
(``pg_get_serial_sequence``), and moved past both the source's last value and the largest value copied,
so rows inserted in staging never collide with copied ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from blueprint.refresh.rules import table_name


@dataclass(frozen=True)
class OwnedSequence:
    """A sequence owned by ``table.column`` (``table`` is ``schema.table``; ``table_qname`` quoted);
    ``identity`` for an identity column's; ``last_value`` in the source (None if never used)."""

    sequence: str
    table: str
    table_qname: str
    column: str
    identity: bool
    last_value: int | None
    increment: int


def owned_sequences(conn: psycopg.Connection) -> list[OwnedSequence]:
    """Every sequence owned by a column of a user table, with its last value (``pg_sequence_last_value``)."""
    rows = conn.execute(
        """SELECT format('%I.%I', sn.nspname, s.relname), tn.nspname, t.relname,
                  format('%I.%I', tn.nspname, t.relname), a.attname, d.deptype = 'i',
                  pg_catalog.pg_sequence_last_value(s.oid), q.seqincrement
           FROM pg_depend d
           JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
           JOIN pg_namespace sn ON sn.oid = s.relnamespace
           JOIN pg_sequence q ON q.seqrelid = s.oid
           JOIN pg_class t ON t.oid = d.refobjid AND t.relkind IN ('r', 'p')
           JOIN pg_namespace tn ON tn.oid = t.relnamespace
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
           WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
             AND d.deptype IN ('a', 'i')
           ORDER BY s.oid"""
    ).fetchall()
    return [OwnedSequence(seq, table_name(schema, table), *rest) for seq, schema, table, *rest in rows]


def ownership_ddl(owned: list[OwnedSequence], tables: set[str]) -> list[str]:
    """``ALTER SEQUENCE ... OWNED BY`` for the ``serial`` sequences of copied ``tables`` (identity
    sequences are created with their column)."""
    return [
        f'ALTER SEQUENCE {o.sequence} OWNED BY {o.table_qname}."{o.column.replace(chr(34), chr(34) * 2)}"'
        for o in owned
        if not o.identity and o.table in tables
    ]


def sync_sequences(dst: psycopg.Connection, owned: list[OwnedSequence], tables: set[str]) -> None:
    """Move each owned sequence of the target past the source's last value and the column's largest
    copied value (smallest, for a descending sequence)."""
    for o in owned:
        if o.table not in tables:
            continue
        column = '"' + o.column.replace('"', '""') + '"'
        pick, agg = ("GREATEST", "max") if o.increment > 0 else ("LEAST", "min")
        dst.execute(
            f"SELECT pg_catalog.setval(seq, v) FROM (SELECT pg_catalog.pg_get_serial_sequence(%s, %s)"
            f"::regclass AS seq, {pick}(%s::bigint, (SELECT {agg}({column})::bigint FROM {o.table_qname}))"
            " AS v) s WHERE seq IS NOT NULL AND v IS NOT NULL",
            (o.table_qname, o.column, o.last_value),
        )


def sync_unowned(src: psycopg.Connection, dst: psycopg.Connection, owned: list[OwnedSequence]) -> None:
    """Move each sequence that no column owns (a shared counter in a ``DEFAULT nextval(...)``), copied
    under its own name, to the source's last value."""
    mine = {o.sequence for o in owned}
    rows = src.execute(
        "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_catalog.pg_sequences "
        "WHERE last_value IS NOT NULL"
    ).fetchall()
    for name, value in rows:
        if name not in mine:
            dst.execute(
                "SELECT pg_catalog.setval(to_regclass(%s), %s) WHERE to_regclass(%s) IS NOT NULL",
                (name, value, name),
            )
