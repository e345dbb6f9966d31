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

Whole tables are not listed row by row (``Selection.complete``): a ``full`` table, a root with
``fraction: 1``, and a child every row of which references a whole parent (its foreign key is validated
and its columns are NOT NULL, so each row has a parent). Their temporary table stays empty and every query
reads the table itself: no ``ctid`` is inserted, looked up or joined for them, the closure skips the
references into them (every parent is already kept) and the owned children they are (every child too),
and the load reads them without a join. A refresh of a whole database does no subset work beyond the
checks that prove it whole.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import psycopg

from blueprint.refresh.catalog import Catalog, ForeignKey
from blueprint.refresh.rules import Subset


def keep_table(catalog: Catalog, table: str) -> str:
    """The temporary table holding the kept ``ctid``s of ``table`` (empty for a whole table)."""
    return f"pg_temp.keep_{list(catalog.tables).index(table)}"


@dataclass(frozen=True)
class Selection:
    """The subset chosen: ``counts`` of kept rows per table (``schema.table``), and the tables kept whole
    (``complete``), whose rows are not listed in their ``keep_table``."""

    counts: dict[str, int]
    complete: frozenset[str]

    def kept_join(self, catalog: Catalog, table: str, alias: str) -> str:
        """SQL joining the rows of ``table`` (aliased ``alias``) to its kept rows: ``""`` for a whole
        table, else a join on ``ctid`` with its ``keep_table``."""
        return "" if table in self.complete else _kept_join(catalog, table, alias, "k")


def _kept_join(catalog: Catalog, table: str, alias: str, keep_alias: str) -> str:
    return f"JOIN {keep_table(catalog, table)} {keep_alias} ON {keep_alias}.tid = {alias}.ctid"


def _seed(conn: psycopg.Connection, catalog: Catalog, subset: Subset, key: bytes, complete: set[str]) -> None:
    complete.update(subset.full)
    for root in subset.roots:
        table = catalog.tables[root.table]
        keep = keep_table(catalog, root.table)
        if root.where is not None:
            conn.execute(f"INSERT INTO {keep} SELECT ctid FROM {table.qname} WHERE ({root.where})")
        elif root.fraction is not None and root.fraction >= 1:
            complete.add(root.table)
        else:
            seed = int.from_bytes(hmac.digest(key, b"sample\x00" + root.table.encode(), "sha256")[:4], "big")
            percent = float(root.fraction or 0) * 100
            conn.execute(
                f"INSERT INTO {keep} SELECT ctid FROM {table.qname} "
                f"TABLESAMPLE BERNOULLI ({percent!r}) REPEATABLE ({seed % 2**31})"
            )


def _add_referencing(conn: psycopg.Connection, catalog: Catalog, fk: ForeignKey, complete: set[str]) -> int:
    """Keep the ``fk.child`` rows that reference kept ``fk.parent`` rows; returns how many were added."""
    if fk.child in complete:
        return 0
    child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
    keep_child = keep_table(catalog, fk.child)
    parents = "" if fk.parent in complete else _kept_join(catalog, fk.parent, "p", "k")
    cur = conn.execute(
        f"INSERT INTO {keep_child} SELECT c.ctid FROM {child} c "
        f"JOIN {parent} p ON {fk.join('c', 'p')} {parents} {_new('c', keep_child)}"
    )
    return cur.rowcount


def _new(alias: str, keep: str) -> str:
    """SQL: only rows not kept yet. The anti-join spares PostgreSQL a speculative insertion per row
    already kept (every pass of the closure meets all of them again); ON CONFLICT still removes the
    duplicates within one statement (two kept children of one parent)."""
    return f"WHERE NOT EXISTS (SELECT FROM {keep} x WHERE x.tid = {alias}.ctid) ON CONFLICT DO NOTHING"


def _add_referenced(conn: psycopg.Connection, catalog: Catalog, fk: ForeignKey, complete: set[str]) -> int:
    """Keep the ``fk.parent`` rows that kept ``fk.child`` rows reference; returns how many were added."""
    if fk.parent in complete:
        return 0  # every parent is kept already
    child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
    keep_parent = keep_table(catalog, fk.parent)
    if fk.child == fk.parent:
        # Start from the parents of kept rows that are not kept yet and climb through rows not kept yet:
        # every missing ancestor of a kept row is reached (its first missing ancestor has a kept child),
        # without re-walking the chains above rows that are already kept.
        fresh = f"NOT EXISTS (SELECT FROM {keep_parent} x WHERE x.tid = p.ctid)"
        parents = f"SELECT p.ctid FROM {parent} p JOIN {child} c ON {fk.join('c', 'p')}"
        sql = (
            f"WITH RECURSIVE up(tid) AS ({parents} {_kept_join(catalog, fk.child, 'c', 'k')} WHERE {fresh} "
            f"UNION {parents} JOIN up ON up.tid = c.ctid WHERE {fresh}) "
            f"INSERT INTO {keep_parent} SELECT tid FROM up ON CONFLICT DO NOTHING"
        )
    else:
        children = "" if fk.child in complete else _kept_join(catalog, fk.child, "c", "k")
        sql = (
            f"INSERT INTO {keep_parent} SELECT p.ctid FROM {parent} p "
            f"JOIN {child} c ON {fk.join('c', 'p')} {children} {_new('p', keep_parent)}"
        )
    return conn.execute(sql).rowcount


def covers(catalog: Catalog, fk: ForeignKey) -> bool:
    """Whether every row of ``fk.child`` references a row of ``fk.parent``: the constraint is validated
    (``pg_constraint.convalidated``) and its columns are NOT NULL."""
    child = catalog.tables[fk.child]
    return fk.validated and all(child.column(c).not_null for c in fk.child_columns)


def _children(
    conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str], complete: set[str]
) -> None:
    driving = {r.table for r in subset.roots}
    for table in order:
        if table not in driving:
            continue
        for fk in catalog.foreign_keys:
            downwards = fk.child != table and order.index(fk.child) > order.index(table)
            if fk.parent == table and downwards and fk.child not in subset.full:
                if fk.parent in complete and covers(catalog, fk):
                    complete.add(fk.child)  # every child row has its parent, and every parent is kept
                else:
                    _add_referencing(conn, catalog, fk, complete)
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


def _closure(
    conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str], complete: set[str]
) -> None:
    # Children before parents: most references close in the first pass; cycles take more. Owned children
    # of every kept parent come along, and their own references close in the next pass.
    fks = sorted(catalog.foreign_keys, key=lambda fk: -order.index(fk.child))
    owned = owned_keys(catalog, subset)
    while sum(_add_referenced(conn, catalog, fk, complete) for fk in fks) + sum(
        _add_referencing(conn, catalog, fk, complete) for fk in owned
    ):
        pass


def select_rows(
    conn: psycopg.Connection, catalog: Catalog, subset: Subset, order: list[str], key: bytes
) -> Selection:
    """Fill one ``keep_table`` per table that is not kept whole (see the module docstring)."""
    for name in catalog.tables:
        conn.execute(
            f"CREATE TEMPORARY TABLE {keep_table(catalog, name)} (tid tid PRIMARY KEY) ON COMMIT DROP"
        )
    complete: set[str] = set()
    _seed(conn, catalog, subset, key, complete)
    if subset.follow_children:
        _children(conn, catalog, subset, order, complete)
    _closure(conn, catalog, subset, order, complete)
    counts = {}
    for name, table in catalog.tables.items():
        source = table.qname if name in complete else keep_table(catalog, name)
        row = conn.execute(f"SELECT count(*) FROM {source}").fetchone()
        counts[name] = int(row[0]) if row else 0
    return Selection(counts, frozenset(complete))
