"""``python -m blueprint contracts``: the topic-contract check on its own.

Checks every schema file under ``schemas/`` changed against ``--base`` (default: the merge base with
``main``, or ``origin/main`` in a CI checkout) under the compatibility mode ``--stack``'s config declares.
Exit 0: every changed contract is compatible; 1: at least one break; 2: usage error (not a git
repository, unknown ``--base``, invalid stack file or config, unwritable ``--output``).
"""

from __future__ import annotations

import argparse
import json

from blueprint.cli import options
from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.cli.output import check_output, emit, export_text
from blueprint.cli.stacks import load_stack
from blueprint.report.review_sections import contracts_markdown, contracts_text
from blueprint.review.contracts.check import check_contracts, declared_schemas
from blueprint.review.contracts.history import GitUnavailableError


def configure(parser: argparse.ArgumentParser) -> None:
    """``--stack``, ``--base``, ``--format``, ``--output``."""
    parser.description = (
        "Check every schema file changed against a git base under the compatibility mode the stack config "
        "declares. Exit codes: 0 compatible, 1 a break, 2 usage error."
    )
    options.add_stack(parser, "stack whose declared compatibility modes apply")
    parser.add_argument(
        "--base", metavar="REF", help="git revision to compare with (default: merge base with main)"
    )
    options.add_format(parser, ("text", "markdown", "json"))
    options.add_output(parser, "the result")
    options.add_project_dir(parser)


def run(args: argparse.Namespace) -> int:
    """The ``contracts`` command; returns the exit code (``UsageError`` for exit 2)."""
    target = check_output(args.output) if args.output is not None else None
    _, cfg = load_stack(args.project_dir, args.stack)
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
        text = export_text(contracts_text(section))
    emit(text, target)
    return EXIT_FAILED if report.breaks else EXIT_OK
