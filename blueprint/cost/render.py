"""The ``cost`` block as text (a Rich renderable) and as Markdown lines, for ``python -m blueprint cost``
and the preview's cost section. Every value is printed literally (``Text``, ``md_cell``), never as markup.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from blueprint.markdown import md_cell


def headline(block: dict[str, Any]) -> str:
    """One line: the monthly and daily total, fixed versus usage, the table's date and what is missing."""
    if block["error"]:
        return f"Cost: not estimated: {block['error']}"
    line = (
        f"Cost ({block['region']}, prices of {block['tableDate']}): ${block['monthly']}/month "
        f"(${block['daily']}/day; fixed ${block['fixedMonthly']}, usage ${block['usageMonthly']})"
    )
    if block["notPriced"]:
        line += f"; {len(block['notPriced'])} charge(s) not priced, so the total is a lower bound"
    if block["schedule"]:
        s = block["schedule"]
        line += (
            f"; with the schedule ({s['runningHoursPerMonth']} of {block['hoursPerMonth']} h/month) "
            f"${s['monthlyWithSchedule']}/month vs ${s['monthlyWithoutSchedule']} always on: saves "
            f"${s['monthlySaving']}/month"
        )
    if block.get("budget"):
        b = block["budget"]
        line += f"; budget ${b['limit']}: {'OVER' if b['over'] else 'within'}"
    return line


def shown_quantity(quantity: str) -> str:
    """A component's quantity (a decimal string as priced, e.g. ``35.71369863013698630136986301``) as
    shown to a reader: at most two decimal places, no trailing zeros (``35.71``, ``730``). The JSON block
    keeps the exact value, which the monthly figure is computed from."""
    shown = Decimal(quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN).normalize()
    return f"{shown:f}"


def _lines_table(block: dict[str, Any]) -> Table:
    table = Table(title="Monthly cost by component", show_lines=False)
    for column in ("resource", "component", "basis", "quantity", "rate (USD)", "USD/month"):
        table.add_column(
            column, justify="right" if column in ("quantity", "rate (USD)", "USD/month") else "left"
        )
    for c in block["components"]:
        table.add_row(
            Text(c["resource"]),
            Text(c["name"]),
            Text(c["basis"]),
            Text(f"{shown_quantity(c['quantity'])} {c['unit']}"),
            Text(c["rate"]),
            Text(c["monthly"]),
        )
    return table


def _missing_table(block: dict[str, Any]) -> Table | None:
    if not block["notPriced"]:
        return None
    table = Table(title="Not priced (not counted in the total)")
    table.add_column("resource")
    table.add_column("charge")
    table.add_column("why")
    for n in block["notPriced"]:
        table.add_row(Text(n["resource"]), Text(n["name"]), Text(n["why"]))
    return table


def _keeps_billing_table(block: dict[str, Any]) -> Table | None:
    schedule = block.get("schedule")
    if not schedule or not schedule["keepsBilling"]:
        return None
    table = Table(title="Not stopped by the schedule (billed around the clock)")
    for column in ("resource", "component", "USD/month", "why"):
        table.add_column(column, justify="right" if column == "USD/month" else "left")
    for k in schedule["keepsBilling"]:
        monthly = k["monthly"] if k["monthly"] is not None else "not priced"
        table.add_row(Text(k["resource"]), Text(k["name"]), Text(monthly), Text(k["why"]))
    return table


def _comparison_table(comparison: dict[str, Any]) -> Table:
    table = Table(
        title=f"Cost change: ${comparison['monthlyBefore']} -> ${comparison['monthlyAfter']}/month "
        f"({comparison['monthlyDelta']})"
    )
    for column in ("resource", "component", "before", "after", "delta"):
        table.add_column(column)
    for c in comparison["components"]:
        table.add_row(*(Text(c[k]) for k in ("resource", "name", "before", "after", "delta")))
    return table


def cost_text(block: dict[str, Any]) -> RenderableType:
    """The cost section for the terminal: the change (with ``--compare``), the lines, what is not priced,
    the headline."""
    parts: list[RenderableType] = []
    if block.get("comparison"):
        parts.append(_comparison_table(block["comparison"]))
    if not block["error"]:
        parts.append(_lines_table(block))
        missing = _missing_table(block)
        parts += [missing] if missing is not None else []
        kept = _keeps_billing_table(block)
        parts += [kept] if kept is not None else []
    parts.append(Text(headline(block), style="bold"))
    return Group(*parts)


def cost_markdown(block: dict[str, Any]) -> list[str]:
    """The cost section of a PR comment: headline, the change per component (``--compare``), the lines
    (folded) and what is not priced."""
    lines = ["### Cost", "", f"**{md_cell(headline(block))}**", ""]
    comparison = block.get("comparison")
    if comparison:
        lines += [
            f"Monthly change: **{comparison['monthlyDelta']} USD** "
            f"({comparison['monthlyBefore']} -> {comparison['monthlyAfter']}).",
            "",
            "| resource | component | before | after | delta |",
            "|---|---|---:|---:|---:|",
            *(
                f"| {md_cell(c['resource'])} | {md_cell(c['name'])} | {c['before']} | {c['after']} "
                f"| {c['delta']} |"
                for c in comparison["components"]
            ),
            "",
        ]
    if block["error"]:
        return lines
    lines += [
        f"<details><summary>{len(block['components'])} priced components</summary>",
        "",
        "| resource | component | basis | quantity | rate (USD) | USD/month |",
        "|---|---|---|---:|---:|---:|",
        *(
            f"| {md_cell(c['resource'])} | {md_cell(c['name'])} | {c['basis']} | "
            f"{shown_quantity(c['quantity'])} {c['unit']} "
            f"| {c['rate']} | {c['monthly']} |"
            for c in block["components"]
        ),
        "",
        "</details>",
        "",
    ]
    schedule = block.get("schedule")
    if schedule and schedule["keepsBilling"]:
        lines += _folded(
            f"{len(schedule['keepsBilling'])} charges not stopped by the schedule (billed around the clock)",
            [
                f"- {md_cell(k['resource'])}: {md_cell(k['name'])}: "
                f"{'$' + k['monthly'] if k['monthly'] is not None else 'not priced'}: {md_cell(k['why'])}"
                for k in schedule["keepsBilling"]
            ],
        )
    if block["notPriced"]:
        lines += _folded(
            f"{len(block['notPriced'])} charges not priced (not counted in the total)",
            [
                f"- {md_cell(n['resource'])}: {md_cell(n['name'])}: {md_cell(n['why'])}"
                for n in block["notPriced"]
            ],
        )
    return lines


def _folded(summary: str, items: list[str]) -> list[str]:
    """A folded list: the summary (with the count) shows, the items open on click, so a long list does not
    push the rest of the comment down (the headline already says how many charges are not priced)."""
    return [f"<details><summary>{md_cell(summary)}</summary>", "", *items, "", "</details>", ""]
