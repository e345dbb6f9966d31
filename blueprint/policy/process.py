"""The policy pack's process, launched exactly as the engine launches it: ``<python> -u -m pulumi.policy
<engine-address> <pack-dir>`` in the pack directory with ``PULUMI_PROJECT``, ``PULUMI_STACK``,
``PULUMI_DRY_RUN`` and ``PULUMI_CONFIG`` set; the pack prints the port of its Analyzer gRPC server on its
first stdout line and serves until killed. Both pipes are drained, and a watchdog stops the pack if this
process dies without stopping it.

Source: pulumi/pulumi ``sdk/go/common/resource/plugin/analyzer_plugin.go`` (launch, environment).
"""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from blueprint.policy.results import PolicyPackError
from blueprint.policy.wire import config_strings

#: Seconds to wait for the pack to print its port.
STARTUP_TIMEOUT_S = 30.0
#: What the pack gets as engine address. pulumi.policy's launcher parses but never dials it (log calls
#: fall back to stderr), so offline there is nothing to serve.
ENGINE_ADDRESS = "127.0.0.1:0"


def _pump(stream: Any, sink: Callable[[Any], None], mark_end: bool) -> None:
    """Copy ``stream``'s lines to ``sink`` until EOF (then ``sink(None)`` if ``mark_end``).

    Draining both pipes keeps the pack from blocking on a full pipe buffer.
    """
    for raw in iter(stream.readline, b""):
        sink(raw.decode("utf-8", "replace").rstrip("\n"))
    if mark_end:
        sink(None)


#: The pack's watchdog (``python -I -S -c _WATCHDOG <pack pid>``): it blocks on stdin, whose write end
#: only the runner holds, so EOF means the runner is gone however it ended (the kernel closes a dead
#: process's pipes, SIGKILL included); it then sends the pack SIGTERM through a pidfd, which cannot hit a
#: recycled pid. Why not ``prctl(PR_SET_PDEATHSIG)`` in a ``preexec_fn``: that forces ``fork()`` instead
#: of ``vfork()``, and gRPC's at-fork handlers then restart its poller in the child, which aborts when
#: ``close_fds`` closes the epoll fd before ``exec`` (grpc/grpc issue 43055, grpcio >= 1.81; reproduced
#: here in 14 of 300 launches under live gRPC traffic). Ctrl-C, a closed terminal or a CI runner signal
#: the whole process group, so the watchdog ignores SIGINT, SIGTERM and SIGHUP: it stays on duty until
#: the runner is gone (then always exits) or dismisses it with SIGKILL.
_WATCHDOG = """
import os, signal, sys
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
pid = int(sys.argv[1])
try:
    pack = os.pidfd_open(pid)
except (AttributeError, OSError):
    pack = None
while os.read(0, 4096):
    pass
try:
    if pack is None:
        os.kill(pid, signal.SIGTERM)
    else:
        signal.pidfd_send_signal(pack, signal.SIGTERM)
except OSError:
    pass
"""


def _start_watchdog(pack_pid: int) -> subprocess.Popen[bytes]:
    """Start the pack's watchdog (see ``_WATCHDOG``); its ``stdin`` is the pipe that keeps it waiting."""
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(pack_pid)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class PackProcess:
    """The pack's process: started, port read from stdout, stdout/stderr drained in the background.

    A watchdog process stops the pack if this process dies without stopping it (see ``_WATCHDOG``).
    """

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.argv = argv
        #: ``time.perf_counter()`` when the pack was launched (``make bench`` times its start-up from it).
        self.launched_at = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:  # missing interpreter or pack directory
            raise PolicyPackError(f"cannot start policy pack: {exc}\ncommand: {' '.join(argv)}") from None
        try:
            self.watchdog = _start_watchdog(self.proc.pid)
        except BaseException as exc:
            self.proc.kill()
            self.proc.wait()
            if isinstance(exc, OSError):
                raise PolicyPackError(f"cannot start the policy pack's watchdog: {exc}") from None
            raise
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=400)
        self._threads = [
            # stdout ends with None so a waiting read_port learns the pack exited.
            threading.Thread(target=_pump, args=(self.proc.stdout, self._stdout.put, True), daemon=True),
            threading.Thread(target=_pump, args=(self.proc.stderr, self._stderr.append, False), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system, s) the pack has used so far; None once it is reaped or off Linux.

        Read from ``/proc/<pid>/stat`` (fields 14 and 15, in clock ticks; proc(5)).
        """
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stderr(self) -> str:
        return "\n".join(self._stderr)

    def fail(self, message: str) -> PolicyPackError:
        stderr = self.stderr().strip() or "(nothing)"
        return PolicyPackError(f"{message}\ncommand: {' '.join(self.argv)}\npack stderr:\n{stderr}")

    def read_port(self, timeout: float) -> int:
        """The port the pack prints first.

        Raises:
            PolicyPackError: the pack exited, printed something else, or stayed silent for ``timeout`` s.
        """
        try:
            line = self._stdout.get(timeout=timeout)
        except queue.Empty:
            raise self.fail(f"policy pack printed no port within {timeout:.0f} s") from None
        if line is None:
            code = self.proc.wait(timeout=5)
            for thread in self._threads:
                thread.join(timeout=5)  # so the error carries the whole stderr
            raise self.fail(f"policy pack exited with code {code} before serving")
        if not line.strip().isdigit():
            raise self.fail(f"policy pack printed {line!r} instead of its port")
        return int(line)

    def stop(self) -> None:
        """Dismiss the watchdog, then terminate (or kill) the pack and reap it; safe to call twice.

        The watchdog goes first so it can never signal a pid that has been reaped and reused.
        """
        if self.watchdog.poll() is None:
            self.watchdog.kill()
        _reap(self.watchdog)
        if self.watchdog.stdin is not None:
            self.watchdog.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        _reap(self.proc)
        for thread in self._threads:
            thread.join(timeout=5)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait up to 5 s for ``proc`` to exit, then kill it; it is reaped either way."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def pack_env(
    project: str, stack: str, stack_config: Mapping[str, Any], extra: Mapping[str, str]
) -> dict[str, str]:
    """The launcher's environment: ours plus the engine's PULUMI_* variables (constructEnv)."""
    env = {**os.environ, "PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"}
    if stack_config:
        env["PULUMI_CONFIG"] = json.dumps(config_strings(stack_config))
    return {**env, **extra}


def pack_version(pack_dir: Path, fallback: str) -> str:
    """``version`` from ``PulumiPolicy.yaml`` (the engine prefers it over the analyzer's own)."""
    try:
        data = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return fallback
    return str(data.get("version") or fallback)


def launch_command(python: str | None, pack_dir: Path) -> list[str]:
    """``<python> -u -m pulumi.policy <engine address> <pack dir>``: what the engine's launcher runs."""
    return [python or sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, str(pack_dir)]
