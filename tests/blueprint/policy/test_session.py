"""The policy runner's process handling and protocol plumbing, with throw-away packs in temp dirs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy import (
    DEFAULT_PACK_DIR,
    BackgroundAnalysis,
    PolicyPackError,
    PolicyPackSession,
    process,
    run_policies,
    wire,
)
from tests.pack_session import source_rules
from tests.policies.stack import baseline

ROOT = Path(__file__).resolve().parents[3]

ONE_RESOURCE = StackGraph(
    "proj",
    "dev",
    [
        ResourceRecord(
            "urn:pulumi:dev::proj::aws:sqs/queue:Queue::q", "aws:sqs/queue:Queue", "q", True, inputs={"x": 1}
        )
    ],
)


def make_pack(tmp_path: Path, main: str) -> Path:
    """A pack directory whose ``__main__.py`` is ``main``."""
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 9.9.9\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent(main))
    return tmp_path


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_pack_that_crashes_on_start_reports_its_stderr(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, 'raise RuntimeError("boom: rules failed to import")\n')
    with pytest.raises(PolicyPackError) as err:
        PolicyPackSession(pack)
    message = str(err.value)
    assert "policy pack exited with code 1 before serving" in message
    assert "RuntimeError: boom: rules failed to import" in message
    assert f"-m pulumi.policy {process.ENGINE_ADDRESS} {pack}" in message


def test_silent_pack_times_out_and_is_stopped(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path,
        "import os, pathlib, time\npathlib.Path('pid').write_text(str(os.getpid()))\ntime.sleep(60)\n",
    )
    # 3 s, not 1: on a loaded machine the interpreter alone may take a second before the pid is written.
    with pytest.raises(PolicyPackError, match="policy pack printed no port within 3 s"):
        PolicyPackSession(pack, startup_timeout=3)
    assert gone(int((pack / "pid").read_text()))  # the pack runs in its own directory, as under the engine


def test_pack_printing_something_else_is_rejected(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "print('hello from the pack')\n")
    with pytest.raises(PolicyPackError, match="printed 'hello from the pack' instead of its port"):
        PolicyPackSession(pack)


def test_interrupt_during_startup_stops_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []

    def interrupted(self: Any, timeout: float) -> int:
        started.append(self.proc)
        raise KeyboardInterrupt

    monkeypatch.setattr(process.PackProcess, "read_port", interrupted)
    with pytest.raises(KeyboardInterrupt):
        PolicyPackSession()
    assert started[0].poll() is not None


def test_pack_process_is_gone_after_the_session(tmp_path: Path) -> None:
    with PolicyPackSession() as session:
        process = session.process
        assert process.poll() is None
    assert process.poll() is not None
    with pytest.raises(ValueError, match="inside"), PolicyPackSession() as session:
        process = session.process
        raise ValueError("failure inside the session")
    assert process.poll() is not None


def wait_gone(proc_or_pid: Any, timeout: float = 30) -> bool:
    """Poll (bounded) until a Popen has exited or a pid no longer runs (zombies count as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if isinstance(proc_or_pid, int):
            stat = Path(f"/proc/{proc_or_pid}/stat")
            if not stat.exists() or stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                return True
        elif proc_or_pid.poll() is not None:
            return True
        time.sleep(0.05)
    return False


def test_pack_is_launched_as_the_engine_does_and_closed_with_its_watchdog() -> None:
    with PolicyPackSession() as session:
        assert session.process.args == [
            sys.executable, "-u", "-m", "pulumi.policy", process.ENGINE_ADDRESS, str(DEFAULT_PACK_DIR)
        ]  # fmt: skip
        watchdog = session._process.watchdog
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # what a terminal or CI sends the group
            watchdog.send_signal(sig)
        assert not wait_gone(watchdog, timeout=0.5)
    assert session.process.poll() is not None and watchdog.poll() == -signal.SIGKILL  # dismissed first


KILLED_RUNNER = """
import sys, threading, time
from blueprint.policy import PolicyPackSession

sessions = []
starter = threading.Thread(target=lambda: sessions.append(PolicyPackSession()))  # a thread that ends
starter.start()
starter.join()
print(sessions[0].process.pid, sessions[0]._process.watchdog.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pack_and_watchdog_end_when_the_runner_is_killed() -> None:
    """SIGKILL runs no cleanup: the watchdog sees its pipe close and stops the pack."""
    runner_process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUNNER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    pack = watchdog = 0
    try:
        assert runner_process.stdout is not None
        pack, watchdog = map(int, runner_process.stdout.readline().split())
        assert not wait_gone(pack, timeout=0.5)  # the starting thread has ended; the pack serves on
        runner_process.kill()
        runner_process.wait(timeout=30)
        assert wait_gone(pack), f"policy pack {pack} outlived the killed runner"
        assert wait_gone(watchdog), f"watchdog {watchdog} outlived the killed runner"
    finally:
        runner_process.kill()
        runner_process.wait(timeout=30)
        for pid in (pack, watchdog):
            if pid and not wait_gone(pid, timeout=0):
                os.kill(pid, signal.SIGKILL)


def test_background_analysis_keeps_its_pack_after_the_worker_ends() -> None:
    # finish() ends the worker thread, then sends AnalyzeStack: the pack must outlive the worker.
    graph = baseline().graph()
    env = {"STAGING_GUARDRAILS_TODAY": "2026-06-15"}
    with BackgroundAnalysis(graph.project, graph.stack, env=env) as analysis:
        for rec in graph.resources:
            analysis.submit(rec)
        report = analysis.finish(graph)
    assert report.violations == () and len(report.policies) >= 40


def test_failing_rule_surfaces_as_pack_error(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path,
        """
        from pulumi_policy import PolicyPack, ResourceValidationPolicy

        def explode(args, report_violation):
            raise RuntimeError("kaput in " + args.name)

        explodes = ResourceValidationPolicy("explodes", "Always raises.", validate=explode)
        PolicyPack("fragile", policies=[explodes])
        """,
    )
    with pytest.raises(PolicyPackError) as err:
        run_policies(ONE_RESOURCE, pack)
    assert "Analyze failed: UNKNOWN" in str(err.value)
    assert "kaput in q" in str(err.value)


def test_custom_pack_sees_engine_shaped_requests(tmp_path: Path) -> None:
    """Provider, options and number types arrive as the engine sends them."""
    pack = make_pack(
        tmp_path,
        """
        from pulumi_policy import PolicyPack, ResourceValidationPolicy

        def echo(args, report_violation):
            p, props = args.provider, sorted(dict(args.provider.props).items())
            report_violation(
                f"x={args.props['x']!r} provider={p.urn} {props} parent={args.opts.parent} "
                f"protect={args.opts.protect} timeout={args.opts.custom_timeouts.create_seconds}"
            )

        PolicyPack("echo", policies=[ResourceValidationPolicy("echo-it", "Echo.", validate=echo)])
        """,
    )
    rec = ONE_RESOURCE.resources[0]
    rec = ResourceRecord(
        **{
            **vars(rec),
            "parent": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",
            "options": {"protect": True, "customTimeouts": {"create": "1h30m"}},
        }
    )
    report = run_policies(StackGraph("proj", "dev", [rec]), pack, stack_config={"aws:region": "eu-west-1"})
    (violation,) = report.violations
    assert report.pack_name == "echo" and report.pack_version == "9.9.9"
    assert violation.detail == (
        "x=1.0 provider=urn:pulumi:dev::proj::pulumi:providers:aws::default_7_51_1 "
        "[('region', 'eu-west-1'), ('version', '7.51.1')] "
        "parent=urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev protect=True timeout=5400.0"
    )
    assert violation.enforcement_level == "advisory"  # the pack's default level


def test_run_policies_on_the_baseline_stack() -> None:
    report = run_policies(baseline().graph(), env={"STAGING_GUARDRAILS_TODAY": "2026-06-15"})
    assert report.pack_name == "staging-guardrails"
    assert not report.has_mandatory and report.violations == ()
    assert [p.name for p in report.policies] == list(source_rules())


def test_go_durations() -> None:
    assert wire._seconds("1h30m") == 5400
    assert wire._seconds("90s") == 90
    assert wire._seconds("250ms") == 0.25
    assert wire._seconds(None) == 0


def test_missing_pack_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyPackError, match="cannot start policy pack"):
        PolicyPackSession(tmp_path / "nowhere")


def test_pack_is_stopped_when_its_watchdog_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    real_popen = process.subprocess.Popen

    def popen(argv: list[str], **kwargs: Any) -> Any:
        if "-I" in argv:
            raise OSError(24, "Too many open files")
        started.append(real_popen(argv, **kwargs))
        return started[-1]

    monkeypatch.setattr(process.subprocess, "Popen", popen)
    with pytest.raises(
        PolicyPackError, match=r"cannot start the policy pack's watchdog: .*Too many open files"
    ):
        PolicyPackSession()
    assert started[0].poll() is not None
