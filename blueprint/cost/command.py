"""``python -m blueprint cost``: the monthly cost estimate of a stack, offline.

Runs the program for ``--stack`` under the recording engine, prices every resource from the pinned table
of the stack's ``aws:region`` and prints the estimate (text, markdown or JSON: the preview's ``cost``
block). Exit codes: 0 estimated (and within ``--budget``), 1 over ``--budget``, 2 usage or config error
(bad stack, config, usage file, budget, or no price table for the region with ``--budget``), 3 internal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from blueprint.cli import options
from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.cli.output import check_output, write_atomically
from blueprint.cost.block import money
from blueprint.cost.render import cost_markdown, cost_text, headline
from blueprint.cost.usage import UsageFileError, load_usage
from blueprint.engine import ProgramError, run_stack
from blueprint.engine.stack_files import StackFileError, read_stack
from blueprint.report.cost import BudgetError, parse_budget, stack_cost
from stack_config import ConfigError, load_stack_config
from stack_config.base import NAMESPACE

#: Exit code of an estimate over ``--budget``: a failed check.
EXIT_OVER_BUDGET = EXIT_FAILED


def configure(parser: argparse.ArgumentParser) -> None:
    """``--stack``, ``--format``, ``--output``, ``--usage FILE``, ``--budget USD``."""
    parser.description = (
        "Estimate the stack's monthly cost offline from pinned, sourced AWS list prices. "
        "Exit codes: 0 estimated, 1 over --budget, 2 usage or config error, 3 internal error."
    )
    options.add_stack(parser)
    options.add_format(parser, ("text", "markdown", "json"))
    options.add_output(parser, "the estimate")
    parser.add_argument(
        "--usage", type=Path, metavar="FILE", help="usage quantities (docs/cost.md); default: zero"
    )
    parser.add_argument("--budget", metavar="USD", help="exit 1 when the monthly estimate is over USD")
    options.add_project_dir(parser)


def _estimate(args: argparse.Namespace) -> dict[str, Any]:
    try:
        settings = read_stack(args.project_dir, args.stack)
        usage = load_usage(args.usage) if args.usage is not None else None
        load_stack_config(
            settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
        )
        graph = run_stack(settings, args.project_dir)
    except (StackFileError, UsageFileError, ConfigError, ProgramError) as exc:
        raise UsageError(str(exc)) from None
    return stack_cost(graph, settings, usage)


def _budget_verdict(block: dict[str, Any], budget: Decimal) -> bool:
    if block["error"]:
        raise UsageError(f"--budget cannot be checked: {block['error']}")
    over = Decimal(block["monthly"]) > budget
    block["budget"] = {"limit": money(budget), "over": over, "lowerBound": not block["complete"]}
    return over


def render(block: dict[str, Any], fmt: str) -> str:
    """``block`` as ``text`` (160 columns), ``markdown`` or ``json``."""
    if fmt == "json":
        return json.dumps(block, indent=2) + "\n"
    if fmt == "markdown":
        return "\n".join(cost_markdown(block)) + "\n"
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        recorder = Console(record=True, width=160, file=devnull, emoji=False)
        recorder.print(cost_text(block))
    return recorder.export_text()


def run(args: argparse.Namespace) -> int:
    """Estimate, print or write, and return the exit code."""
    target = check_output(args.output) if args.output is not None else None
    try:
        budget = parse_budget(args.budget) if args.budget is not None else None
    except BudgetError as exc:
        raise UsageError(str(exc)) from None
    block = _estimate(args)
    over = _budget_verdict(block, budget) if budget is not None else False
    if target is not None:
        write_atomically(target, render(block, args.format))
        Console(stderr=True, highlight=False).print(Text(headline(block)))
    elif args.format == "text":
        Console(emoji=False, highlight=False).print(cost_text(block))
    else:
        sys.stdout.write(render(block, args.format))
    return EXIT_OVER_BUDGET if over else EXIT_OK
