"""Command line of the offline tools: ``python -m blueprint preview|config-reference``.

Exit codes of ``preview``: 0 no mandatory policy violation, 1 at least one, 2 a usage, stack-file,
config or program error (nothing is written then).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from blueprint.config import ConfigError, load_stack_config
from blueprint.config_base import NAMESPACE
from blueprint.data import cli as data_cli
from blueprint.engine import PROJECT_DIR, ProgramError, run_stack
from blueprint.graph import StackGraph
from blueprint.policy_config import PolicyConfigError, load_policy_config
from blueprint.policy_runner import BackgroundAnalysis, PolicyPackError, PolicyReport
from blueprint.render import render_markdown, render_text
from blueprint.report import build_report
from blueprint.stack_files import StackFileError, StackSettings, read_stack

EXIT_OK, EXIT_MANDATORY, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input (stack file, config, policy config, program failure): message shown, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m blueprint", description="staging-blueprint offline tools"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    preview = sub.add_parser(
        "preview",
        help="run the program offline, check it with the policy pack, print the resource tree",
        description="Run the Pulumi program for a stack without the Pulumi CLI or a cloud account.",
    )
    preview.add_argument("--stack", default="staging", help="stack name; reads Pulumi.<stack>.yaml")
    preview.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    preview.add_argument("--output", type=Path, help="write the report to FILE instead of stdout")
    preview.add_argument(
        "--policy-config", type=Path, help="policy pack config JSON (as --policy-pack-config)"
    )
    preview.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    reference = sub.add_parser("config-reference", help="print the stack config reference (Markdown)")
    reference.add_argument("--update-readme", action="store_true", help="rewrite the block in README.md")
    data_cli.add_parser(sub)
    return parser


def validate_config(settings: StackSettings) -> None:
    """Raise ``UsageError`` with one line per problem if the stack config is invalid."""
    try:
        load_stack_config(
            settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _load_policy_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return load_policy_config(path)
    except PolicyConfigError as exc:
        raise UsageError(str(exc)) from None


def analyze_while_running(
    settings: StackSettings, project_dir: Path, policy_config: Any
) -> tuple[StackGraph, PolicyReport]:
    """Run the program with ``staging-guardrails`` analyzing each registration as it happens (the pack
    boots while the program starts, as the engine starts analyzers up front); ``UsageError`` on failure."""
    try:
        with BackgroundAnalysis(
            settings.project, settings.stack, policy_config, stack_config=settings.config
        ) as analysis:
            graph = run_stack(settings, project_dir, on_register=analysis.submit)
            return graph, analysis.finish(graph)
    except (ProgramError, PolicyPackError, PolicyConfigError) as exc:
        raise UsageError(str(exc)) from None


def render_report(report: dict[str, Any], fmt: str, width: int | None = None) -> str:
    """``report`` as text (Rich tree, ``width`` columns, default 160), markdown or JSON."""
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    console = Console(record=True, width=width or 160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
    render_text(report, console)
    return console.export_text()


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file + rename: a failure never leaves a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8") as tmp:
        tmp.write(text)
    Path(tmp.name).replace(path)


def preview(args: argparse.Namespace) -> int:
    """The ``preview`` command; returns the exit code."""
    try:
        settings = read_stack(args.project_dir, args.stack)
    except StackFileError as exc:
        raise UsageError(str(exc)) from None
    validate_config(settings)
    policy_config = _load_policy_config(args.policy_config)
    graph, policy = analyze_while_running(settings, args.project_dir, policy_config)
    note = f"policy config {args.policy_config}" if args.policy_config else "default policy config"
    report = build_report(graph, policy, note)
    if args.output is not None:
        _write_atomically(args.output, render_report(report, args.format))
        Console(stderr=True).print(report["summary"]["line"])
    elif args.format == "text":
        render_text(report, Console(emoji=False))
    else:
        sys.stdout.write(render_report(report, args.format))
    return EXIT_MANDATORY if policy.has_mandatory else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "data":
        return data_cli.run(args)
    try:
        if args.command == "config-reference":
            from blueprint.config_reference import render_reference, update_readme

            if args.update_readme:
                changed = update_readme(PROJECT_DIR / "README.md")
                print("README.md updated" if changed else "README.md already up to date")
            else:
                sys.stdout.write(render_reference())
            return EXIT_OK
        return preview(args)
    except UsageError as exc:
        Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
        return EXIT_USAGE
