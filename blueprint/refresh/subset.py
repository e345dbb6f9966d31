"""Choose the rows to copy: roots, children of kept rows, and the foreign-key closure.

Runs on the source connection inside one REPEATABLE READ transaction (one snapshot for selecting and
copying). Kept rows are remembered by ``ctid`` in one temporary table per source table (``ctid`` is stable
for a row version, and the snapshot keeps the versions we saw; PostgreSQL docs, "System Columns").

1. Seeds: the rows of each root matching its ``where``, or a ``fraction`` sampled with
   ``TABLESAMPLE BERNOULLI ... REPEATABLE (seed)`` (the seed comes from the refresh key); every row of the
   ``full`` tables.
2. Children (``followChildren``): in load order (parents first), rows that reference a kept row of a root
   or of a table already reached this way. Self-references and cycle edges are not followed downwards.
3. Closure: every row referenced by a kept row is kept, repeated until nothing changes. Self-references
   use a recursive query (a management chain of any depth closes in one statement); cycles between
   tables converge because each pass only adds rows.
4. Owned children: every kept row's rows in owned child tables (``subset.owned``, and 1:1 children whose
   foreign key is unique) are kept too, whatever brought the parent in; then 3 again, until nothing
   changes. The ``maxRows`` budget is checked on the result.

The closure is what the foreign keys of the target then verify: a row whose parent was not kept could not
load.
"""

from __future__ import annotations

import hmac

import psycopg

from blueprint.refresh.catalog import Catalog, ForeignKey
from blueprint.refresh.rules import Subset


def keep_table(catalog: Catalog, table: str) -> str:
    """The temporary table holding the kept ``ctid``s of ``table``."""
    return f"pg_temp.keep_{list(catalog.tables).index(table)}"


def _join(fk: ForeignKey, child: str, parent: str) -> str:
    return fk.join(child, parent)


def _seed(conn: psycopg.Connection, catalog: Catalog, subset: Subset, key: bytes) -> None:
    for root in subset.roots:
        table = catalog.tables[root.table]
        keep = keep_table(catalog, root.table)
        if root.where is not None:
            conn.execute(f"INSERT INTO {keep} SELECT ctid FROM {table.qname} WHERE ({root.where})")
        else:
            seed = int.from_bytes(hmac.digest(key, b"sample\x00" + root.table.encode(), "sha256")[:4], "big")
            percent = float(root.fraction or 0) * 100
            conn.execute(
                f"INSERT INTO {keep} SELECT ctid FROM {table.qname} "
                f"TABLESAMPLE BERNOULLI ({percent!r}) REPEATABLE ({seed % 2**31})"
            )
    for name in subset.full:
        conn.execute(f"INSERT INTO {keep_table(catalog, name)} SELECT ctid FROM {catalog.tables[name].qname}")


def _add_referencing(conn: psycopg.Connection, catalog: Catalog, fk: ForeignKey) -> int:
    """Keep the ``fk.child`` rows that reference kept ``fk.parent`` rows; returns how many were added."""
    child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
    keep_child = keep_table(catalog, fk.child)
    cur = conn.execute(
        f"INSERT INTO {keep_child} SELECT c.ctid FROM {child} c "
        f"JOIN {parent} p ON {_join(fk, 'c', 'p')} "
        f"JOIN {keep_table(catalog, fk.parent)} k ON k.tid = p.ctid {_new('c', keep_child)}"
    )
    return cur.rowcount


def _new(alias: str, keep: str) -> str:
    """SQL: only rows not kept yet. The anti-join spares PostgreSQL a speculative insertion per row
    already kept (every pass of the closure meets all of them again); ON CONFLICT still removes the
    duplicates within one statement (two kept children of one parent)."""
    return f"WHERE NOT EXISTS (SELECT FROM {keep} x WHERE x.tid = {alias}.ctid) ON CONFLICT DO NOTHING"


def _add_referenced(conn: psycopg.Connection, catalog: Catalog, fk: ForeignKey) -> int:
    """Keep the ``fk.parent`` rows that kept ``fk.child`` rows reference; returns how many were added."""
    child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
    keep_child, keep_parent = keep_table(catalog, fk.child), keep_table(catalog, fk.parent)
    if fk.child == fk.parent:
        # Start from the parents of kept rows that are not kept yet and climb through rows not kept yet:
        # every missing ancestor of a kept row is reached (its first missing ancestor has a kept child),
        # without re-walking the chains above rows that are already kept.
        fresh = f"NOT EXISTS (SELECT FROM {keep_parent} x WHERE x.tid = p.ctid)"
        parents = f"SELECT p.ctid FROM {parent} p JOIN {child} c ON {_join(fk, 'c', 'p')}"
        sql = (
            f"WITH RECURSIVE up(tid) AS ({parents} JOIN {keep_child} k ON k.tid = c.ctid WHERE {fresh} "
            f"UNION {parents} JOIN up ON up.tid = c.ctid WHERE {fresh}) "
            f"INSERT INTO {keep_parent} SELECT tid FROM up ON CONFLICT DO NOTHING"
        )
    else:
        sql = (
            f"INSERT INTO {keep_parent} SELECT p.ctid FROM {parent} p "
            f"JOIN {child} c ON {_join(fk, 'c', 'p')} "
            f"JOIN {keep_child} k ON k.tid = c.ctid {_new('p', keep_parent)}"
        )
    return conn.execute(sql).rowcount


def _children(conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str]) -> None:
    driving = {r.table for r in subset.roots}
    for table in order:
        if table not in driving:
            continue
        for fk in catalog.foreign_keys:
            downwards = fk.child != table and order.index(fk.child) > order.index(table)
            if fk.parent == table and downwards and fk.child not in subset.full:
                _add_referencing(conn, catalog, fk)
                driving.add(fk.child)


def owned_keys(catalog: Catalog, subset: Subset) -> list[ForeignKey]:
    """Foreign keys whose child rows belong to their parent: the child is listed in ``subset.owned``, or
    its foreign-key columns are unique (1:1). Self-references never are."""
    owned = []
    for fk in catalog.foreign_keys:
        child = catalog.tables[fk.child]
        unique = {c.columns for c in child.constraints if c.kind in "pu"}
        one_to_one = any(set(cols) == set(fk.child_columns) for cols in unique)
        if fk.child != fk.parent and (fk.child in subset.owned or one_to_one):
            owned.append(fk)
    return owned


def _closure(conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str]) -> None:
    # Children before parents: most references close in the first pass; cycles take more. Owned children
    # of every kept parent come along, and their own references close in the next pass.
    fks = sorted(catalog.foreign_keys, key=lambda fk: -order.index(fk.child))
    owned = owned_keys(catalog, subset)
    while sum(_add_referenced(conn, catalog, fk) for fk in fks) + sum(
        _add_referencing(conn, catalog, fk) for fk in owned
    ):
        pass


def select_rows(
    conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str], key: bytes
) -> dict[str, int]:
    """Fill one ``keep_table`` per table (see the module docstring); returns kept rows per table."""
    for name in catalog.tables:
        conn.execute(
            f"CREATE TEMPORARY TABLE {keep_table(catalog, name)} (tid tid PRIMARY KEY) ON COMMIT DROP"
        )
    _seed(conn, catalog, subset, key)
    if subset.follow_children:
        _children(conn, catalog, subset, order)
    _closure(conn, catalog, subset, order)
    counts = {}
    for name in catalog.tables:
        row = conn.execute(f"SELECT count(*) FROM {keep_table(catalog, name)}").fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts
