"""``make bench`` (``python -m blueprint.devtools.bench``): speed and memory of the offline preview.

Three measurements, printed with the command that produced them:

1. The preview as a user runs it: ``python -m blueprint preview`` on the default stack in a fresh process
   (interpreter start, imports, program, policy pack, report), N runs; median wall time and the median of
   each run's peak RSS summed over the whole process tree (the CLI plus the policy-pack process),
   sampled from ``/proc`` every 50 ms. Targets: under 5 s and 500 MB on 2 cores.
2. Start-up: ``python -m blueprint --help`` in a fresh process, N runs, median wall time: what every
   command pays before its own work (the command registry imports no command module).
3. Scaling: the same pipeline in one warm process (imports and first-use costs paid by a warm-up run) for
   1 environment and for 10 environments (the default stack recorded as 10 stacks, analyzed and
   reported as one graph). Linear or better means the 10x run takes at most 10x the 1x run; the
   per-resource cost is printed for both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from blueprint.engine import PROJECT_DIR, run_stack
from blueprint.engine.graph import StackGraph
from blueprint.engine.stack_files import StackSettings, read_stack
from blueprint.policy import BackgroundAnalysis
from blueprint.report import build_report, render_report
from stack_config.base import NAMESPACE

TARGET_WALL_S = 5.0
TARGET_RSS_MB = 500.0


def _tree_rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` and all its descendants, in KiB (0 for processes already gone)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _run_measured(argv: list[str]) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak process-tree RSS in MB)."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"preview failed ({proc.returncode}): {err.decode(errors='replace')}")
    return wall, peak / 1024


def bench_cli(runs: int) -> dict[str, float]:
    """Median wall time (s) and peak RSS (MB) of the preview CLI on the default stack over ``runs``."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "blueprint", "preview", "--format", "json", "--output", f"{tmp}/p.json"]
        samples = [_run_measured(argv) for _ in range(runs)]
    return {
        "wall_s": statistics.median(s[0] for s in samples),
        "rss_mb": statistics.median(s[1] for s in samples),
        "min_s": min(s[0] for s in samples),
        "max_s": max(s[0] for s in samples),
    }


def bench_help(runs: int) -> dict[str, float]:
    """Median, min and max wall time (s) of ``python -m blueprint --help`` in a fresh process over ``runs``:
    the start-up every command pays before its own work (the registry imports no command module)."""
    argv = [sys.executable, "-m", "blueprint", "--help"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return {"wall_s": statistics.median(times), "min_s": min(times), "max_s": max(times)}


def _environment(settings: StackSettings, index: int) -> StackSettings:
    """Copy ``index`` of the stack: its own stack name and environment (so names and ids differ)."""
    config = {**settings.config, f"{NAMESPACE}:environment": f"env{index}"}
    return replace(settings, stack=f"{settings.stack}-{index}", config=config)


def _pipeline(settings: StackSettings, environments: int) -> int:
    """Record ``environments`` copies of the stack, analyze and report them as one graph; return its size."""
    merged = StackGraph(settings.project, settings.stack)
    with BackgroundAnalysis(settings.project, settings.stack, stack_config=settings.config) as analysis:
        for i in range(environments):
            merged.resources += run_stack(_environment(settings, i), on_register=analysis.submit).resources
        policy = analysis.finish(merged)
    render_report(build_report(merged, policy), "text")
    return len(merged.resources)


def bench_scaling(runs: int) -> dict[str, dict[str, float]]:
    """Median in-process time of the 1x and 10x pipelines (after a warm-up run)."""
    settings = read_stack(PROJECT_DIR, "staging")
    _pipeline(settings, 1)  # warm-up: imports, first-use caches
    results = {}
    for environments in (1, 10):
        times, size = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            size = _pipeline(settings, environments)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        results[f"{environments}x"] = {
            "resources": size,
            "wall_s": median,
            "ms_per_resource": 1000 * median / size,
        }
    return results


def cpu_reference_s() -> float:
    """Seconds a fixed pure-Python loop (10 million additions) takes: the machine's speed right now.

    Shared 2-core machines vary by tens of percent from hour to hour; printing this next to the figures
    tells a slower machine from a slower preview.
    """
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m blueprint.devtools.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median reported)")
    parser.add_argument("--scaling-runs", type=int, default=3)
    args = parser.parse_args(argv)
    console = Console()
    console.print(
        f"[bold]make bench[/] on {os.cpu_count()} cores: {sys.executable} -m blueprint.devtools.bench"
    )
    console.print(f"CPU reference (10M-iteration Python loop): {cpu_reference_s():.2f} s")
    cli, startup = bench_cli(args.runs), bench_help(args.runs)
    table = Table(title=f"python -m blueprint (default stack, {args.runs} fresh processes each)")
    for column in (
        "command",
        "median wall (s)",
        "min-max (s)",
        "median peak RSS, process tree (MB)",
        "targets",
    ):
        table.add_column(column)
    table.add_row(
        "preview --format json", f"{cli['wall_s']:.2f}", f"{cli['min_s']:.2f}-{cli['max_s']:.2f}",
        f"{cli['rss_mb']:.0f}", f"< {TARGET_WALL_S:.0f} s, < {TARGET_RSS_MB:.0f} MB",
    )  # fmt: skip
    table.add_row(
        "--help (start-up)",
        f"{startup['wall_s']:.2f}",
        f"{startup['min_s']:.2f}-{startup['max_s']:.2f}",
        "",
        "",
    )
    console.print(table)
    scaling = bench_scaling(args.scaling_runs)
    table = Table(title=f"scaling, warm in-process pipeline (median of {args.scaling_runs})")
    for column in ("environments", "resources", "wall (s)", "ms / resource"):
        table.add_column(column)
    for label, row in scaling.items():
        table.add_row(label, str(row["resources"]), f"{row['wall_s']:.2f}", f"{row['ms_per_resource']:.1f}")
    console.print(table)
    ratio = scaling["10x"]["wall_s"] / scaling["1x"]["wall_s"]
    size_ratio = scaling["10x"]["resources"] / scaling["1x"]["resources"]
    linear = ratio <= size_ratio
    verdict = "linear or better" if linear else "SUPERLINEAR"
    console.print(f"10x/1x time ratio {ratio:.2f} for {size_ratio:.0f}x the resources: {verdict}")
    met = cli["wall_s"] < TARGET_WALL_S and cli["rss_mb"] < TARGET_RSS_MB and linear
    console.print("[bold green]targets met[/]" if met else "[bold red]targets missed[/]")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
