"""Renderers of the preview report: a Rich tree for terminals and Markdown for pull-request comments.

Both take the document built by ``blueprint.report.build_report`` (already redacted) and never look at
the raw graph, so what they show is exactly what ``--format json`` carries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

_LEVEL_STYLE = {"mandatory": "bold red", "advisory": "yellow"}


def _children(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for res in report["resources"]:
        by_parent[res["parent"] or report["stackUrn"]].append(res)
    return by_parent


def _facts_text(facts: dict[str, str]) -> str:
    return " · ".join(f"{k}={v}" for k, v in facts.items())


def display_type(type_token: str) -> str:
    """The type as ``pulumi preview`` prints it: ``aws:ec2/subnet:Subnet`` -> ``aws:ec2:Subnet``."""
    parts = type_token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}:{parts[1].split('/', 1)[0]}:{parts[2]}"
    return type_token


def _label(res: dict[str, Any], violations: dict[str, list[dict[str, Any]]]) -> Text:
    if not res["custom"]:
        label = Text.assemble((res["type"].split(":")[-1], "bold cyan"), " ", (res["name"], "bold"))
    else:
        label = Text.assemble(res["name"], " ", (display_type(res["type"]), "blue"))
        if res["facts"]:
            label.append("\n" + _facts_text(res["facts"]), style="dim")
    for v in violations.get(res["urn"], []):
        label.append(f"\n  ✗ {v['policy']} ({v['level']})", style=_LEVEL_STYLE.get(v["level"], ""))
    return label


def _add(tree: Tree, urn: str, kids: dict[str, list[dict[str, Any]]], violations: dict[str, Any]) -> None:
    for res in kids.get(urn, []):
        _add(tree.add(_label(res, violations)), res["urn"], kids, violations)


def _violations_by_urn(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in report["policy"]["violations"]:
        found[v["urn"]].append(v)
    return found


def _policy_table(policy: dict[str, Any]) -> Table | Text:
    if not policy["ran"]:
        return Text(f"Policy: {policy['note']}", style="dim")
    table = Table(title=f"Policy pack {policy['pack']['name']} {policy['pack']['version']}", show_lines=False)
    for column in ("level", "policy", "resource", "message"):
        table.add_column(column)
    for v in policy["violations"]:
        resource = v["urn"].rsplit("::", 1)[-1] if v["urn"] else "(stack)"
        table.add_row(
            Text(v["level"], style=_LEVEL_STYLE.get(v["level"], "")), v["policy"], resource, v["message"]
        )
    if not policy["violations"]:
        table.add_row("", "no violations", "", "")
    return table


def _exemptions_table(policy: dict[str, Any]) -> Table | None:
    if not policy["exemptions"]:
        return None
    table = Table(title="Exemptions")
    for column in ("status", "policy", "resource", "owner", "expires", "reason"):
        table.add_column(column)
    for e in policy["exemptions"]:
        table.add_row(
            *(str(e.get(k, "")) for k in ("status", "policy", "resource", "owner", "expires", "reason"))
        )
    return table


def render_text(report: dict[str, Any], console: Console) -> None:
    """Print the tree grouped by component, the outputs, the policy results and the summary line.

    Every value is a ``Text`` (never markup): a ``[secret]`` or an ARN's ``:secret:`` prints as written.
    """
    tree = Tree(Text.assemble(("stack ", "dim"), (f"{report['project']}/{report['stack']}", "bold")))
    _add(tree, report["stackUrn"], _children(report), _violations_by_urn(report))
    outputs = Table(title="Stack outputs", show_header=False)
    for key, value in report["outputs"].items():
        outputs.add_row(Text(key), Text(value if isinstance(value, str) else json.dumps(value)))
    parts: list[Any] = [tree, outputs, _policy_table(report["policy"])]
    exemptions = _exemptions_table(report["policy"])
    if exemptions is not None:
        parts.append(exemptions)
    parts.append(Text(report["summary"]["line"], style="bold"))
    console.print(Group(*parts))


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", "<br>")


def _md_component(res: dict[str, Any], kids: dict[str, list[dict[str, Any]]]) -> list[str]:
    rows = []
    stack = list(kids.get(res["urn"], []))
    while stack:
        child = stack.pop(0)
        if child["custom"]:
            rows.append(
                f"| `{child['name']}` | `{child['type']}` | {_md_cell(_facts_text(child['facts']))} |"
            )
        stack[:0] = kids.get(child["urn"], [])
    title = f"{res['type'].split(':')[-1]} `{res['name']}` ({len(rows)} resources)"
    return [
        f"<details><summary>{title}</summary>",
        "",
        "| name | type | security facts |",
        "|---|---|---|",
        *rows,
        "",
        "</details>",
    ]


def _md_policy(policy: dict[str, Any]) -> list[str]:
    if not policy["ran"]:
        return [f"_{policy['note']}_"]
    lines = [f"Pack `{policy['pack']['name']}` {policy['pack']['version']}", ""]
    if policy["violations"]:
        lines += ["| level | policy | resource | message |", "|---|---|---|---|"]
        for v in policy["violations"]:
            resource = v["urn"].rsplit("::", 1)[-1] if v["urn"] else "(stack)"
            lines.append(f"| **{v['level']}** | `{v['policy']}` | `{resource}` | {_md_cell(v['message'])} |")
    else:
        lines.append("No violations.")
    if policy["exemptions"]:
        lines += ["", "**Exemptions**", "", "| status | policy | resource | owner | expires | reason |"]
        lines.append("|---|---|---|---|---|---|")
        for e in policy["exemptions"]:
            cells = (e.get(k, "") for k in ("status", "policy", "resource", "owner", "expires", "reason"))
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """A PR-comment body: verdict first, then policy results, resources per component, outputs."""
    kids = _children(report)
    verdict = "❌" if report["policy"]["counts"]["mandatory"] else "✅"
    lines = [
        f"## {verdict} Preview of `{report['project']}/{report['stack']}`",
        "",
        f"**{report['summary']['line']}**",
        "",
        "### Policy results",
        "",
        *_md_policy(report["policy"]),
        "",
        "### Resources",
        "",
    ]
    for res in kids.get(report["stackUrn"], []):
        lines += _md_component(res, kids) if not res["custom"] else [f"- `{res['type']}` `{res['name']}`"]
    lines += ["", "### Stack outputs", "", "| output | value |", "|---|---|"]
    for key, value in report["outputs"].items():
        shown = value if isinstance(value, str) else json.dumps(value)
        lines.append(f"| `{key}` | {_md_cell(shown)} |")
    return "\n".join(lines) + "\n"
