"""The assertions a masked database must pass before anything is committed or shared.

Each returns failure lines (``[]`` = passed). No line ever contains a value from the database: a failure
names the table, column, detector and a count, so the report can be shown and logged safely.

- ``detector_failures``: no value of any column that can hold characters matches a PII detector
  (``detectors.detect``): text, JSON, XML, ``bytea``, ``hstore`` and other extension types, and arrays,
  composite types, ranges and domains over any of them, read through their text form (nested values
  included; ``Column.scan_expression``). Columns whose every value the engine wrote from an alphabet no
  detector matches are proven clean without reading them (``engine_written``).
- ``original_failures``: of a random sample of original values of each masked text column
  (``sample_originals``, taken from the kept source rows), none is present in that column of the target,
  unless the strategy could have produced it (a fake "Anna Smith" equal to a real one) or it is the rule's
  fixed value.
- ``orphan_failures``: every foreign key holds (the constraints already enforce it; this counts anyway).
- ``count_failures``: each table holds exactly the rows selected, and the total is within ``maxRows``.
- ``schema_failures``: the target has the source's tables and columns (nothing was dropped on the way).
"""

from __future__ import annotations

import html
from collections import Counter

import psycopg

from blueprint.refresh.catalog import Catalog, Column, Table, read_catalog
from blueprint.refresh.ddl import psql_ident
from blueprint.refresh.detectors import SQL_FICTIONAL, SQL_PREFILTER, detect
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import decode
from blueprint.refresh.rules import Fake, Fixed, Hmac, HmacEmail, Keep, Null, Rules, table_name
from blueprint.refresh.subset import Selection

#: Original values sampled per masked column.
SAMPLE_SIZE = 200


def suspect_condition(expr: str) -> str:
    """SQL: whether ``expr`` may hold PII: ``SQL_PREFILTER`` matches it once fictional phone numbers (what
    the ``phone`` fake writes) are cut out. Guarded by cheap tests first (an ``@``, ``&#`` or seven
    digits): the guard holds whenever the full test does (cutting a fictional number out leaves a single
    space, so it can only break digit runs and ``@`` contexts, never create them), and it spares most
    values PostgreSQL's regular expressions, which cost 5-30 µs per value.

    The guard is the condition of a ``CASE``, not the left side of an ``AND``: the planner orders the
    operands of an ``AND`` by its cost estimate (``order_qual_clauses``), which put the one regular
    expression before the guard's many function calls, so the guard spared nothing (1.1 s instead of
    0.16 s on 343,750 SKUs). ``CASE`` evaluates its condition first (PostgreSQL docs, "Expression
    Evaluation Rules")."""
    fictional = "'" + SQL_FICTIONAL.replace("'", "''") + "'"
    prefilter = "'" + SQL_PREFILTER.replace("'", "''") + "'"
    digits = f"length({expr}) >= 7 AND length({expr}) - length(translate({expr}, '0123456789', '')) >= 7"
    guard = f"strpos({expr}, '@') > 0 OR strpos({expr}, '&#') > 0 OR ({digits})"
    full = f"regexp_replace({expr}, {fictional}, ' ', 'g') ~ {prefilter}"
    return f"(CASE WHEN {guard} THEN {full} ELSE false END)"


def _suspect(expr: str) -> str:
    """SQL: the value of ``expr`` when it may hold PII (``suspect_condition``), else NULL. Only suspects
    reach Python."""
    return f"CASE WHEN {suspect_condition(expr)} THEN {expr} END"


def engine_written(rule: object, column: Column) -> bool:
    """Whether every value of a column under ``rule`` was written by the engine from an alphabet no detector
    matches, so the column need not be read: ``null``; ``hmac``/``hmacEmail`` (lowercase letters, the
    reserved ``example.invalid`` domain; on ``uuid``/``bigint`` columns, which are not scanned anyway);
    ``fake`` (pools without digits, ``@`` or ``&``, at most 5 digits in a row, fictional phone numbers:
    ``fakes.FakeValues``); ``fixed`` on a text column (stored as written) when the value itself matches no
    detector. The original-value check still samples all of them."""
    if isinstance(rule, Fixed):
        return column.textual and not detect_all(rule.value) and "&" not in rule.value
    return isinstance(rule, Null | Hmac | HmacEmail | Fake)


def _scan_table(dst: psycopg.Connection, table: Table, rules: Rules | None) -> Counter[tuple[str, str]]:
    cols = [
        c
        for c in table.columns
        if c.carries_text and not (rules and engine_written(rules.strategy(table.name, c.name), c))
    ]
    hits: Counter[tuple[str, str]] = Counter()
    if not cols:
        return hits
    suspects = [_suspect(c.scan_expression()) for c in cols]
    where = " OR ".join(suspect_condition(c.scan_expression()) for c in cols)
    sql = f"COPY (SELECT {', '.join(suspects)} FROM {table.qname} WHERE {where}) TO STDOUT"
    with dst.cursor().copy(sql) as copy:
        for data in copy:
            line = bytes(data)
            for col, field in zip(cols, line[:-1].split(b"\t"), strict=True):
                value = decode(field)
                if value is not None:
                    hits.update((col.name, found) for found in detect_all(value.decode()))
    return hits


def detect_all(text: str) -> set[str]:
    """``detect`` on a value as stored and, when it holds character references (XML, HTML:
    ``&#64;``), as they read."""
    found = set(detect(text))
    if "&" in text:
        found |= set(detect(html.unescape(text)))
    return found


