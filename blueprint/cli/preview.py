"""``python -m blueprint preview``: run the program offline, check it with the policy pack, print the report.

It lives in the command-line package rather than beside the report because it composes every layer
(engine, policy runner, review kit, report) and only ``blueprint.cli`` may import all of them
(``docs/architecture.md``). Exit codes: ``blueprint.cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from blueprint.cli import options
from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.cli.output import check_output, console, emit, write_atomically
from blueprint.cli.stacks import read_settings, validated_config
from blueprint.engine import ProgramError, run_stack
from blueprint.engine.graph import StackGraph
from blueprint.engine.stack_files import StackSettings
from blueprint.policy import BackgroundAnalysis, PolicyPackError, PolicyReport
from blueprint.policy.config import PolicyConfigError, load_exemptions_module, load_policy_config
from blueprint.report import build_report, render_report, render_text
from blueprint.report.compact import render_compact
from blueprint.report.cost import BudgetError, apply_cost, parse_budget
from blueprint.review.preview_steps import ReviewInputError, apply_review, contract_report, load_base

FORMATS = ("text", "markdown", "json", "sarif")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days >= 1")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    """``--stack``, ``--format``, ``--output``, ``--policy-config``, ``--max-waiver-days``, ``--compare``,
    ``--base``, ``--budget``, ``--compact``."""
    parser.description = (
        "Run the Pulumi program for a stack without the Pulumi CLI or a cloud account. "
        "Exit codes: 0 pass, 1 mandatory violation, 2 usage error, 3 internal error, 130/143 interrupted."
    )
    options.add_stack(parser)
    options.add_format(parser, FORMATS)
    options.add_output(parser)
    parser.add_argument(
        "--policy-config", type=Path, metavar="FILE", help="policy pack config JSON (as --policy-pack-config)"
    )
    parser.add_argument(
        "--max-waiver-days",
        type=_positive_int,
        metavar="DAYS",
        help="latest expiry allowed for exemptions and downgrades, in days from today "
        "(default 90, or STAGING_GUARDRAILS_MAX_WAIVER_DAYS)",
    )
    parser.add_argument(
        "--compare", type=Path, metavar="BASE.json", help="show the change against this base preview (JSON)"
    )
    parser.add_argument(
        "--base",
        metavar="REF",
        help="git revision topic contracts are checked against (default: merge base with main)",
    )
    parser.add_argument("--budget", metavar="USD", help="exit 1 when the monthly cost estimate is over USD")
    parser.add_argument(
        "--compact",
        action="store_true",
        help="text format: one line per finding with its stack-file line, then the summary (as checkov)",
    )
    options.add_project_dir(parser)


def _load_policy_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return load_policy_config(path)
    except PolicyConfigError as exc:
        raise UsageError(str(exc)) from None


def _pack_env(max_waiver_days: int | None) -> dict[str, str]:
    if max_waiver_days is None:
        return {}
    return {load_exemptions_module().MAX_WAIVER_DAYS_ENV: str(max_waiver_days)}


def analyze_while_running(
    settings: StackSettings, project_dir: Path, policy_config: Any, env: dict[str, str] | None = None
) -> tuple[StackGraph, PolicyReport]:
    """Run the program with ``staging-guardrails`` analyzing each registration as it happens (the pack
    boots while the program starts, as the engine starts analyzers up front); ``UsageError`` on failure.

    ``env`` is extra environment for the pack (e.g. the maximum waiver horizon).
    """
    try:
        with BackgroundAnalysis(
            settings.project, settings.stack, policy_config, stack_config=settings.config, env=env
        ) as analysis:
            graph = run_stack(settings, project_dir, on_register=analysis.submit)
            return graph, analysis.finish(graph)
    except (ProgramError, PolicyPackError, PolicyConfigError) as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """The ``preview`` command: 0 pass, 1 a mandatory violation, a contract break or an estimate over
    ``--budget`` (``UsageError``: 2)."""
    target = check_output(args.output) if args.output is not None else None
    settings = read_settings(args.project_dir, args.stack)
    try:
        base = load_base(args.compare) if args.compare is not None else None
        budget = parse_budget(args.budget) if args.budget is not None else None
    except (ReviewInputError, BudgetError) as exc:
        raise UsageError(str(exc)) from None
    policy_config = _load_policy_config(args.policy_config)
    validated_config(settings)
    try:
        contracts = contract_report(settings, args.project_dir, args.base)
    except ReviewInputError as exc:
        raise UsageError(str(exc)) from None
    env = _pack_env(args.max_waiver_days)
    graph, policy = analyze_while_running(settings, args.project_dir, policy_config, env)
    note = f"policy config {args.policy_config}" if args.policy_config else "default policy config"
    report = build_report(graph, policy, note)
    try:
        apply_review(report, contracts, base, args.compare.name if args.compare else "")
    except ReviewInputError as exc:
        raise UsageError(str(exc)) from None
    # The cost block, its --compare delta and the --budget verdict (a mandatory finding when over).
    try:
        over_budget = apply_cost(report, graph, settings, base, budget)
    except BudgetError as exc:
        raise UsageError(str(exc)) from None
    if args.compact and args.format == "text":
        emit(render_compact(report, args.project_dir), target)
    elif target is not None:
        write_atomically(target, render_report(report, args.format, project_dir=args.project_dir))
        console(stderr=True).print(Text(report["summary"]["line"]))
    elif args.format == "text":
        render_text(report, console())
    else:
        sys.stdout.write(render_report(report, args.format, project_dir=args.project_dir))
    return EXIT_FAILED if policy.has_mandatory or contracts.breaks or over_budget else EXIT_OK
