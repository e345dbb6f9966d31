"""The go/no-go report: a JSON document (``docs/verify-json.md``) and its text and Markdown views.

Verdict: ``go`` when no check failed and at least one passed (a run that proved nothing is no-go);
``no-go`` otherwise. Skipped checks never count as passes. Every value is printed literally (Rich
``Text``, never markup) and nothing secret is ever in it: checks read metadata only.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from blueprint.markdown import md_cell
from blueprint.verify.results import CheckResult, Status

SCHEMA = "staging-blueprint/verify-report"
VERSION = "1.0"
_STYLE = {"pass": "green", "fail": "bold red", "skipped": "yellow"}
_MARK = {"pass": "✓", "fail": "✗", "skipped": "-"}


def verdict(results: list[CheckResult]) -> str:
    """``go`` or ``no-go`` (see the module docstring)."""
    statuses = {r.status for r in results}
    return "go" if Status.FAIL not in statuses and Status.PASS in statuses else "no-go"


def _summary(results: list[CheckResult], decision: str) -> dict[str, Any]:
    counts = Counter(r.status.value for r in results)
    failing = sorted({r.check for r in results if r.status is Status.FAIL})
    line = (
        f"{decision.upper()}: {counts['pass']} passed, {counts['fail']} failed, {counts['skipped']} skipped"
    )
    if failing:
        line += f" (failing: {', '.join(failing)})"
    elif not counts["pass"]:
        line += " (nothing was verified)"
    return {
        "pass": counts["pass"],
        "fail": counts["fail"],
        "skipped": counts["skipped"],
        "failing": failing,
        "line": line,
    }


def build_report(
    results: list[CheckResult],
    target: dict[str, Any],
    *,
    api_calls: list[str],
    emulation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report document.

    Args:
        results: every check result, in check order.
        target: ``account``, ``region``, ``endpointUrl`` (or None), ``url`` (or None), ``outputs`` (path).
        api_calls: IAM actions of the calls made (``AwsReader.calls``).
        emulation: what the moto engine wrote (``{"notEmulated": [...], "prerequisites": [...]}``), or None
            for a real account.
    """
    decision = verdict(results)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "verdict": decision,
        "target": target,
        "summary": _summary(results, decision),
        "checks": [
            {
                "id": r.check,
                "area": r.area,
                "title": r.title,
                "subject": r.subject,
                "status": r.status.value,
                "reason": r.reason,
                "evidence": list(r.evidence),
            }
            for r in results
        ],
        "notEmulated": list((emulation or {}).get("notEmulated", [])),
        "prerequisites": list((emulation or {}).get("prerequisites", [])),
        "apiCalls": sorted(api_calls),
    }


def _status(check: dict[str, Any]) -> str:
    return check["status"] + (f" ({check['reason']})" if check["reason"] else "")


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2) + "\n"


def render_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown (a CI job summary or PR comment)."""
    target = report["target"]
    lines = [
        f"## Staging go/no-go: **{report['verdict'].upper()}**",
        "",
        f"Account `{target['account']}`, region `{target['region']}`"
        + (f", endpoint `{target['endpointUrl']}`" if target.get("endpointUrl") else "")
        + (f", edge `{target['url']}`" if target.get("url") else ""),
        "",
        f"**{report['summary']['line']}**",
        "",
        "| | check | subject | evidence |",
        "|---|---|---|---|",
    ]
    for check in report["checks"]:
        evidence = "<br>".join(md_cell(e) for e in check["evidence"])
        lines.append(
            f"| {_MARK[check['status']]} {_status(check)} | `{check['id']}` {md_cell(check['title'])} "
            f"| {md_cell(check['subject'])} | {evidence} |"
        )
    lines += _markdown_emulation(report)
    return "\n".join(lines) + "\n"


def _markdown_emulation(report: dict[str, Any]) -> list[str]:
    if not report["notEmulated"] and not report["prerequisites"]:
        return []
    lines = ["", "### Not emulated", ""]
    for note in report["notEmulated"]:
        lines.append(
            f"- `{note['type']}` {note['what']}: {md_cell(note['reason'])} ({', '.join(note['resources'])})"
        )
    for seeded in report["prerequisites"]:
        lines.append(f"- account prerequisite seeded before deploying: {md_cell(seeded)}")
    return lines


def render_report(report: dict[str, Any], fmt: str) -> str:
    """``markdown`` or ``json`` as text (``text`` is printed with ``render_text``)."""
    return render_json(report) if fmt == "json" else render_markdown(report)


def render_text(report: dict[str, Any], console: Console) -> None:
    """The report for a terminal: a table of results, what was not emulated, and the verdict."""
    target = report["target"]
    where = f"account {target['account']}, {target['region']}"
    if target.get("endpointUrl"):
        where += f", endpoint {target['endpointUrl']}"
    table = Table(title=Text(f"verify: {where}"), show_lines=False, expand=True)
    for column, ratio in (("status", 1), ("check", 3), ("subject", 3), ("evidence", 6)):
        table.add_column(column, ratio=ratio, overflow="fold")
    for check in report["checks"]:
        table.add_row(
            Text(f"{_MARK[check['status']]} {_status(check)}", style=_STYLE[check["status"]]),
            Text(check["id"]),
            Text(check["subject"]),
            Text("\n".join(check["evidence"])),
        )
    console.print(table)
    if report["notEmulated"] or report["prerequisites"]:
        console.print(Text("Not emulated", style="bold yellow"))
        for note in report["notEmulated"]:
            console.print(
                Text(f"  {note['type']} {note['what']}: {note['reason']} ({', '.join(note['resources'])})")
            )
        for seeded in report["prerequisites"]:
            console.print(Text(f"  account prerequisite seeded before deploying: {seeded}"))
    style = "bold green" if report["verdict"] == "go" else "bold red"
    console.print(Text(report["summary"]["line"], style=style))