def detector_failures(dst: psycopg.Connection, catalog: Catalog, rules: Rules | None = None) -> list[str]:
    """Columns whose values match a PII detector, with counts. With ``rules``, the columns the engine
    wrote (``engine_written``) are not read; without, every column that can hold characters is."""
    failures = []
    for name, table in catalog.tables.items():
        for (col, detector), count in sorted(_scan_table(dst, table, rules).items()):
            failures.append(f"{name}.{col}: {count} value(s) match the {detector} detector")
    return failures


#: Sampled original values per masked column: (``schema.table``, column) -> values as text.
Samples = dict[tuple[str, str], list[str]]


def _masked_text_columns(catalog: Catalog, rules: Rules, selection: Selection) -> list[tuple[Table, Column]]:
    return [
        (table, col)
        for name, table in catalog.tables.items()
        if selection.counts[name]
        for col in table.columns
        if col.carries_text and not isinstance(rules.strategy(name, col.name), Keep | Null)
    ]


def sample_originals(
    src: psycopg.Connection, catalog: Catalog, rules: Rules, selection: Selection
) -> Samples:
    """Up to ``SAMPLE_SIZE`` original values of each masked text column, from the kept source rows
    (read on the source session while the target builds its keys)."""
    samples: Samples = {}
    for table, col in _masked_text_columns(catalog, rules, selection):
        expr = col.scan_expression("t")
        samples[(table.name, col.name)] = [
            v
            for (v,) in src.execute(
                f"SELECT {expr} FROM {table.qname} t {selection.kept_join(catalog, table.name, 't')} "
                f"WHERE random() < %s AND {expr} IS NOT NULL LIMIT %s",
                (min(1.0, 4 * SAMPLE_SIZE / selection.counts[table.name]), SAMPLE_SIZE),
            ).fetchall()
        ]
    return samples


def original_failures(
    dst: psycopg.Connection, catalog: Catalog, *, rules: Rules, samples: Samples, fakes: FakeValues
) -> list[str]:
    """Masked text columns that still hold sampled original values (``sample_originals``; see the module
    docstring)."""
    failures = []
    for (name, column), originals in samples.items():
        table, rule = catalog.tables[name], rules.strategy(name, column)
        expr = table.column(column).scan_expression("t")
        # A hashed semi-join: one probe per target row, not a comparison with every sampled value.
        present = {
            v
            for (v,) in dst.execute(
                f"SELECT DISTINCT {expr} FROM {table.qname} t WHERE {expr} IN (SELECT unnest(%s::text[]))",
                (originals,),
            ).fetchall()
        }
        if isinstance(rule, Fake):
            present = {v for v in present if not fakes.could_produce(rule.kind, v)}
        if isinstance(rule, Fixed):
            present.discard(rule.value)
        if present:
            failures.append(
                f"{name}.{column}: {len(present)} of {len(originals)} sampled original values "
                "are still present"
            )
    return failures


def _validated_foreign_keys(dst: psycopg.Connection) -> set[tuple[str, str]]:
    """(``schema.table``, constraint name) of the target's validated foreign keys."""
    rows = dst.execute(
        "SELECT n.nspname, c.relname, con.conname FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE con.contype = 'f' AND con.convalidated"
    ).fetchall()
    return {(table_name(schema, table), name) for schema, table, name in rows}


def orphan_failures(dst: psycopg.Connection, catalog: Catalog) -> list[str]:
    """Foreign keys with rows whose parent is missing, with counts. A foreign key the target holds as
    validated (``pg_constraint.convalidated``: PostgreSQL checked every row when it was added, in this
    transaction, and checks every change since) cannot have any and is not scanned again; any other is
    counted with an anti-join."""
    validated = _validated_foreign_keys(dst)
    failures = []
    for fk in catalog.foreign_keys:
        if (fk.child, fk.name) in validated:
            continue
        child, parent = catalog.tables[fk.child].qname, catalog.tables[fk.parent].qname
        present = " AND ".join(f"c.{psql_ident(c)} IS NOT NULL" for c in fk.child_columns)
        join = fk.join("c", "p")
        row = dst.execute(
            f"SELECT count(*) FROM {child} c WHERE {present} "
            f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {join})"
        ).fetchone()
        if row and row[0]:
            failures.append(f"{fk.child} -> {fk.parent} ({fk.name}): {row[0]} orphan row(s)")
    return failures


def count_failures(
    dst: psycopg.Connection, catalog: Catalog, kept: dict[str, int], max_rows: int
) -> list[str]:
    """Tables whose row count differs from the subset, and a total over the budget."""
    failures = []
    for name, table in catalog.tables.items():
        row = dst.execute(f"SELECT count(*) FROM {table.qname}").fetchone()
        actual = int(row[0]) if row else 0
        if actual != kept[name]:
            failures.append(f"{name}: {actual} rows loaded, {kept[name]} selected")
    total = sum(kept.values())
    if total > max_rows:
        failures.append(f"subset: {total} rows, over the budget subset.maxRows={max_rows}")
    return failures


def schema_failures(dst: psycopg.Connection, catalog: Catalog) -> list[str]:
    """Tables or columns of the source that the target lacks."""
    target = read_catalog(dst)
    failures = []
    for name, table in catalog.tables.items():
        copied = target.tables.get(name)
        if copied is None:
            failures.append(f"{name}: missing in the target")
            continue
        missing = [c.name for c in table.columns if c.name not in {d.name for d in copied.columns}]
        if missing:
            failures.append(f"{name}: columns missing in the target: {', '.join(missing)}")
    return failures
