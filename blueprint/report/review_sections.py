"""The review kit's sections of the preview report, rendered: the change against a base preview
(``changes``) and the topic-contract check (``contracts``), as Markdown lines for the PR comment and as
Rich renderables for the terminal. Values are printed literally (``Text``, escaped table cells), never as
markup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blueprint.markdown import md_cell

#: How long a changed value may get in a table cell before it is cut (schema definitions, policies).
MAX_VALUE_CHARS = 120
_MARKS = {"added": "+", "changed": "~", "removed": "-"}


def _value(value: Any) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    shown = shown.replace("\n", " ")
    return shown if len(shown) <= MAX_VALUE_CHARS else shown[: MAX_VALUE_CHARS - 1] + "…"


def diff_text(diff: Mapping[str, Any]) -> str:
    """``path: old → new`` (``+ path: new`` for an addition, ``- path: old`` for a deletion)."""
    if diff["kind"] == "add":
        return f"+ {diff['path']}: {_value(diff['new'])}"
    if diff["kind"] == "delete":
        return f"- {diff['path']}: {_value(diff['old'])}"
    return f"{diff['path']}: {_value(diff['old'])} → {_value(diff['new'])}"


def _md(value: Any) -> str:
    """A cell that may sit inside a code span: backticks become quotes."""
    return md_cell(value, "<br>").replace("`", "'")


def _change_rows(changes: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any], str]]:
    rows = [("added", r, "created") for r in changes["added"]]
    for r in changes["changed"]:
        details = [diff_text(d) for d in r["diffs"]]
        if r["renamedFrom"]:
            details.insert(0, f"renamed from {r['renamedFrom'].rsplit('::', 1)[-1]}")
        rows.append(("changed", r, "\n".join(details)))
    rows += [("removed", r, "deleted") for r in changes["removed"]]
    return rows


def _finding_rows(violations: list[Mapping[str, Any]]) -> list[str]:
    rows = []
    for v in violations:
        resource = v["urn"].rsplit("::", 1)[-1]
        rows.append(f"| **{v['level']}** | `{v['policy']}` | `{_md(resource)}` | {_md(v['message'])} |")
    return rows


def changes_markdown(changes: Mapping[str, Any]) -> list[str]:
    """The PR comment's first section: summary line, one row per changed resource, findings diff."""
    lines = [
        f"### Changes against `{_md(changes['base']['file'])}`",
        "",
        f"**{changes['summary']['line']}**",
        "",
    ]
    rows = _change_rows(changes)
    if rows:
        lines += ["| | resource | type | change |", "|---|---|---|---|"]
        for kind, r, detail in rows:
            lines.append(f"| {_MARKS[kind]} | `{_md(r['name'])}` | `{r['type']}` | {_md(detail)} |")
    else:
        lines.append("No resource changes.")
    for title, key in (("New policy findings", "appeared"), ("Resolved policy findings", "disappeared")):
        found = changes["policy"][key]
        if found:
            lines += ["", f"**{title}**", "", "| level | policy | resource | message |", "|---|---|---|---|"]
            lines += _finding_rows(found)
    return [*lines, ""]


def changes_text(changes: Mapping[str, Any]) -> RenderableType:
    """The same for a terminal: a table of changed resources, then the summary line."""
    table = Table(title=Text(f"Changes against {changes['base']['file']}"))
    for column in ("", "resource", "type", "change"):
        table.add_column(column, overflow="fold")
    for kind, r, detail in _change_rows(changes):
        table.add_row(_MARKS[kind], Text(r["name"]), Text(r["type"]), Text(detail))
    parts: list[RenderableType] = [table]
    for title, key in (("new finding", "appeared"), ("resolved", "disappeared")):
        for v in changes["policy"][key]:
            parts.append(
                Text(f"{title}: {v['level']} {v['policy']} on {v['urn'].rsplit('::', 1)[-1]}: {v['message']}")
            )
    parts.append(Text(f"Changes: {changes['summary']['line']}", style="bold"))
    return Group(*parts)


def contracts_markdown(contracts: Mapping[str, Any]) -> list[str]:
    """Topic contracts: one row per changed schema file, then each break with path and rule."""
    lines = ["### Topic contracts", ""]
    if not contracts["ran"]:
        return [*lines, f"_{_md(contracts['note'])}_", ""]
    lines.append(f"{_md(contracts['note'])}.")
    if not contracts["results"]:
        return [*lines, "", "No schema file changed.", ""]
    lines += ["", "| file | compatibility | verdict | note |", "|---|---|---|---|"]
    for r in contracts["results"]:
        verdict = f"**{r['status']}**" if r["status"] == "incompatible" else r["status"]
        lines.append(f"| `{_md(r['file'])}` | {r['compatibility'] or ''} | {verdict} | {_md(r['note'])} |")
    breaks = [(r, b) for r in contracts["results"] for b in r["breaks"]]
    if breaks:
        lines += ["", "| file | field | change | against | details |", "|---|---|---|---|---|"]
        for r, b in breaks:
            lines.append(
                f"| `{_md(r['file'])}` | `{_md(b['path'])}` | {_md(b['rule'])} ({b['direction']}) | "
                f"{_md(b['against'])} | {_md(b['detail'])} |"
            )
    return [*lines, ""]


def contracts_text(contracts: Mapping[str, Any]) -> RenderableType:
    """Topic contracts for a terminal."""
    if not contracts["ran"] or not contracts["results"]:
        return Text(f"Topic contracts: {contracts['note']}", style="dim")
    table = Table(title=Text(f"Topic contracts ({contracts['note']})"))
    for column in ("file", "mode", "verdict", "field", "change", "details"):
        table.add_column(column, overflow="fold")
    for r in contracts["results"]:
        style = "bold red" if r["status"] == "incompatible" else ""
        if not r["breaks"]:
            table.add_row(
                Text(r["file"]),
                r["compatibility"] or "",
                Text(r["status"], style=style),
                "",
                "",
                Text(r["note"]),
            )
        for b in r["breaks"]:
            table.add_row(
                Text(r["file"]), r["compatibility"] or "", Text(r["status"], style=style), Text(b["path"]),
                Text(f"{b['rule']} ({b['direction']}, against {b['against']})"), Text(b["detail"]),
            )  # fmt: skip
    return table
