"""Check a rules file against the source database before anything is copied.

Every column of every table must be classified: a column the rules do not name (one a migration just
added) fails the refresh, naming the table and the column. Rules must also fit the schema:

- no rules for tables or columns that do not exist (stale rules hide mistakes);
- ``hmac`` on text, ``uuid`` or ``bigint`` only (a 32-bit integer has too few values: hashing a million
  keys into it collides); ``hmacEmail`` and ``fake`` on text; ``dateShift`` on dates and timestamps;
- the output fits ``varchar(n)``/``char(n)``;
- ``null`` only on nullable columns; ``null``, ``fixed`` and ``fake`` never on a primary-key or
  single-column unique key (they would collide); generated columns ``keep`` (recomputed from the masked
  columns they derive from);
- the two sides of a foreign key use the same strategy, so masked keys still join;
- ``fixed`` values are valid for the column type (PostgreSQL casts them).
"""

from __future__ import annotations

import psycopg

from blueprint.refresh.catalog import Catalog, Column, Table
from blueprint.refresh.rules import DateShift, Fake, Fixed, Hmac, HmacEmail, Keep, Null, Rules

_DATE_TYPES = ("date", "timestamp", "timestamptz")
_EMAIL_SUFFIX = len("@example.invalid")


def _unclassified(catalog: Catalog, rules: Rules, source: str) -> list[str]:
    problems = []
    for name, table in catalog.tables.items():
        named = rules.tables.get(name)
        if named is None:
            cols = ", ".join(c.name for c in table.columns)
            problems.append(f"{name}: table not classified; add it to {source} with a strategy for: {cols}")
            continue
        problems += [
            f"{name}.{c.name}: column not classified (new in a migration?); add a strategy for it to {source}"
            for c in table.columns
            if c.name not in named.columns
        ]
        problems += [
            f"{name}.{col}: the rules classify a column the database does not have; remove it from {source}"
            for col in named.columns
            if all(c.name != col for c in table.columns)
        ]
    problems += [
        f"{name}: the rules name a table the database does not have; remove it from {source}"
        for name in rules.tables
        if name not in catalog.tables
    ]
    return problems


def _fit(table: Table, col: Column, rule: object) -> str | None:
    """What is wrong with ``rule`` on ``col``, or None."""
    keyed = col.name in set(table.primary_key) | table.unique_columns()
    strategy = getattr(rule, "strategy", "")
    width = getattr(rule, "length", 0) + (_EMAIL_SUFFIX if isinstance(rule, HmacEmail) else 0)
    checks = [
        (col.generated and not isinstance(rule, Keep), "generated column: use keep (it is recomputed)"),
        (
            isinstance(rule, Null) and (col.not_null or keyed),
            "null on a NOT NULL or key column: use hmac or fixed",
        ),
        (isinstance(rule, Fixed | Fake) and keyed, f"{strategy} on a key column would collide: use hmac"),
        (
            isinstance(rule, Hmac) and not (col.textual or col.base_type in ("uuid", "int8")),
            f"hmac needs a text, uuid or bigint column, not {col.type}",
        ),
        (
            isinstance(rule, HmacEmail | Fake) and not col.textual,
            f"{strategy} needs a text column, not {col.type}",
        ),
        (
            isinstance(rule, DateShift) and col.base_type not in _DATE_TYPES,
            f"dateShift needs a date or timestamp column, not {col.type}",
        ),
        (
            isinstance(rule, Hmac | HmacEmail) and col.key_semantics == "unsupported",
            "its collation is non-deterministic with settings other than case/accent strength; "
            "hashed values would not join as the originals do: use keep or a deterministic collation",
        ),
        (
            isinstance(rule, Hmac | HmacEmail) and col.textual and width > (col.max_length or width),
            f"masked values are {width} characters but the column is {col.type}: lower length",
        ),
    ]
    return next((message for bad, message in checks if bad), None)


def _misfits(catalog: Catalog, rules: Rules) -> list[str]:
    problems = []
    for name, table in catalog.tables.items():
        named = rules.tables.get(name)
        for col in table.columns:
            rule = named.columns.get(col.name) if named else None
            problem = _fit(table, col, rule) if rule is not None else None
            if problem:
                problems.append(f"{name}.{col.name}: {problem}")
    return problems


def _join_breaks(catalog: Catalog, rules: Rules) -> list[str]:
    problems = []
    for fk in catalog.foreign_keys:
        for child_col, parent_col in zip(fk.child_columns, fk.parent_columns, strict=True):
            try:
                child = rules.strategy(fk.child, child_col)
                parent = rules.strategy(fk.parent, parent_col)
            except KeyError:
                continue  # reported as unclassified
            if child != parent:
                problems.append(
                    f"{fk.child}.{child_col}: references {fk.parent}.{parent_col}, which is masked with "
                    f"{parent.strategy}; use the same strategy on both sides so the masked keys still join"
                )
    return problems


def _bad_fixed_values(conn: psycopg.Connection, catalog: Catalog, rules: Rules) -> list[str]:
    problems = []
    for name, table in catalog.tables.items():
        named = rules.tables.get(name)
        for col in table.columns:
            rule = named.columns.get(col.name) if named else None
            if not isinstance(rule, Fixed):
                continue
            try:
                with conn.transaction():
                    conn.execute(f"SELECT CAST(%s AS {col.type})", (rule.value,))
            except psycopg.Error as exc:
                message = (exc.diag.message_primary or "invalid").splitlines()[0]
                problems.append(f"{name}.{col.name}: fixed value is not a valid {col.type} ({message})")
    return problems


def check_rules(
    conn: psycopg.Connection, catalog: Catalog, rules: Rules, source: str = "the rules"
) -> list[str]:
    """Every problem of ``rules`` against ``catalog`` (and ``conn``, which casts fixed values), one line
    each; ``[]`` when the rules classify the database completely and fit it."""
    problems = list(catalog.unsupported) + _unclassified(catalog, rules, source)
    return (
        problems
        + _misfits(catalog, rules)
        + _join_breaks(catalog, rules)
        + _bad_fixed_values(conn, catalog, rules)
    )
