"""The command registry: every entry imports and follows the contract; ``--help`` and ``verify --help``
import no Pulumi SDK; the dispatcher imports only the chosen command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from blueprint.cli import build_parser, chosen_command, registry

ROOT = Path(__file__).resolve().parents[3]
#: Heavy packages neither ``--help`` nor ``verify --help`` may import (the report code included).
HEAVY = ("pulumi", "pulumi_aws", "pulumi_kubernetes", "blueprint.report", "blueprint.engine")


@pytest.mark.parametrize("name", list(registry.COMMANDS))
def test_every_entry_imports_and_exposes_configure_and_run(name: str) -> None:
    module = registry.load(name)
    parser = argparse.ArgumentParser()
    module.configure(parser)
    assert callable(module.run)
    assert parser.format_help()  # the arguments it declared render


@pytest.mark.parametrize("name", list(registry.COMMANDS))
def test_each_command_is_chosen_by_its_words_and_gets_debug(name: str) -> None:
    argv = [*name.split(), "--help"]
    assert chosen_command(argv) == name
    with pytest.raises(SystemExit) as exited:
        build_parser(name).parse_args(argv)
    assert exited.value.code == 0


def test_a_module_without_run_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.COMMANDS, "broken", ("blueprint.cli.options", "not a command"))
    with pytest.raises(AttributeError, match=r"blueprint.cli.options has no configure\(\)"):
        registry.load("broken")


def _imported(argv: list[str]) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "blueprint", *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    modules = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return modules, done


@pytest.mark.parametrize("argv", [["--help"], ["verify", "--help"], ["data", "refresh", "--help"]])
def test_help_imports_no_pulumi_sdk_and_no_report_code(argv: list[str]) -> None:
    modules, done = _imported(argv)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "blueprint.cli" in modules  # -X importtime did report
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)) == []


def test_help_lists_every_registered_command_without_importing_them() -> None:
    modules, done = _imported(["--help"])
    for name in registry.COMMANDS:
        assert name.split()[0] in done.stdout
    assert not {module for module, _ in registry.COMMANDS.values()} & modules
