"""Renderers of the preview report: a Rich tree for terminals and Markdown for pull-request comments.

Both take the document built by ``blueprint.report.build_report`` (already redacted) and never look at
the raw graph, so what they show is exactly what ``--format json`` carries. Both open with a warning
banner when the policy config weakens the guardrails (a mandatory rule downgraded, an exemption not
honoured) and list each downgraded rule with its effective level next to its default.

The text view passes every value to Rich as ``Text``, never as a markup string: a message holding
``[secret]``, ``[private]`` or ``[/x]`` prints as written instead of vanishing or crashing the printer.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from blueprint.cost.render import cost_markdown, cost_text
from blueprint.markdown import md_cell
from blueprint.report.budget import fold_begin, fold_end
from blueprint.report.change_table import EXEMPTION_HINT, changes_markdown, kind_of
from blueprint.report.diagram import mermaid
from blueprint.report.document import weakened
from blueprint.report.review_sections import changes_text, contracts_markdown, contracts_text
from blueprint.report.sarif import render_sarif

_LEVEL_STYLE = {"mandatory": "bold red", "advisory": "yellow"}
_EXEMPTION_COLUMNS = ("status", "policy", "resource", "owner", "expires", "reason")
_DOWNGRADE_COLUMNS = ("policy", "defaultLevel", "level", "via", "status", "owner", "expires", "reason")
_DOWNGRADE_HEADERS = ("rule", "default", "effective", "set by", "justification", "owner", "expires", "reason")


def _cell(value: Any) -> Text:
    """A table cell shown literally ('' for None); columns fold long values instead of cutting them."""
    return Text("" if value is None else str(value))


def _downgrade_cells(d: dict[str, Any]) -> list[Any]:
    """One downgrade as display values; problems are appended to a justification that does not count."""
    cells: list[Any] = [d.get(k) for k in _DOWNGRADE_COLUMNS]
    if d["status"] != "justified":
        cells[4] = f"{d['status']}: {'; '.join(d['problems'])}"
    return cells


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
    title = Text(f"Policy pack {policy['pack']['name']} {policy['pack']['version']}")
    table = Table(title=title, show_lines=False)
    for column in ("level", "policy", "resource", "message"):
        table.add_column(column, overflow="fold")
    for v in policy["violations"]:
        resource = v["urn"].rsplit("::", 1)[-1] if v["urn"] else "(stack)"
        level = Text(v["level"], style=_LEVEL_STYLE.get(v["level"], ""))
        table.add_row(level, _cell(v["policy"]), _cell(resource), _cell(v["message"]))
    if not policy["violations"]:
        table.add_row("", "no violations", "", "")
    return table


def _exemptions_table(policy: dict[str, Any]) -> Table | None:
    if not policy["exemptions"]:
        return None
    table = Table(title="Exemptions")
    for column in _EXEMPTION_COLUMNS:
        table.add_column(column, overflow="fold")
    for e in policy["exemptions"]:
        table.add_row(*(_cell(e.get(k)) for k in _EXEMPTION_COLUMNS))
    return table


def _justification(d: dict[str, Any]) -> str:
    if d["status"] == "justified":
        return f"justified until {d['expires']} by {d['owner']}: {d['reason']}"
    return f"{d['status']}: {'; '.join(d['problems'])}"


def _downgrades_table(policy: dict[str, Any]) -> Table | None:
    """Four columns, so a terminal of 80 columns still shows it: rule, default -> effective level,
    where the level was set, and the justification (all fields of it)."""
    if not policy["downgrades"]:
        return None
    table = Table(title="Downgraded rules (mandatory by default)")
    for column in ("rule", "default → effective", "set by", "justification"):
        table.add_column(column, overflow="fold")
    for d in policy["downgrades"]:
        level = Text(f"{d['defaultLevel']} → {d['level']}", style="bold yellow")
        table.add_row(_cell(d["policy"]), level, _cell(d["via"]), _cell(_justification(d)))
    return table


def _banner_text(policy: dict[str, Any]) -> Text | None:
    phrases = weakened(policy) if policy["ran"] else []
    if not phrases:
        return None
    return Text(
        f"WARNING: guardrails weakened by the policy config: {'; '.join(phrases)}.", style="bold yellow"
    )


def render_text(report: dict[str, Any], console: Console) -> None:
    """Print the tree grouped by component, the outputs, the policy results and the summary line.

    Every value is a ``Text`` (never markup): a ``[secret]`` or an ARN's ``:secret:`` prints as written.
    """
    policy = report["policy"]
    tree = Tree(Text.assemble(("stack ", "dim"), (f"{report['project']}/{report['stack']}", "bold")))
    _add(tree, report["stackUrn"], _children(report), _violations_by_urn(report))
    outputs = Table(title="Stack outputs", show_header=False)
    for key, value in report["outputs"].items():
        outputs.add_row(Text(key), Text(value if isinstance(value, str) else json.dumps(value)))
    banner = _banner_text(policy)
    parts: list[Any] = [banner] if banner is not None else []
    parts += [tree, outputs, _policy_table(policy)]
    parts += [t for t in (_downgrades_table(policy), _exemptions_table(policy)) if t is not None]
    parts += [contracts_text(report["contracts"])] if "contracts" in report else []
    parts += [changes_text(report["changes"])] if "changes" in report else []
    parts += [cost_text(report["cost"])] if "cost" in report else []
    parts.append(Text(report["summary"]["line"], style="bold"))
    if banner is not None:
        parts.append(banner)  # again at the end, where a CI log is read
    console.print(Group(*parts))


def _md_cell(value: Any) -> str:
    return md_cell(value, "<br>")


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
    lines += _md_remediations(policy)
    if policy["downgrades"]:
        lines += ["", "**Downgraded rules** (mandatory by default)", "", _md_row(_DOWNGRADE_HEADERS)]
        lines.append("|---" * len(_DOWNGRADE_HEADERS) + "|")
        lines += [_md_row(_downgrade_cells(d)) for d in policy["downgrades"]]
    if policy["exemptions"]:
        lines += ["", "**Exemptions**", "", _md_row(_EXEMPTION_COLUMNS)]
        lines.append("|---" * len(_EXEMPTION_COLUMNS) + "|")
        lines += [_md_row([e.get(k) for k in _EXEMPTION_COLUMNS]) for e in policy["exemptions"]]
    return lines


def _md_remediations(policy: dict[str, Any]) -> list[str]:
    """How to fix each violated mandatory rule, once per rule, and how to record an exemption."""
    rules = {p["name"]: p for p in policy.get("policies", [])}
    names = sorted({v["policy"] for v in policy["violations"] if v["level"] == "mandatory"})
    if not names:
        return []
    lines = ["", "**How to fix the mandatory findings**", ""]
    for name in names:
        fix = rules.get(name, {}).get("remediation") or "see the rule's description"
        lines.append(f"- `{name}`: {_md_cell(fix)}")
    return [*lines, f"- or record an exemption with an owner and an expiry: {EXEMPTION_HINT}."]


def _md_row(cells: Any) -> str:
    return "| " + " | ".join(_md_cell("" if c is None else c) for c in cells) + " |"


def _md_banner(policy: dict[str, Any]) -> list[str]:
    """A GitHub alert block opening the comment when the policy config weakens the guardrails."""
    phrases = weakened(policy) if policy["ran"] else []
    if not phrases:
        return []
    titles = (("Downgraded rules", "downgrades"), ("Exemptions", "exemptions"))
    sections = [f"*{title}*" for title, key in titles if policy[key]]
    return [
        "> [!WARNING]",
        f"> **Guardrails weakened by the policy config:** {_md_cell('; '.join(phrases))}.",
        f"> See {' and '.join(sections)} under Policy results.",
        "",
    ]


def _verdict(report: dict[str, Any]) -> tuple[str, str]:
    """``(icon, heading suffix)``: ❌ with mandatory findings; ⚠️ when the compared change replaces a
    resource, makes one public or changes or adds IAM resources (the suffix counts them and names the
    replacements that lose stored data); else ✅. A warning does not change the exit code."""
    if report["policy"]["counts"]["mandatory"]:
        return "❌", ""
    changes = report.get("changes", {})
    replaced = [r for r in changes.get("changed", []) if r["replacement"]["decision"] == "replace"]
    public = len(changes.get("newlyPublic", []))
    iam = sum(1 for r in changes.get("changed", []) if kind_of(r) == "iam") + sum(
        1 for r in changes.get("added", []) if r["type"].startswith("aws:iam/")
    )
    parts = []
    if replaced:
        lossy = [f"`{r['name']}`" for r in replaced if r["replacement"].get("stateful")]
        noun = "replacement" if len(replaced) == 1 else "replacements"
        parts.append(f"{len(replaced)} {noun}" + (f", data lost: {', '.join(lossy)}" if lossy else ""))
    if public:
        parts.append(f"{public} new public entry point{'' if public == 1 else 's'}")
    if iam:
        parts.append(f"{iam} IAM change{'' if iam == 1 else 's'}")
    return ("⚠️", f" — review: {'; '.join(parts)}") if parts else ("✅", "")


def render_markdown(report: dict[str, Any]) -> str:
    """A PR-comment body: a warning banner when guardrails are weakened, then the verdict, the change
    against a base preview (``--compare``), policy results, topic contracts, the stack diagram, and
    resources per component and outputs (folded under the change when there is one)."""
    kids = _children(report)
    verdict = _verdict(report)
    diagram = mermaid(report)
    compared = "changes" in report
    policies = {p["name"]: p for p in report["policy"].get("policies", [])}
    lines = [
        *_md_banner(report["policy"]),
        f"## {verdict[0]} Preview of `{report['project']}/{report['stack']}`{verdict[1]}",
        "",
        f"**{report['summary']['line']}**",
        "",
        *(changes_markdown(report["changes"], policies) if compared else []),
        "### Policy results",
        "",
        *_md_policy(report["policy"]),
        "",
        *(contracts_markdown(report["contracts"]) if "contracts" in report else []),
        *(cost_markdown(report["cost"]) if "cost" in report else []),
        *([fold_begin("diagram"), "### Diagram", "", *diagram, "", fold_end("diagram")] if diagram else []),
        *(
            [
                fold_begin("full-preview"),
                f"<details><summary>Full preview ({len(report['resources'])} resources)</summary>",
                "",
            ]
            if compared
            else []
        ),
        "### Resources",
        "",
    ]
    for res in kids.get(report["stackUrn"], []):
        lines += _md_component(res, kids) if not res["custom"] else [f"- `{res['type']}` `{res['name']}`"]
    lines += ["", "### Stack outputs", "", "| output | value |", "|---|---|"]
    for key, value in report["outputs"].items():
        shown = value if isinstance(value, str) else json.dumps(value)
        lines.append(f"| `{key}` | {_md_cell(shown)} |")
    lines += ["", "</details>", fold_end("full-preview")] if compared else []
    return "\n".join(lines) + "\n"


def render_report(
    report: dict[str, Any], fmt: str, width: int | None = None, project_dir: Path | None = None
) -> str:
    """``report`` as text (Rich tree, ``width`` columns, default 160), markdown, JSON or SARIF (whose
    locations point into ``project_dir``'s stack file)."""
    if fmt == "sarif":
        return render_sarif(report, project_dir)
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    console = Console(record=True, width=width or 160, file=open(os.devnull, "w"), emoji=False)  # noqa: SIM115
    render_text(report, console)
    return console.export_text()
