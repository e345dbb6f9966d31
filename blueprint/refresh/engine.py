"""The masking engine: source database -> subset, masked, asserted copy in the target database.

``mask_database(source_dsn, target_dsn, rules, key)``:

1. reads the source catalog and checks the rules against it (``coverage.check_rules``): an unclassified
   column stops here, naming the table and column;
2. starts the masking workers (``parallel.MaskingWorkers``, one process per CPU) while it selects the
   subset (``subset.select_rows``), and stops if the subset is over ``subset.maxRows``;
3. in ONE target transaction: creates the tables with their CHECK constraints (``ddl``), streams each
   table with ``COPY ... TO STDOUT`` from the source through the workers' maskers into ``COPY ... FROM
   STDIN (FREEZE)`` (the table was created in this transaction, so its rows are written frozen), then
   builds the keys, adds every foreign key (an orphan fails here, validated against all rows), builds the
   other indexes and views, runs ``ANALYZE`` and moves the sequences owned by copied columns past the
   source's values (``sequences``), while the idle source session reads what the assertions compare with;
   then runs the assertions (``assertions``);
4. commits only when every assertion passed. Otherwise it rolls back: the target is left as it was and
   ``RefreshError("mask", reasons)`` names what failed (tables, columns, counts: never a value).

The source is only read (one REPEATABLE READ transaction; temporary tables hold the subset). ``null`` and
``fixed`` columns are replaced in the source's ``SELECT`` (they need no key, and the original value is
never even sent); keyed strategies (``hmac``, ``hmacEmail``, ``fake``, ``dateShift``) run in this process
and its workers, so the key never reaches either server (see docs/data-refresh.md, "Speed"). SQL stays within
PostgreSQL 15 (tested on 15; RDS runs 16-18).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from psycopg import IsolationLevel
from psycopg.abc import Buffer

from blueprint.refresh import assertions
from blueprint.refresh.catalog import Catalog, Column, Table, read_catalog
from blueprint.refresh.coverage import check_rules
from blueprint.refresh.ddl import after_load, before_load, foreign_key_ddl, key_ddl, load_order, psql_ident
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.fit import output_problems
from blueprint.refresh.masking import TableMasking, check_key
from blueprint.refresh.parallel import BLOCK_ROWS, MaskingWorkers, available_cpus, process_tree_cpu
from blueprint.refresh.pg import session_settings
from blueprint.refresh.pgtypes import LOWER
from blueprint.refresh.rules import Fixed, Hmac, HmacEmail, Keep, Null, Rules
from blueprint.refresh.sequences import sync_sequences, sync_unowned
from blueprint.refresh.shape import Shapes, cardinality_failures, source_shapes
from blueprint.refresh.subset import Selection, owned_keys, select_rows

STEP = "mask"
#: Source session memory for the subset's temporary tables and its joins (the source is a scratch
#: restore that only this run uses; PostgreSQL docs, "Resource Consumption").
SOURCE_MEMORY = ("SET temp_buffers = '256MB'", "SET work_mem = '64MB'")


@dataclass
class MaskReport:
    """What a successful run did.

    Attributes:
        rows: rows copied per table (``schema.table`` -> count).
        seconds: wall time of the whole run.
        load_seconds: wall time of streaming and masking the rows (what ``rows_per_second`` divides by).
        checks: the assertions that ran, each passed.
        skipped: objects not copied (materialized views).
        phases: per phase (``catalog and rules``, ``subset``, ``schema``, ``load``, ``keys and indexes``,
            ``assertions``): (wall seconds, CPU seconds of this process and its masking workers,
            ``probe`` CPU seconds or 0.0).
    """

    rows: dict[str, int]
    seconds: float
    load_seconds: float
    checks: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    phases: dict[str, tuple[float, float, float]] = field(default_factory=dict)

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
    selection: Selection


def _out_expression(run: _Run, table: Table, col: Column) -> str:
    """How a column is read from the source: ``NULL`` or the fixed value for ``null`` and ``fixed`` (the
    original is never read), ``lower()``-ed by the source database when it is ``citext`` and hashed (its
    equality is that of ``lower()``, so the hash must be of ``lower()`` too), else as is."""
    ref = f"t.{psql_ident(col.name)}"
    rule = run.rules.strategy(table.name, col.name)
    if isinstance(rule, Null):
        return "NULL"
    if isinstance(rule, Fixed):
        return "CAST('" + rule.value.replace("'", "''") + f"' AS {col.type})"
    hashed = isinstance(rule, Hmac | HmacEmail)
    return f"lower({ref}::text)" if hashed and col.key_semantics == LOWER else ref


def _columns(table: Table) -> list[Column]:
    return [c for c in table.columns if not c.generated]


def masking_plans(catalog: Catalog, rules: Rules) -> list[TableMasking]:
    """The ``TableMasking`` of every table with a column masked in this process (``keep`` passes
    through; ``null`` and ``fixed`` are written by the source's SELECT, ``_out_expression``)."""
    plans = []
    for name, table in catalog.tables.items():
        columns = _columns(table)
        names = [c.name for c in columns]
        strategies: list[object | None] = [rules.strategy(name, c.name) for c in columns]
        strategies = [None if isinstance(r, Keep | Null | Fixed) else r for r in strategies]
        if any(strategies):
            key_fields = tuple(names.index(k) for k in table.primary_key if k in names)
            plans.append(TableMasking(name, tuple(columns), tuple(strategies), key_fields))
    return plans


def _blocks(rows: Iterable[Buffer], count: list[int]) -> Iterator[bytes]:
    """COPY lines joined into blocks of ``BLOCK_ROWS`` (one write or one worker task each); ``count[0]``
    counts the rows."""
    batch: list[Buffer] = []
    for data in rows:
        batch.append(data)
        if len(batch) == BLOCK_ROWS:
            count[0] += len(batch)
            yield b"".join(batch)
            batch = []
    count[0] += len(batch)
    yield b"".join(batch)


def _stream_table(run: _Run, table: Table, workers: MaskingWorkers) -> int:
    cols = _columns(table)
    select = ", ".join(_out_expression(run, table, c) for c in cols)
    kept = run.selection.kept_join(run.catalog, table.name, "t")
    out_sql = f"COPY (SELECT {select} FROM {table.qname} t {kept}) TO STDOUT"
    in_sql = f"COPY {table.qname} ({', '.join(psql_ident(c.name) for c in cols)}) FROM STDIN (FREEZE)"
    count = [0]
    with run.src.cursor().copy(out_sql) as out, run.dst.cursor().copy(in_sql) as into:
        workers.relay(table.name, _blocks(out, count), into.write)
    return count[0]


def _load(run: _Run, order: list[str], workers: MaskingWorkers) -> dict[str, int]:
    rows = {}
    for name in order:
        try:
            rows[name] = _stream_table(run, run.catalog.tables[name], workers)
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


@dataclass(frozen=True)
class _SourceFacts:
    """What the assertions compare the target with, read from the source."""

    shapes: Shapes
    samples: assertions.Samples


def _source_facts(run: _Run) -> _SourceFacts:
    owned = owned_keys(run.catalog, run.rules.subset)
    return _SourceFacts(
        source_shapes(run.src, run.catalog, owned),
        assertions.sample_originals(run.src, run.catalog, run.rules, run.selection),
    )


def _assert(run: _Run, facts: _SourceFacts) -> list[str]:
    dst, catalog = run.dst, run.catalog
    checks = {
        "schema": assertions.schema_failures(dst, catalog),
        "row counts": assertions.count_failures(
            dst, catalog, run.selection.counts, run.rules.subset.max_rows
        ),
        "foreign keys": assertions.orphan_failures(dst, catalog),
        "children per parent": cardinality_failures(
            dst, catalog, owned_keys(catalog, run.rules.subset), facts.shapes
        ),
        "PII detectors": assertions.detector_failures(dst, catalog, run.rules),
        "original values": assertions.original_failures(
            dst, catalog, rules=run.rules, samples=facts.samples, fakes=run.fakes
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


def _add_keys(run: _Run) -> None:
    """Keys and every foreign key, built from the loaded rows; a duplicate key or an orphan fails here
    with the table and constraint named (never the values), then indexes, views and ``ANALYZE``."""
    for table, stmt in key_ddl(run.catalog) + foreign_key_ddl(run.catalog):
        try:
            run.dst.execute(stmt)
        except psycopg.Error as exc:
            raise RefreshError(STEP, [_safe_error(table, exc)]) from None
    _run_ddl(run.dst, after_load(run.catalog), "indexes and views")
    _run_ddl(run.dst, [f"ANALYZE {t.qname}" for t in run.catalog.tables.values()], "analyze")


class _Phases:
    """Wall, this process's (and its masking workers') CPU and ``probe`` CPU seconds between ``mark``
    calls."""

    def __init__(self, probe: Callable[[], float] | None) -> None:
        self.probe = probe or (lambda: 0.0)
        self.done: dict[str, tuple[float, float, float]] = {}
        self.last = self._now()

    def _now(self) -> tuple[float, float, float]:
        return time.perf_counter(), process_tree_cpu(), self.probe()

    def mark(self, name: str) -> None:
        now = self._now()
        self.done[name] = (now[0] - self.last[0], now[1] - self.last[1], now[2] - self.last[2])
        self.last = now


def _checked(
    src: psycopg.Connection, rules: Rules, key: bytes, rules_name: str
) -> tuple[Catalog, FakeValues]:
    catalog = read_catalog(src)
    fakes = FakeValues(key)
    problems = check_rules(src, catalog, rules, rules_name) + output_problems(src, catalog, rules, key, fakes)
    if problems:
        raise RefreshError(STEP, problems)
    return catalog, fakes


def _select(
    src: psycopg.Connection, catalog: Catalog, rules: Rules, key: bytes
) -> tuple[list[str], Selection]:
    """The load order and the subset; ``RefreshError`` when the subset is over ``subset.maxRows``."""
    order, _ = load_order(catalog.tables, catalog.foreign_keys)
    selection = select_rows(src, catalog, rules.subset, order, key)
    kept = sum(selection.counts.values())
    if kept > rules.subset.max_rows:
        raise RefreshError(STEP, [f"subset: {kept} rows, over subset.maxRows={rules.subset.max_rows}"])
    return order, selection


def _keys_and_source_facts(run: _Run) -> _SourceFacts:
    """Keys, indexes and sequences in the target; meanwhile, what the assertions compare with is read on
    the source session, idle from here on (both wait on their servers, not on Python)."""
    with ThreadPoolExecutor(1) as side:
        source = side.submit(_source_facts, run)
        _add_keys(run)
        sync_sequences(run.dst, run.catalog.owned_sequences, set(run.catalog.tables))
        facts = source.result()
    sync_unowned(run.src, run.dst, run.catalog.owned_sequences)
    return facts


def mask_database(
    source_dsn: str,
    target_dsn: str,
    rules: Rules,
    key: bytes,
    *,
    reset: bool = False,
    rules_name: str = "the rules",
    probe: Callable[[], float] | None = None,
    workers: int | None = None,
) -> MaskReport:
    """Copy a masked subset of the source database into the target (see the module docstring).

    Args:
        source_dsn, target_dsn: libpq connection strings (they hold passwords: never print them).
        rules: the validated rules file.
        key: the per-refresh secret (at least 32 bytes; ``ValueError`` otherwise).
        reset: drop the source's schemas in the target first (a re-run of the same refresh).
        rules_name: how problems refer to the rules file (e.g. its path).
        probe: a counter of CPU seconds read at each phase boundary (the benchmark passes PostgreSQL's);
            ``MaskReport.phases`` reports its differences.
        workers: processes the maskers run in (``parallel.MaskingWorkers``); default: one per CPU this
            process may use; 1 masks in this process. Workers re-import the caller's ``__main__`` module
            (multiprocessing's rule for its ``forkserver`` start method), so a script calling this with
            more than one worker keeps its code under ``if __name__ == "__main__":``; ``python -m
            blueprint`` and pytest need nothing.

    Raises:
        RefreshError: unclassified columns, rules that do not fit, a subset over budget, a failed load or
            a failed assertion; the target is unchanged.
    """
    check_key(key)
    phases = _Phases(probe)
    with _connect(source_dsn, IsolationLevel.REPEATABLE_READ) as src, _connect(target_dsn) as dst:
        for setting in SOURCE_MEMORY:
            src.execute(setting)
        catalog, fakes = _checked(src, rules, key, rules_name)
        phases.mark("catalog and rules")
        plans, cpus = masking_plans(catalog, rules), available_cpus() if workers is None else workers
        # The workers start while the subset is selected; they are gone when the load ends.
        with MaskingWorkers(key, plans, cpus, fakes) as pool:
            order, selection = _select(src, catalog, rules, key)
            phases.mark("subset")
            run = _Run(src, dst, catalog, rules, key, fakes, selection)
            _prepare_target(dst, catalog, reset)
            _run_ddl(dst, before_load(catalog, set()), "schema")
            phases.mark("schema")
            rows = _load(run, order, pool)
        phases.mark("load")
        facts = _keys_and_source_facts(run)
        phases.mark("keys and indexes")
        checks = _assert(run, facts)
        dst.commit()
        phases.mark("assertions")
    done = phases.done
    return MaskReport(
        rows, sum(w for w, _, _ in done.values()), done["load"][0], checks, catalog.skipped, dict(done)
    )
