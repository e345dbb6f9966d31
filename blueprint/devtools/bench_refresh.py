"""``make bench-data`` (``python -m blueprint.devtools.bench_refresh``): rows per second of the masking
engine.

Generates the sample "production" database (``blueprint.devtools.sample_data``) with at least 1,000,000
rows on a throwaway PostgreSQL server (``blueprint.devtools.localpg``), then masks all of it (the example
rules with the root fraction raised to 1.0) into an empty database and prints:

- load rows/s: rows streamed through the maskers into the target (COPY out, mask, COPY in with the
  foreign keys in place), divided by the load time;
- end to end rows/s: the same rows divided by the whole run (catalog, rule checks, subset selection,
  schema, load, indexes, and every assertion: detectors, originals, orphans, counts).

Needs the PostgreSQL server binaries (``apt-get install postgresql``).
"""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console

from blueprint.devtools.localpg import start_local_postgres
from blueprint.devtools.sample_data import RULES_FILE, create_sample
from blueprint.refresh.engine import mask_database
from blueprint.refresh.rules import Rules, load_rules

#: Customers that make the sample database just over a million rows (about 6.4 rows per customer).
DEFAULT_CUSTOMERS = 170_000


def _all_rows(rules: Rules) -> Rules:
    data = rules.model_dump(by_alias=True)
    data["subset"]["roots"] = [{"table": "public.customers", "fraction": 1.0}]
    data["subset"]["maxRows"] = 50_000_000
    return Rules.model_validate(data)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (or 1 if the database has fewer rows than ``--min-rows``)."""
    parser = argparse.ArgumentParser(
        prog="python -m blueprint.devtools.bench_refresh", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--min-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    server = start_local_postgres()
    try:
        source, target = server.create_database("bench_source"), server.create_database("bench_target")
        started = time.perf_counter()
        counts = create_sample(source, customers=args.customers)
        total = sum(counts.values())
        console.print(f"generated {total:,} rows in {time.perf_counter() - started:.1f} s: {counts}")
        if total < args.min_rows:
            console.print(f"[red]fewer than {args.min_rows:,} rows; raise --customers[/]")
            return 1
        report = mask_database(source, target, _all_rows(load_rules(RULES_FILE)), b"bench-key-" + b"x" * 32)
    finally:
        server.stop()
    command = "python -m blueprint.devtools.bench_refresh " + " ".join(sys.argv[1:] if argv is None else argv)
    console.print(f"$ {command.strip()}")
    console.print(
        f"masked {report.total_rows:,} rows: load {report.load_seconds:.1f} s = "
        f"{report.rows_per_second:,.0f} rows/s; end to end {report.seconds:.1f} s = "
        f"{report.total_rows / report.seconds:,.0f} rows/s (checks: {', '.join(report.checks)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
