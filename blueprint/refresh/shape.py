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


def cardinality_failures(
    src: psycopg.Connection, dst: psycopg.Connection, catalog: Catalog, owned: list[ForeignKey]
) -> list[str]:
    """Owned relations whose children-per-parent distribution moved (see the module docstring)."""
    failures = []
    for fk in owned:
        source, _ = _shares(src, catalog, fk)
        target, parents = _shares(dst, catalog, fk)
        if not parents:
            continue
        distance = sum(abs(source.get(b, 0.0) - target.get(b, 0.0)) for b in (0, 1, 2, 3, 6)) / 2
        allowed = TOLERANCE + 1 / math.sqrt(parents)
        if distance > allowed:
            failures.append(
                f"{fk.parent} -> {fk.child}: children per parent differ from the source by {distance:.2f} "
                f"(total variation distance; allowed {allowed:.2f} for {parents} parents)"
            )
    return failures
