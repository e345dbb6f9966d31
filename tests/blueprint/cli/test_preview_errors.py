"""The command-line layer through ``preview``: ``--output`` checked before anything runs and written
atomically, user text printed literally, internal errors in one line, interrupts (``blueprint.cli``)."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from blueprint import cli
from blueprint.cli import main, output
from blueprint.cli import preview as preview_command
from tests.program.test_preview import TINY_PROGRAM, default_config, make_program_project, make_project

# --- --output ------------------------------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """``preview`` arguments for a project running ``TINY_PROGRAM`` (its files live in ``tmp_path/p``)."""
    project = tmp_path / "p"
    project.mkdir()
    make_program_project(project, TINY_PROGRAM)
    return ["preview", "--stack", "test", "--project-dir", str(project)]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "p")


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda d: d / "out", "is a directory; name a file, e.g."),
        (lambda d: d / "missing" / "r.json", "directory {d}/missing does not exist; create it first"),
        (lambda d: d / "file" / "r.json", "directory {d}/file does not exist; create it first"),
        (lambda d: Path("/proc/self/r.json"), "cannot write in /proc/self"),
    ],
    ids=["directory", "missing-parent", "parent-is-a-file", "unwritable-parent"],
)
def test_unusable_output_is_a_usage_error_before_anything_runs(
    make_target: Any, message: str, *, tmp_path: Path, tiny: list[str], capsys: Any, monkeypatch: Any
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "file").write_text("a file")
    ran: list[Any] = []
    monkeypatch.setattr(preview_command, "read_settings", lambda *a: ran.append(a))  # must not be reached
    target = make_target(tmp_path)
    assert main([*tiny, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --output {target}: ") and message.format(d=tmp_path) in err
    assert "Traceback" not in err and ran == []
    assert leftovers(tmp_path) == ["file", "out"] and list((tmp_path / "out").iterdir()) == []


def test_replaced_output_keeps_its_mode_and_new_output_gets_the_umask_mode(
    tmp_path: Path, tiny: list[str]
) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("old report")
    kept.chmod(0o640)
    old_umask = os.umask(0o022)
    try:
        assert main([*tiny, "--output", str(kept)]) == 0
        assert main([*tiny, "--output", str(tmp_path / "new.txt")]) == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert "0 mandatory and 0 advisory violation(s): PASS" in kept.read_text()
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    assert leftovers(tmp_path) == ["kept.txt", "new.txt"]


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(
    tmp_path: Path, tiny: list[str]
) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert main([*tiny, "--format", "json", "--output", str(tmp_path / "link.json")]) == 0
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())["stack"] == "test"


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    out = tmp_path / "report.txt"
    out.write_text("previous report")

    def fail(src: Any, dst: Any) -> None:
        raise failure

    monkeypatch.setattr(output.os, "replace", fail)
    code = main([*tiny, "--output", str(out)])
    err = capsys.readouterr().err
    if isinstance(failure, OSError):
        assert (code, err) == (2, f"error: --output {out}: cannot write (No space left on device)\n")
    else:
        assert (code, err) == (130, "interrupted\n")
    assert out.read_text() == "previous report"
    assert leftovers(tmp_path) == ["report.txt"]


# --- user text is printed literally; internal errors ------------------------------------------------------


def test_error_text_is_printed_literally(tmp_path: Path, capsys: Any) -> None:
    config_file = tmp_path / "policy.json"
    config_file.write_text(json.dumps({"rds-deletion-protection": "[secret]", "[/x]": "advisory"}))
    assert main(["preview", "--policy-config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "rds-deletion-protection: '[secret]' is not an enforcement level" in err
    assert "Traceback" not in err
    config_file.write_text(json.dumps({"[/x]": "advisory", "[private]": "mandatory"}))
    assert main(["preview", "--policy-config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "  [/x]: no such policy" in err and "  [private]: no such policy" in err


def test_stack_config_error_with_brackets_is_printed_literally(tmp_path: Path, capsys: Any) -> None:
    config = default_config()
    config["staging-blueprint:network"]["natStrategy"] = "[private][/x]"
    project = make_project(tmp_path, config)
    assert main(["preview", "--stack", "test", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert "[private][/x]" in err and "Traceback" not in err


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom [/x] got '[secret]'\nsecond line")


def test_internal_error_exits_3_with_one_line(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.setattr(preview_command, "build_report", _boom)
    assert main(tiny) == 3
    assert capsys.readouterr().err == (
        "error: internal error: RuntimeError: boom [/x] got '[secret]'; please report "
        "(--debug or BLUEPRINT_DEBUG=1 shows the traceback)\n"
    )


@pytest.mark.parametrize("how", ["flag", "env"])
def test_internal_error_traceback_on_request(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(preview_command, "build_report", _boom)
    if how == "env":
        monkeypatch.setenv(cli.DEBUG_ENV, "1")
    assert main([*tiny, "--debug"] if how == "flag" else tiny) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in _boom" in err
    assert err.splitlines()[-1].startswith("error: internal error: RuntimeError: boom [/x]")


def test_interrupt_prints_one_line_and_stops_the_pack(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    packs: list[Any] = []

    def interrupted(settings: Any, project_dir: Any, on_register: Any) -> Any:
        packs.append(on_register.__self__._session.process)
        raise KeyboardInterrupt

    monkeypatch.setattr(preview_command, "run_stack", interrupted)
    assert main(tiny) == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert packs[0].poll() is not None
