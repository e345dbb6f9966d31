"""The target's schema, as SQL statements built from a source ``Catalog``, and the order tables load in.

Tables are created with their columns and CHECK constraints only (``before_load``); the rows are loaded
into them, then primary keys, unique and exclusion constraints are built, the foreign keys added, and the
other indexes built (``after_load``), all in the load's transaction. Building a key once from the loaded
rows is a sort; keeping it up to date during the load is a B-tree descent per row, and a foreign key in
place during the load is one query per row (PostgreSQL docs, "Populating a Database": "Remove Indexes",
"Remove Foreign Key Constraints"). Adding a foreign key validates every row in one query, so a row whose
parent was not copied still fails the refresh (``ForeignKeyViolation``) before anything is committed.

Tables still load parents first (``load_order``): the order is what a future parallel load groups by.
A cycle between tables (A -> B -> A) has no parents-first order; one edge of each cycle is *deferred*
(ignored for the order).
"""

from __future__ import annotations

from collections.abc import Iterable

from blueprint.refresh.catalog import Catalog, Column, ForeignKey, Table
from blueprint.refresh.sequences import ownership_ddl


def fk_key(fk: ForeignKey) -> tuple[str, str]:
    """A foreign key's identity: (child table, constraint name); names are unique per table only."""
    return fk.child, fk.name


def load_order(tables: Iterable[str], fks: Iterable[ForeignKey]) -> tuple[list[str], set[tuple[str, str]]]:
    """Tables parents first, and the foreign keys (``fk_key``) to create after the load (cycle edges).

    Deterministic: ties are broken by name. ``tables`` are ``schema.table`` names.
    """
    remaining = set(tables)
    edges = [fk for fk in fks if fk.child != fk.parent]
    order: list[str] = []
    deferred: set[tuple[str, str]] = set()

    def blocking(table: str) -> list[ForeignKey]:
        return sorted(
            (
                fk
                for fk in edges
                if fk.child == table and fk.parent in remaining and fk_key(fk) not in deferred
            ),
            key=lambda fk: (fk.parent, fk.name),
        )

    while remaining:
        ready = sorted(t for t in remaining if not blocking(t))
        if ready:
            order.append(ready[0])
            remaining.discard(ready[0])
            continue
        # Every remaining table waits for another: follow the waits until a table repeats; that table is
        # on a cycle, and the edge it waits on is created after the load instead.
        seen: list[str] = []
        table = sorted(remaining)[0]
        while table not in seen:
            seen.append(table)
            table = blocking(table)[0].parent
        deferred.add(fk_key(blocking(table)[0]))
    return order, deferred


def _column_sql(col: Column) -> str:
    parts = [psql_ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated:
        parts.append(f"GENERATED ALWAYS AS ({col.default}) STORED")
    elif col.identity:
        parts.append(f"GENERATED {'ALWAYS' if col.identity == 'a' else 'BY DEFAULT'} AS IDENTITY")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if col.not_null:
        parts.append("NOT NULL")
    return " ".join(parts)


def psql_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def create_table(table: Table) -> str:
    """``CREATE TABLE`` with columns only (constraints are added separately)."""
    return f"CREATE TABLE {table.qname} ({', '.join(_column_sql(c) for c in table.columns)})"


def _add_constraint(table: str, name: str, definition: str) -> str:
    return f"ALTER TABLE {table} ADD CONSTRAINT {psql_ident(name)} {definition}"


def before_load(catalog: Catalog, deferred: set[tuple[str, str]]) -> list[str]:
    """Schemas, extensions, types, sequences, tables and their CHECK constraints: everything the load
    needs in place (keys, foreign keys and indexes come after it: ``after_load``). ``deferred`` is accepted
    for symmetry with ``after_load`` and not used."""
    stmts = [f"CREATE SCHEMA IF NOT EXISTS {s}" for s in catalog.schemas]
    stmts += [
        f"CREATE EXTENSION IF NOT EXISTS {ext} WITH SCHEMA {schema}" for ext, schema in catalog.extensions
    ]
    stmts += catalog.collations
    stmts += [
        f"CREATE TYPE {name} AS ENUM ({', '.join(_literal(v) for v in labels)})"
        for name, labels in catalog.enums
    ]
    for name, base, not_null, default, checks in catalog.domains:
        stmts.append(
            f"CREATE DOMAIN {name} AS {base}"
            + (f" DEFAULT {default}" if default is not None else "")
            + (" NOT NULL" if not_null else "")
            + "".join(f" {c}" for c in checks)
        )
    stmts += catalog.composites
    stmts += [create for _, create in catalog.sequences]
    stmts += [create_table(t) for t in catalog.tables.values()]
    for table in catalog.tables.values():
        stmts += [
            _add_constraint(table.qname, c.name, c.definition) for c in table.constraints if c.kind == "c"
        ]
    stmts += ownership_ddl(catalog.owned_sequences, set(catalog.tables))
    return stmts


def key_ddl(catalog: Catalog) -> list[tuple[str, str]]:
    """(table, statement): primary keys, unique and exclusion constraints, built from the loaded rows."""
    return [
        (name, _add_constraint(table.qname, c.name, c.definition))
        for name, table in catalog.tables.items()
        for c in table.constraints
        if c.kind in "pux"
    ]


def foreign_key_ddl(catalog: Catalog) -> list[tuple[str, str]]:
    """(child table, statement): every foreign key, each validated against all loaded rows when added;
    one the source holds as ``NOT VALID`` too (the copied rows must satisfy it, as they had to when the
    constraint was in place during the load)."""
    return [
        (
            fk.child,
            _add_constraint(
                catalog.tables[fk.child].qname, fk.name, fk.definition.removesuffix(" NOT VALID")
            ),
        )
        for fk in catalog.foreign_keys
    ]


def after_load(catalog: Catalog) -> list[str]:
    """The indexes that are not constraints, then views (after ``key_ddl`` and ``foreign_key_ddl``)."""
    stmts = [index for table in catalog.tables.values() for index in table.indexes]
    stmts += [f"CREATE VIEW {name} AS {definition}" for name, definition in catalog.views]
    return stmts


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
