"""Where a preview's time goes: ``python -m blueprint.devtools.bench_phases STACK OUTPUT LAUNCHED [SDK]``.

Run by ``make bench`` (``blueprint.devtools.bench``) as a fresh process, it does what ``python -m
blueprint preview --format json --output OUTPUT`` does, step by step, with the functions the command
uses, and prints one JSON line of phases on stdout just before it exits the way ``python -m blueprint``
does (``os._exit`` after the interpreter's own first exit steps). Each phase has ``wall_s`` and
``cpu_s`` (user + system CPU of this process, ``time.process_time``; the pack's CPU is read from
``/proc`` and reported in the pack phases):

- ``interpreter``: process launch (``LAUNCHED``, a ``time.time()`` the parent took just before
  starting it) to the first line of this module; CPU: everything this process used until then.
- ``imports``: the modules the preview command loads before it runs the program (``blueprint.cli.preview``).
- ``config``: reading ``Pulumi.<STACK>.yaml``, validating the stack config, the topic-contract check.
- ``sdk_imports``: loading the provider SDK packages the program will use (``SDK_PACKAGES``, passed by
  ``make bench`` from an in-process run: ``pulumi_aws.ec2``, ``pulumi_kubernetes.core.v1``, ...). The
  program would load them on first use; loading them first separates the generated SDK modules' import
  cost (class bodies full of ``typing`` subscriptions) from the program's own work. It is the floor of
  any preview that runs the program in a fresh process.
- ``program``: running the program under the recording engine while the pack boots and analyzes
  (the registrations count gives the per-resource cost).
- ``pack_startup``: pack launch until it answered ``GetAnalyzerInfo`` (wall), and its CPU by then.
- ``analysis``: waiting for the last ``Analyze`` answers and ``AnalyzeStack`` after the program ended
  (wall); CPU: what the pack used after its start-up (all ``Analyze`` and ``AnalyzeStack`` work).
- ``report``: building the report, the review sections, rendering JSON and writing it.
- ``exit``: measured by the parent (process end minus ``done_at``).
"""

from __future__ import annotations

import time

_STARTED_WALL, _STARTED_CPU = time.time(), time.process_time()

import atexit  # noqa: E402 (after the clocks: their imports are part of the measured phases)
import contextlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

#: What ``python -m blueprint`` imports before running a command.
CLI_MODULE = "blueprint.cli.preview"

#: The provider SDKs whose packages ``sdk_imports`` loads.
SDK_ROOTS = ("pulumi_aws", "pulumi_kubernetes", "pulumi_random")


def loaded_sdk_packages() -> list[str]:
    """The provider SDK packages this process has really loaded, in load order.

    pulumi-aws and pulumi-kubernetes register every subpackage as a lazy module (``pulumi._utils.
    _LazyModule``) that loads on first attribute access; only those whose class is no longer the lazy
    stub count. Importing a name like ``pulumi_aws.ec2`` alone loads nothing, which is how an import
    timing can miss most of the cost.
    """
    return [
        name
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in SDK_ROOTS
        and hasattr(module, "__path__")
        and type(module).__name__ != "_LazyModule"
    ]


def load_sdk_packages(names: list[str]) -> None:
    """Import ``names`` and trigger each lazy module's load (any non-introspection attribute does)."""
    for name in names:
        getattr(importlib.import_module(name), "__all__", None)


class _Clock:
    """Consecutive phases: each ``mark(name)`` closes the phase that began at the previous mark."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def mark(self, name: str, **extra: float) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.phases[name] = {"wall_s": wall - self._wall, "cpu_s": cpu - self._cpu, **extra}
        self._wall, self._cpu = wall, cpu


def _config(stack: str) -> tuple[Any, Any]:
    from blueprint.engine import PROJECT_DIR, read_stack
    from blueprint.review.preview_steps import contract_report
    from stack_config import load_stack_config
    from stack_config.base import NAMESPACE

    settings = read_stack(PROJECT_DIR, stack)
    load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    return settings, contract_report(settings, PROJECT_DIR, None)


def _program_and_analysis(settings: Any, clock: _Clock) -> tuple[Any, Any]:
    from blueprint.engine import PROJECT_DIR, run_stack
    from blueprint.policy import BackgroundAnalysis

    with BackgroundAnalysis(settings.project, settings.stack, stack_config=settings.config) as analysis:
        graph = run_stack(settings, PROJECT_DIR, on_register=analysis.submit)
        clock.mark("program", resources=len(graph.resources))
        policy = analysis.finish(graph)
        session = analysis.session
        total_cpu = session.pack_cpu_s()
    startup_cpu = session.startup_cpu_s
    clock.mark("analysis")
    clock.phases["analysis"]["cpu_s"] = (total_cpu or 0.0) - (startup_cpu or 0.0)
    clock.phases["analysis"]["resources"] = len(graph.resources)
    clock.phases["pack_startup"] = {"wall_s": session.startup_s or 0.0, "cpu_s": startup_cpu or 0.0}
    return graph, policy


def _report(graph: Any, policy: Any, contracts: Any, output: Path) -> None:
    from blueprint.engine import PROJECT_DIR
    from blueprint.report import build_report, render_report
    from blueprint.review.preview_steps import apply_review

    report = build_report(graph, policy, "default policy config")
    apply_review(report, contracts, None, "")
    output.write_text(render_report(report, "json", project_dir=PROJECT_DIR), encoding="utf-8")


def measure(
    stack: str, output: Path, launched: float, sdk_packages: list[str] | None = None
) -> dict[str, dict[str, float]]:
    """Run the preview's steps for ``stack`` (report to ``output``); return the phases (see the module).

    ``sdk_packages`` (from ``loaded_sdk_packages`` of a run in another process) are loaded in their own
    ``sdk_imports`` phase before the program; without them that cost stays inside ``program``.
    """
    clock = _Clock()
    importlib.import_module(CLI_MODULE)
    clock.mark("imports")
    settings, contracts = _config(stack)
    clock.mark("config")
    if sdk_packages:
        load_sdk_packages(sdk_packages)
        clock.mark("sdk_imports")
    graph, policy = _program_and_analysis(settings, clock)
    _report(graph, policy, contracts, output)
    clock.mark("report")
    interpreter = {"wall_s": _STARTED_WALL - launched, "cpu_s": _STARTED_CPU}
    return {"interpreter": interpreter, **clock.phases}


def _exit_like_the_cli(code: int, before: Callable[[], None]) -> None:
    """Exit as ``python -m blueprint`` does (see ``blueprint/__main__.py``)."""
    before()
    getattr(threading, "_shutdown")()  # noqa: B009
    getattr(atexit, "_run_exitfuncs")()  # noqa: B009
    with contextlib.suppress(OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def main() -> None:
    stack, output, launched = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    sdk_packages = [name for name in (sys.argv[4] if len(sys.argv) > 4 else "").split(",") if name]
    phases = measure(stack, output, launched, sdk_packages)

    def emit() -> None:
        print(json.dumps({"phases": phases, "done_at": time.time()}), flush=True)

    _exit_like_the_cli(0, emit)


if __name__ == "__main__":
    main()
