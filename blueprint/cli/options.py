"""Options several commands share, declared once: ``--stack``, ``--format``, ``--output``, the hidden
``--project-dir`` and ``--debug`` (which the dispatcher adds to every command).

Standard library only, so a command's ``configure()`` costs nothing to call.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

#: The repository root: the Pulumi project (``Pulumi.yaml``, ``Pulumi.<stack>.yaml``, ``__main__.py``).
PROJECT_DIR = Path(__file__).resolve().parents[2]
#: The stack a command reads when ``--stack`` is not given.
DEFAULT_STACK = "staging"


def add_stack(parser: argparse.ArgumentParser, help: str = "stack name; reads Pulumi.<stack>.yaml") -> None:
    """``--stack NAME`` (default ``staging``) into ``args.stack``."""
    parser.add_argument("--stack", default=DEFAULT_STACK, help=f"{help} (default {DEFAULT_STACK})")


def add_format(
    parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "markdown", "json")
) -> None:
    """``--format`` with this command's ``choices`` (the first is the default) into ``args.format``."""
    parser.add_argument(
        "--format", choices=tuple(choices), default=choices[0], help=f"output format (default {choices[0]})"
    )


def add_output(parser: argparse.ArgumentParser, what: str = "the report") -> None:
    """``--output FILE`` (default: stdout) into ``args.output``: checked before any work
    (``blueprint.cli.output.check_output``), written atomically at the end."""
    parser.add_argument("--output", type=Path, metavar="FILE", help=f"write {what} to FILE instead of stdout")


def add_project_dir(parser: argparse.ArgumentParser) -> None:
    """Hidden ``--project-dir DIR`` (default: this repository) into ``args.project_dir`` (tests)."""
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)


def add_debug(parser: argparse.ArgumentParser) -> None:
    """``--debug`` into ``args.debug``: an internal error prints its traceback."""
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
