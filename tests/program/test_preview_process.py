"""The preview as a process CI can cancel: SIGTERM and Ctrl-C stop it with one line and the policy pack
with it; even SIGKILL leaves no policy-pack server (nor its watchdog) behind.

Each test starts ``python -m blueprint preview`` on a program that blocks after registering, waits until
the pack serves its gRPC port, signals the CLI and polls ``/proc`` (bounded) until every child process
the CLI had has exited.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.program.test_preview import ROOT, make_program_project

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

#: Registers something, says so in a file, then blocks like a long program would.
BLOCKING_PROGRAM = """
import pathlib, time
import pulumi

pulumi.export("x", 1)
pathlib.Path("{marker}").write_text("registered")
time.sleep(600)
"""
#: Upper bound for each wait; reached only on failure.
WAIT_S = 60.0


def wait_for(condition: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {WAIT_S:.0f} s waiting for {what}")


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def children_of(pid: int) -> dict[int, str]:
    """pid -> command line of every process whose parent is ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _read(f"/proc/{entry.name}/stat")
            if stat and stat.rsplit(")", 1)[-1].split()[1] == str(pid):
                found[int(entry.name)] = _read(f"/proc/{entry.name}/cmdline").replace("\0", " ")
    return found


def pack_of(cli_pid: int) -> int | None:
    """The pid of the ``pulumi.policy`` process whose parent is ``cli_pid``, if any."""
    return next((pid for pid, cmd in children_of(cli_pid).items() if "-m pulumi.policy" in cmd), None)


def listening(pid: int) -> bool:
    """True once ``pid`` holds a listening TCP socket (the pack's gRPC server is up)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    rows = [
        line.split() for name in ("tcp", "tcp6") for line in _read(f"/proc/{pid}/net/{name}").splitlines()[1:]
    ]
    return any(row[3] == "0A" and row[9] in inodes for row in rows)  # 0A: TCP_LISTEN


def exited(pid: int) -> bool:
    """Gone, or a zombie (dead, waiting for init to reap it)."""
    stat = _read(f"/proc/{pid}/stat")
    return not stat or stat.rsplit(")", 1)[-1].split()[0] == "Z"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[int, str], Path]]:
    """A CLI blocked in the program with its pack serving: ``(cli, its children, report path)``; the
    children are the pack and its watchdog."""
    marker = tmp_path / "registered"
    project = tmp_path / "project"
    project.mkdir()
    make_program_project(project, BLOCKING_PROGRAM.format(marker=marker))
    report = tmp_path / "out" / "report.md"
    report.parent.mkdir()
    cli = subprocess.Popen(
        [sys.executable, "-m", "blueprint", "preview", "--stack", "test", "--project-dir", str(project),
         "--format", "markdown", "--output", str(report)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    children: dict[int, str] = {}
    try:
        pack = int(wait_for(lambda: pack_of(cli.pid), "the policy pack to start"))  # type: ignore[arg-type]
        wait_for(lambda: listening(pack), "the policy pack to serve")
        wait_for(marker.exists, "the program to register")
        children.update(children_of(cli.pid))
        yield cli, children, report
    finally:
        for pid in (cli.pid, *children):  # never leave any behind, even when the test fails
            if not exited(pid):
                os.kill(pid, signal.SIGKILL)
        cli.communicate(timeout=WAIT_S)


def assert_all_exit(children: dict[int, str]) -> None:
    assert any("-m pulumi.policy" in cmd for cmd in children.values()), children
    for pid, cmd in children.items():
        wait_for(lambda pid=pid: exited(pid), f"{cmd} ({pid}) to exit")


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_cancelled_preview_prints_one_line_stops_the_pack_and_writes_nothing(
    running: tuple[subprocess.Popen[str], dict[int, str], Path], sig: int, code: int
) -> None:
    cli, children, report = running
    cli.send_signal(sig)
    _, err = cli.communicate(timeout=WAIT_S)
    assert (cli.returncode, err) == (code, "interrupted\n")
    assert_all_exit(children)
    assert list(report.parent.iterdir()) == []


def test_killed_preview_leaves_no_policy_pack_behind(
    running: tuple[subprocess.Popen[str], dict[int, str], Path],
) -> None:
    cli, children, report = running
    cli.kill()  # SIGKILL: no handler, no finally; only the pack's watchdog can stop it now
    cli.communicate(timeout=WAIT_S)
    assert cli.returncode == -signal.SIGKILL
    assert_all_exit(children)
    assert list(report.parent.iterdir()) == []
