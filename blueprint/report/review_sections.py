"""The review kit's sections of the preview report, rendered: the change against a base preview
(``changes``) and the topic-contract check (``contracts``), as Markdown lines for the PR comment and as
Rich renderables for the terminal. Values are printed literally (``Text``, escaped table cells), never as
markup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blueprint.markdown import md_cell
from blueprint.report.change_table import change_rows, short_type


def _md(value: Any) -> str:
    """A cell that may sit inside a code span: backticks become quotes."""
    return md_cell(value, "<br>").replace("`", "'")


def changes_text(changes: Mapping[str, Any]) -> RenderableType:
    """The change for a terminal: a table of changed resources (risk first), then the summary line."""
    table = Table(title=Text(f"Changes against {changes['base']['file']}"))
    for column in ("change", "resource", "type", "details"):
        table.add_column(column, overflow="fold")
    for kind, r, details in change_rows(changes):
        style = "bold red" if kind == "replace" else ""
        table.add_row(
            Text(kind, style=style), Text(r["name"]), Text(short_type(r["type"])), Text("\n".join(details))
        )
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
