"""A path Rich would read as markup, given to every file-taking option of every registered command, is a
usage error (exit 2) printed as one literal line, with no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from blueprint.cli import main, registry

ROOT = Path(__file__).resolve().parents[3]
#: ``[/x]`` is a closing tag with nothing open (Rich raises MarkupError); ``[bold red]..[/]`` would
#: silently vanish into a style if it were parsed.
ODD_PATHS = ("[/x]/plan.yaml", "[bold red]nope[/]/plan.yaml")
#: command -> (arguments before the option, the file-taking options)
FILE_OPTIONS: dict[str, tuple[list[str], list[str]]] = {
    "preview": ([], ["--output", "--policy-config", "--compare"]),
    "parity": (["staging", "production"], ["--output"]),
    "contracts": ([], ["--output"]),
    "config-reference": ([], ["--output"]),
    "verify": ([], ["--outputs"]),
    "data refresh": ([], ["--plan"]),
    "cost": ([], ["--output", "--usage"]),
    "ephemeral": ([], []),
}
CASES = [
    pytest.param(name, option, path, id=f"{name}-{option}-{n}")
    for name, (_, opts) in FILE_OPTIONS.items()
    for option in opts
    for n, path in enumerate(ODD_PATHS)
]


def test_every_registered_command_has_its_file_options_listed() -> None:
    assert set(FILE_OPTIONS) == set(registry.COMMANDS)


@pytest.mark.parametrize(("name", "option", "path"), CASES)
def test_an_odd_path_is_one_literal_usage_line(name: str, option: str, path: str, capsys) -> None:
    before, _ = FILE_OPTIONS[name]
    assert main([*name.split(), *before, option, path]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: ") and path in lines[0], lines[0]
    assert "Traceback" not in captured.err and "MarkupError" not in captured.err


@pytest.mark.parametrize("path", ODD_PATHS)
def test_data_refresh_in_a_real_process(path: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "blueprint", "data", "refresh", "--plan", path],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: plan {path}: cannot read it (No such file or directory); pass an existing file"
    ]
