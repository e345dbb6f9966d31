"""The masking engine: source database -> subset, masked, asserted copy in the target database.

``mask_database(source_dsn, target_dsn, rules, key)``:

1. reads the source catalog and checks the rules against it (``coverage.check_rules``): an unclassified
   column stops here, naming the table and column;
2. selects the subset (``subset.select_rows``) and stops if it is over ``subset.maxRows``;
3. in ONE target transaction: creates the schema with keys, checks and foreign keys (``ddl``), streams
   each table with ``COPY ... TO STDOUT`` from the source through the maskers into ``COPY ... FROM STDIN``
   (parents first; an orphan fails the load), adds deferred foreign keys, indexes and views, moves the
   sequences owned by copied columns past the source's values (``sequences``), then runs the assertions
   (``assertions``);
4. commits only when every assertion passed. Otherwise it rolls back: the target is left as it was and
   ``RefreshError("mask", reasons)`` names what failed (tables, columns, counts: never a value).

The source is only read (one REPEATABLE READ transaction; temporary tables hold the subset). SQL stays
within PostgreSQL 15 (tested on 15; RDS runs 16-18).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import psycopg
from psycopg import IsolationLevel

from blueprint.refresh import assertions
from blueprint.refresh.catalog import Catalog, Column, Table, read_catalog
from blueprint.refresh.coverage import check_rules
from blueprint.refresh.ddl import after_load, before_load, load_order, psql_ident
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.fit import output_problems
from blueprint.refresh.masking import check_key, column_masker, row_masker
from blueprint.refresh.pg import session_settings
from blueprint.refresh.pgtypes import LOWER
from blueprint.refresh.rules import Hmac, HmacEmail, Rules
from blueprint.refresh.sequences import sync_sequences, sync_unowned
from blueprint.refresh.shape import cardinality_failures
from blueprint.refresh.subset import keep_table, owned_keys, select_rows

STEP = "mask"
#: Rows joined into one COPY write (one libpq call instead of one per row).
WRITE_BATCH = 512


@dataclass
class MaskReport:
    """What a successful run did.

    Attributes:
        rows: rows copied per table (``schema.table`` -> count).
        seconds: wall time of the whole run.
        load_seconds: wall time of streaming and masking the rows (what ``rows_per_second`` divides by).
        checks: the assertions that ran, each passed.
        skipped: objects not copied (materialized views).
    """

    rows: dict[str, int]
    seconds: float
    load_seconds: float
    checks: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.load_seconds if self.load_seconds > 0 else 0.0


def _safe_error(table: str, exc: psycopg.Error) -> str:
    """A load error without the row values PostgreSQL puts in its DETAIL line."""
    constraint = exc.diag.constraint_name
    what = type(exc).__name__
    return f"{table}: {what}" + (f" on {constraint}" if constraint else "") + " (values not shown)"


@dataclass
class _Run:
    """What every stage of one run shares: both connections, the source catalog, rules, key and fakes."""

    src: psycopg.Connection
    dst: psycopg.Connection
    catalog: Catalog
    rules: Rules
    key: bytes
    fakes: FakeValues


def _out_expression(run: _Run, table: Table, col: Column) -> str:
    """How a column is read from the source: as is, or ``lower()``-ed by the source database when it is
    ``citext`` and hashed (its equality is that of ``lower()``, so the hash must be of ``lower()`` too)."""
    ref = f"t.{psql_ident(col.name)}"
    hashed = isinstance(run.rules.strategy(table.name, col.name), Hmac | HmacEmail)
    return f"lower({ref}::text)" if hashed and col.key_semantics == LOWER else ref


def _stream_table(run: _Run, table: Table) -> int:
    cols = [c for c in table.columns if not c.generated]
    names = [c.name for c in cols]
    key_fields = [names.index(k) for k in table.primary_key if k in names]
    maskers = [
        column_masker(
            run.key, run.rules.strategy(table.name, c.name), c, table=table.name, key_fields=key_fields,
            fakes=run.fakes,
        )
        for c in cols
    ]  # fmt: skip
    mask = row_masker(maskers)
    select = ", ".join(_out_expression(run, table, c) for c in cols)
    kept = keep_table(run.catalog, table.name)
    out_sql = f"COPY (SELECT {select} FROM {table.qname} t JOIN {kept} k ON k.tid = t.ctid) TO STDOUT"
    in_sql = f"COPY {table.qname} ({', '.join(psql_ident(n) for n in names)}) FROM STDIN"
    rows, batch = 0, []
    with run.src.cursor().copy(out_sql) as out, run.dst.cursor().copy(in_sql) as into:
        for data in out:
            batch.append(mask(bytes(data)))
            if len(batch) == WRITE_BATCH:
                into.write(b"".join(batch))
                rows, batch = rows + len(batch), []
        into.write(b"".join(batch))
    return rows + len(batch)


def _load(run: _Run, order: list[str]) -> dict[str, int]:
    rows = {}
    for name in order:
        try:
            rows[name] = _stream_table(run, run.catalog.tables[name])
        except psycopg.Error as exc:
            raise RefreshError(STEP, [_safe_error(name, exc)]) from None
    return rows


def _run_ddl(dst: psycopg.Connection, statements: list[str], what: str) -> None:
    for stmt in statements:
        try:
            dst.execute(stmt)
        except psycopg.Error as exc:
            raise RefreshError(STEP, [_safe_error(what, exc) + f" while running: {stmt[:120]}"]) from None


def _prepare_target(dst: psycopg.Connection, catalog: Catalog, reset: bool) -> None:
    """Refuse a target that already has tables, unless ``reset`` (then drop the source's schemas there)."""
    present = dst.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname !~ '^pg_'"
    ).fetchone()
    if present and present[0] and not reset:
        raise RefreshError(STEP, ["the target database already has tables; give an empty database"])
    if reset:
        for schema in catalog.schemas:
            dst.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _assert(run: _Run, rows: dict[str, int]) -> list[str]:
    dst, catalog = run.dst, run.catalog
    checks = {
        "schema": assertions.schema_failures(dst, catalog),
        "row counts": assertions.count_failures(dst, catalog, rows, run.rules.subset.max_rows),
        "foreign keys": assertions.orphan_failures(dst, catalog),
        "children per parent": cardinality_failures(
            run.src, dst, catalog, owned_keys(catalog, run.rules.subset)
        ),
        "PII detectors": assertions.detector_failures(dst, catalog),
        "original values": assertions.original_failures(
            run.src, dst, catalog, rules=run.rules, kept=rows, fakes=run.fakes
        ),
    }
    failures = [line for lines in checks.values() for line in lines]
    if failures:
        raise RefreshError(STEP, failures)
    return ["classification", *checks]


