"""Production's shape kept: children per parent in the target against the source.

For every owned relation (``subset.owned_keys``: a declared owned child table, or a 1:1 foreign key), the
distribution of the number of child rows per parent row is bucketed (0, 1, 2, 3-5, 6 or more) in the
whole source and in the target. The assertion fails when the two differ by more than
``TOLERANCE + 1/sqrt(parents in the target)`` in total variation distance (half the sum of the absolute
differences of the bucket shares: 0 = same shape, 1 = disjoint). The second term allows for the sampling
noise of a small subset. A target whose users lack the account every production user has differs by the
whole share of those users.
"""

from __future__ import annotations

import math

import psycopg

from blueprint.refresh.catalog import Catalog, ForeignKey

#: Total-variation distance allowed on top of the sampling allowance.
TOLERANCE = 0.05
_BUCKETS = "CASE WHEN n <= 2 THEN n WHEN n <= 5 THEN 3 ELSE 6 END"


def _shares(conn: psycopg.Connection, catalog: Catalog, fk: ForeignKey) -> tuple[dict[int, float], int]:
    child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
    rows = conn.execute(
        f"SELECT {_BUCKETS} AS b, count(*) FROM (SELECT count(c.ctid) AS n FROM {parent} p "
        f"LEFT JOIN {child} c ON {fk.join('c', 'p')} GROUP BY p.ctid) s GROUP BY b"
    ).fetchall()
    total = sum(int(n) for _, n in rows)
    return ({int(b): int(n) / total for b, n in rows} if total else {}), total


#: Bucket -> share of the parents, per owned relation (``schema.child``, constraint name).
Shapes = dict[tuple[str, str], dict[int, float]]


def source_shapes(src: psycopg.Connection, catalog: Catalog, owned: list[ForeignKey]) -> Shapes:
    """The children-per-parent distribution of each owned relation in the whole source (read while the
    target builds its keys: the two are different sessions, on different servers in a real refresh)."""
    return {(fk.child, fk.name): _shares(src, catalog, fk)[0] for fk in owned}


def cardinality_failures(
    dst: psycopg.Connection, catalog: Catalog, owned: list[ForeignKey], source: Shapes
) -> list[str]:
    """Owned relations whose children-per-parent distribution in the target moved away from ``source``
    (``source_shapes``; see the module docstring)."""
    failures = []
    for fk in owned:
        target, parents = _shares(dst, catalog, fk)
        if not parents:
            continue
        before = source[(fk.child, fk.name)]
        distance = sum(abs(before.get(b, 0.0) - target.get(b, 0.0)) for b in (0, 1, 2, 3, 6)) / 2
        allowed = TOLERANCE + 1 / math.sqrt(parents)
        if distance > allowed:
            failures.append(
                f"{fk.parent} -> {fk.child}: children per parent differ from the source by {distance:.2f} "
                f"(total variation distance; allowed {allowed:.2f} for {parents} parents)"
            )
    return failures
