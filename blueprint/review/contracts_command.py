"""``python -m blueprint contracts``: the topic-contract check on its own.

Checks every schema file under ``schemas/`` changed against ``--base`` (default: the merge base with
``main``, or ``origin/main`` in a CI checkout) under the compatibility mode ``--stack``'s config declares.
Exit 0: every changed contract is compatible; 1: at least one break; 2: usage error (not a git
repository, unknown ``--base``, invalid stack file or config, unwritable ``--output``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console

from blueprint.engine import PROJECT_DIR
from blueprint.engine.stack_files import StackFileError, read_stack
from blueprint.report.review_sections import contracts_markdown, contracts_text
from blueprint.review.contracts.check import check_contracts, declared_schemas
from blueprint.review.contracts.history import GitUnavailableError


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register ``contracts`` on the command line's subparsers."""
    parser = sub.add_parser(
        "contracts",
        parents=[common],
        help="check changed topic contracts (schemas/) against a git base",
        description="Check every schema file changed against a git base under the compatibility mode the "
        "stack config declares. Exit codes: 0 compatible, 1 a break, 2 usage error.",
    )
    parser.add_argument("--stack", default="staging", help="stack whose declared compatibility modes apply")
    parser.add_argument(
        "--base", metavar="REF", help="git revision to compare with (default: merge base with main)"
    )
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--output", type=Path, help="write the result to FILE instead of stdout")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """The ``contracts`` command; returns the exit code (``UsageError`` for exit 2)."""
    from blueprint.cli import (
        EXIT_MANDATORY,
        EXIT_OK,
        UsageError,
        check_output,
        validate_config,
        write_atomically,
    )
    from stack_config import load_stack_config
    from stack_config.base import NAMESPACE

    target = check_output(args.output) if args.output is not None else None
    try:
        settings = read_stack(args.project_dir, args.stack)
    except StackFileError as exc:
        raise UsageError(str(exc)) from None
    validate_config(settings)
    cfg = load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    try:
        report = check_contracts(args.project_dir, declared_schemas(cfg.brokers), args.base, require_git=True)
    except GitUnavailableError as exc:
        raise UsageError(f"contracts: {exc}") from None
    section = report.as_dict()
    if args.format == "json":
        text = json.dumps(section, indent=2) + "\n"
    elif args.format == "markdown":
        text = "\n".join(contracts_markdown(section)) + "\n"
    else:
        console = Console(record=True, width=160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
        console.print(contracts_text(section))
        text = console.export_text()
    if target is not None:
        write_atomically(target, text)
    else:
        sys.stdout.write(text)
    return EXIT_MANDATORY if report.breaks else EXIT_OK
