"""``make bench``'s phase driver: a fresh process prints every phase of the preview, and its report is
the preview's own."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from blueprint.engine import PROJECT_DIR

PHASES = ["interpreter", "imports", "config", "program", "analysis", "pack_startup", "report"]


def test_the_phase_driver_prints_every_phase_and_writes_the_preview(tmp_path: Path):
    out = tmp_path / "p.json"
    argv = [sys.executable, "-m", "blueprint.devtools.bench_phases", "staging", str(out), repr(time.time())]
    proc = subprocess.run(argv, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    phases = result["phases"]
    assert list(phases) == PHASES
    assert all(p["wall_s"] >= 0 and p["cpu_s"] >= 0 for p in phases.values())
    assert phases["program"]["cpu_s"] > 0 and phases["pack_startup"]["cpu_s"] > 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert phases["program"]["resources"] == phases["analysis"]["resources"] == len(report["resources"])
    assert result["done_at"] <= time.time()
