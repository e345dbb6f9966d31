"""``python -m blueprint parity STACK_A STACK_B``: staging against production, property by property.

Exit 0: no unexplained engine, version or security difference; 1: at least one; 2: usage error (a
missing or invalid stack file or config, a program failure, an unwritable ``--output``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from blueprint.engine import PROJECT_DIR, ProgramError, run_stack
from blueprint.engine.stack_files import StackFileError, StackSettings, read_stack
from blueprint.markdown import md_cell
from blueprint.review.parity import ParityReport, Side, compare, side_of
from stack_config import StackConfig

#: Statuses listed row by row (identical ones are only counted).
SHOWN = ("drift", "missing", "extra", "intended")


def add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register ``parity`` on the command line's subparsers."""
    parser = sub.add_parser(
        "parity",
        parents=[common],
        help="compare two stacks (e.g. staging production) property by property",
        description="Run both stacks offline and compare engines, versions, security posture and sizes of "
        "matching resources. Exit codes: 0 pass, 1 unexplained engine/version/security difference, "
        "2 usage error.",
    )
    parser.add_argument("stack_a", metavar="STACK_A", help="the stack under review, e.g. staging")
    parser.add_argument("stack_b", metavar="STACK_B", help="the reference stack, e.g. production")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    parser.add_argument("--output", type=Path, help="write the report to FILE instead of stdout")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)


def _load(project_dir: Path, stack: str) -> tuple[StackSettings, StackConfig]:
    """A stack's settings and validated config (``UsageError`` when either is bad)."""
    from blueprint.cli import UsageError, validate_config
    from stack_config import load_stack_config
    from stack_config.base import NAMESPACE

    try:
        settings = read_stack(project_dir, stack)
    except StackFileError as exc:
        raise UsageError(str(exc)) from None
    validate_config(settings)
    namespace = settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    return settings, load_stack_config(*namespace)


def _side(project_dir: Path, stack: str, loaded: tuple[StackSettings, StackConfig]) -> Side:
    from blueprint.cli import UsageError

    settings, cfg = loaded
    try:
        return side_of(stack, cfg, run_stack(settings, project_dir))
    except ProgramError as exc:
        raise UsageError(f"{stack}: {exc}") from None


def _value(value: Any) -> str:
    return "—" if value is None else value if isinstance(value, str) else json.dumps(value)


def _why(finding: Any) -> str:
    """The row's reason; a difference nobody declared says so and how to settle it."""
    if finding.reason:
        return str(finding.reason)
    if finding.status == "drift":
        return (
            f"undeclared {finding.category} difference: align the stacks, or declare it under "
            "staging-blueprint:parity with a reason, owner and expiry"
        )
    return "only in one stack" if finding.status in ("missing", "extra") else ""


def _parity_rows(report: ParityReport, rows: list[Any]) -> list[str]:
    lines = [
        f"| status | resource | property | `{report.a}` | `{report.b}` | why |",
        "|---|---|---|---|---|---|",
    ]
    for f in sorted(rows, key=lambda f: (SHOWN.index(f.status), f.identity, f.property)):
        status = f"**{f.status}**" if f.fails else f.status
        lines.append(
            f"| {status} ({f.category}) | `{md_cell(f.identity)}` | `{f.property}` | "
            f"{md_cell(_value(f.a))} | {md_cell(_value(f.b))} | {md_cell(_why(f))} |"
        )
    return lines


def render_markdown(report: ParityReport) -> str:
    """The PR-comment section: verdict, every unexplained difference (each saying why it counts), the
    intended differences folded, then the declarations that explain nothing."""
    mark = "❌" if report.fails else "✅"
    lines = [f"### {mark} Parity `{report.a}` vs `{report.b}`", "", f"**{report.summary_line()}**", ""]
    shown = [f for f in report.findings if f.status in SHOWN]
    open_rows = [f for f in shown if f.status != "intended"]
    intended = [f for f in shown if f.status == "intended"]
    if open_rows:
        lines += _parity_rows(report, open_rows)
    if intended:
        summary = f"{len(intended)} intended difference(s) (declared or size-only)"
        lines += [
            "",
            f"<details><summary>{summary}</summary>",
            "",
            *_parity_rows(report, intended),
            "",
            "</details>",
        ]
    for d in report.declarations:
        if d.status != "active" or not d.used:
            why = "; ".join(d.problems) or "matched no difference; remove it"
            covers = f"`{d.entry.resource}` `{d.entry.property}`"
            lines.append(f"\n- declaration {d.origin} ({covers}): {d.status}: {md_cell(why)}")
    return "\n".join(lines) + "\n"


def render_text(report: ParityReport) -> RenderableType:
    """The same for a terminal."""
    table = Table(title=Text(f"Parity {report.a} vs {report.b}"))
    for column in ("status", "resource", "property", report.a, report.b, "why"):
        table.add_column(column, overflow="fold")
    for f in sorted(
        (f for f in report.findings if f.status in SHOWN), key=lambda f: (SHOWN.index(f.status), f.identity)
    ):
        style = "bold red" if f.fails else ""
        table.add_row(Text(f"{f.status} ({f.category})", style=style), Text(f.identity), Text(f.property),
                      Text(_value(f.a)), Text(_value(f.b)), Text(f.reason))  # fmt: skip
    notes = [
        Text(
            f"declaration {d.origin}: {d.status}: {'; '.join(d.problems) or 'matched no difference'}",
            style="yellow",
        )
        for d in report.declarations
        if d.status != "active" or not d.used
    ]
    return Group(table, *notes, Text(report.summary_line(), style="bold"))


def run(args: argparse.Namespace) -> int:
    """The ``parity`` command; returns the exit code (``UsageError`` for exit 2)."""
    from blueprint.cli import EXIT_MANDATORY, EXIT_OK, check_output, write_atomically

    target = check_output(args.output) if args.output is not None else None
    loaded = [
        _load(args.project_dir, stack) for stack in (args.stack_a, args.stack_b)
    ]  # both, before running
    a, b = (_side(args.project_dir, s, x) for s, x in zip((args.stack_a, args.stack_b), loaded, strict=True))
    report = compare(a, b)
    if args.format == "json":
        text = json.dumps(report.as_dict(), indent=2) + "\n"
    elif args.format == "markdown":
        text = render_markdown(report)
    else:
        console = Console(record=True, width=160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
        console.print(render_text(report))
        text = console.export_text()
    if target is not None:
        write_atomically(target, text)
        Console(stderr=True, highlight=False).print(Text(report.summary_line()))
    else:
        sys.stdout.write(text)
    return EXIT_MANDATORY if report.fails else EXIT_OK