def _connect(dsn: str, isolation: IsolationLevel | None = None) -> psycopg.Connection:
    conn = psycopg.connect(dsn)
    if isolation is not None:
        conn.isolation_level = isolation
    session_settings(conn)
    return conn


def mask_database(
    source_dsn: str,
    target_dsn: str,
    rules: Rules,
    key: bytes,
    *,
    reset: bool = False,
    rules_name: str = "the rules",
) -> MaskReport:
    """Copy a masked subset of the source database into the target (see the module docstring).

    Args:
        source_dsn, target_dsn: libpq connection strings (they hold passwords: never print them).
        rules: the validated rules file.
        key: the per-refresh secret (at least 32 bytes; ``ValueError`` otherwise).
        reset: drop the source's schemas in the target first (a re-run of the same refresh).
        rules_name: how problems refer to the rules file (e.g. its path).

    Raises:
        RefreshError: unclassified columns, rules that do not fit, a subset over budget, a failed load or
            a failed assertion; the target is unchanged.
    """
    check_key(key)
    started = time.perf_counter()
    with _connect(source_dsn, IsolationLevel.REPEATABLE_READ) as src, _connect(target_dsn) as dst:
        catalog = read_catalog(src)
        fakes = FakeValues(key)
        problems = check_rules(src, catalog, rules, rules_name) + output_problems(
            src, catalog, rules, key, fakes
        )
        if problems:
            raise RefreshError(STEP, problems)
        order, deferred = load_order(catalog.tables, catalog.foreign_keys)
        kept = select_rows(src, catalog, rules.subset, order, key)
        if sum(kept.values()) > rules.subset.max_rows:
            raise RefreshError(
                STEP, [f"subset: {sum(kept.values())} rows, over subset.maxRows={rules.subset.max_rows}"]
            )
        run = _Run(src, dst, catalog, rules, key, fakes)
        _prepare_target(dst, catalog, reset)
        _run_ddl(dst, before_load(catalog, deferred), "schema")
        load_started = time.perf_counter()
        rows = _load(run, order)
        load_seconds = time.perf_counter() - load_started
        _run_ddl(dst, after_load(catalog, deferred), "constraints and indexes")
        sync_sequences(dst, catalog.owned_sequences, set(catalog.tables))
        sync_unowned(src, dst, catalog.owned_sequences)
        checks = _assert(run, rows)
        dst.commit()
    return MaskReport(rows, time.perf_counter() - started, load_seconds, checks, catalog.skipped)
