"""The Makefile: ``make preview FORMAT=json > file`` writes only the JSON document, an interpreter older
than 3.11 is refused in one line, and another interpreter rebuilds ``./venv`` (its install stamp is named
after the interpreter). Fake interpreters stand in for Python where no real install may happen."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")

#: A stand-in interpreter: answers the Makefile's identity and version probes, "creates" a venv (a copy of
#: itself) and "installs" with chatter on stdout, as pip does.
FAKE_PYTHON = """#!/bin/sh
case "$1" in
  -c) case "$2" in *realpath*) echo "{ident}" ;; *) echo "{ok}" ;; esac ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
              touch "$3/rebuilt" ;;
        pip) echo "Collecting everything (pip chatter)" ;;
        *) echo "ran $*" ;;
      esac ;;
esac
"""


def _fake(path: Path, ident: str, ok: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_PYTHON.format(ident=ident, ok=ok))
    path.chmod(0o755)
    return path


#: What an outer make (``make test`` running these tests) exports: the inner make must not see it, or it
#: reports itself as ``make[1]`` and inherits the outer flags.
OUTER_MAKE = ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")


def _make(*args: str, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in OUTER_MAKE}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True, text=True, timeout=timeout, check=False, env=env,
    )  # fmt: skip


def test_preview_json_redirected_to_a_file_is_valid_json(tmp_path: Path) -> None:
    stamp = tmp_path / "stamp"  # up to date: no install step runs (the shared venv stays untouched)
    stamp.touch()
    future = time.time() + 3600
    os.utime(stamp, (future, future))
    interpreter = f"BIN={Path(sys.executable).parent}"
    done = _make("preview", "FORMAT=json", f"STAMP={stamp}", interpreter, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    document = json.loads(done.stdout)  # nothing but the document: no echoed command
    assert document["stack"] == "staging" and document["resources"]


def test_an_old_or_missing_python_is_one_line_saying_what_to_do(tmp_path: Path) -> None:
    old = _fake(tmp_path / "python3.9", "python3.9.18_fake", ok=0)
    for python in (str(old), str(tmp_path / "missing")):
        done = _make("preview", f"PYTHON={python}", f"VENV={tmp_path / 'venv'}")
        assert done.returncode != 0 and done.stdout == ""
        lines = [line for line in done.stderr.splitlines() if not line.startswith("make: ***")]
        what = "is missing or older than Python 3.11; run make PYTHON=python3.11 (or newer) preview"
        assert lines == [f"make: {python} {what}"]
        assert not (tmp_path / "venv").exists()


def test_another_interpreter_rebuilds_the_venv_and_install_chatter_goes_to_stderr(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _fake(venv / "bin" / "python", "python3.11.0_old")
    (venv / ".installed-python3.11.0_old").touch()
    new = _fake(tmp_path / "python3.12", "python3.12.1_new")
    done = _make("preview", f"PYTHON={new}", f"VENV={venv}")
    assert done.returncode == 0, done.stderr
    assert (venv / "rebuilt").exists()
    assert sorted(p.name for p in venv.glob(".installed*")) == [".installed-python3.12.1_new"]
    assert done.stdout == "ran -m blueprint preview --stack staging --format text\n"
    assert "pip chatter" in done.stderr and "another interpreter" in done.stderr
    again = _make("install", f"PYTHON={new}", f"VENV={venv}")
    assert again.returncode == 0 and "pip chatter" not in again.stderr  # the stamp is current
