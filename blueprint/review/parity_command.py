"""``python -m blueprint parity STACK_A STACK_B``: staging against production, property by property.

Exit 0: no unexplained engine, version or security difference; 1: at least one; 2: usage error (a
missing or invalid stack file or config, a program failure, an unwritable ``--output``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blueprint.cli import options
from blueprint.cli.errors import EXIT_FAILED, EXIT_OK, UsageError
from blueprint.cli.output import check_output, emit, export_text
from blueprint.cli.stacks import load_stack
from blueprint.engine import ProgramError, run_stack
from blueprint.engine.stack_files import StackSettings
from blueprint.markdown import md_cell
from blueprint.review.parity import ParityReport, Side, compare, side_of
from stack_config import StackConfig

#: Statuses listed row by row (identical ones are only counted).
SHOWN = ("drift", "missing", "extra", "intended")


def configure(parser: argparse.ArgumentParser) -> None:
    """``STACK_A STACK_B``, ``--format``, ``--output``."""
    parser.description = (
        "Run both stacks offline and compare engines, versions, security posture and sizes of matching "
        "resources. Exit codes: 0 pass, 1 unexplained engine/version/security difference, 2 usage error."
    )
    parser.add_argument("stack_a", metavar="STACK_A", help="the stack under review, e.g. staging")
    parser.add_argument("stack_b", metavar="STACK_B", help="the reference stack, e.g. production")
    options.add_format(parser, ("text", "markdown", "json"))
    options.add_output(parser)
    options.add_project_dir(parser)


def _side(project_dir: Path, stack: str, loaded: tuple[StackSettings, StackConfig]) -> Side:
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
    target = check_output(args.output) if args.output is not None else None
    loaded = [
        load_stack(args.project_dir, stack) for stack in (args.stack_a, args.stack_b)
    ]  # both, before running
    a, b = (_side(args.project_dir, s, x) for s, x in zip((args.stack_a, args.stack_b), loaded, strict=True))
    report = compare(a, b)
    if args.format == "json":
        text = json.dumps(report.as_dict(), indent=2) + "\n"
    elif args.format == "markdown":
        text = render_markdown(report)
    else:
        text = export_text(render_text(report))
    emit(text, target, report.summary_line())
    return EXIT_FAILED if report.fails else EXIT_OK
