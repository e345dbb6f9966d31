"""The cost lines of ``python -m blueprint ephemeral plan``: the slice's program is run offline (the
recording engine, its baseline's recorded outputs answering the StackReference) and priced by the cost
module (``blueprint.cost.estimate.estimate_graph`` with the region's price table, ``blueprint/cost/prices``,
as the preview's cost block).

A slice lives at most its time to live, so besides the monthly and daily figures the plan states the total
over that time: the monthly estimate x TTL hours / 730 (the price table's hours a month). Charges without a
price are listed and make every figure a lower bound; nothing unpriced is counted as zero silently.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from blueprint.cost.block import error_block, estimate_block, money
from blueprint.cost.estimate import estimate_graph
from blueprint.cost.schedule_hours import running_hours
from blueprint.cost.table import HOURS_PER_MONTH, PriceTableError
from blueprint.engine import ProgramError, run_stack
from blueprint.engine.stack_files import StackFileError, StackSettings, project_name, read_stack
from components.slice_names import SliceNames
from stack_config.base import NAMESPACE

#: The keys a slice takes from its baseline's stack file (as ``ephemeral up`` does).
INHERITED = ("aws:region", f"{NAMESPACE}:tags")


def slice_cost(project_dir: Path, pr: int, baseline: str, section: dict[str, Any]) -> dict[str, Any]:
    """The cost block (``blueprint.cost.block.estimate_block``) of the slice ``section`` would create.

    Raises:
        StackFileError: the baseline's stack file is missing or malformed.
        ProgramError: the slice's program (or its baseline's) fails offline.
    """
    base = read_stack(project_dir, baseline).config
    config = {key: base[key] for key in INHERITED if key in base}
    config[f"{NAMESPACE}:ephemeral"] = json.dumps(section)
    settings = StackSettings(project_name(project_dir), SliceNames(pr).stack, config)
    graph = run_stack(settings, project_dir)
    region = config.get("aws:region", "")
    try:
        estimate = estimate_graph(graph, region, running_hours=running_hours(settings), strict=False)
    except PriceTableError as exc:
        return error_block(region, str(exc))
    return estimate_block(estimate)


def cost_lines(block: dict[str, Any], ttl_hours: int) -> list[str]:
    """``cost: $M/month, $D/day; over its time to live (T h): $X`` and what is not priced."""
    if block.get("error"):
        return [f"cost: not estimated ({block['error']})"]
    total = Decimal(block["monthly"]) * ttl_hours / HOURS_PER_MONTH
    bound = "" if block["complete"] else " (lower bounds: see not priced)"
    lines = [
        f"cost ({block['region']}, prices of {block['tableDate']}): ${block['monthly']}/month, "
        f"${block['daily']}/day; over its time to live ({ttl_hours} h): ${money(total)}{bound}"
    ]
    for item in block["notPriced"]:
        lines.append(f"  not priced: {item['resource']} {item['name']}: {item['why']}")
    return lines


def plan_cost_lines(project_dir: Path, pr: int, baseline: str, section: dict[str, Any]) -> list[str]:
    """``cost_lines`` of the slice, or one line saying why it could not be estimated."""
    try:
        block = slice_cost(project_dir, pr, baseline, section)
    except (StackFileError, ProgramError) as exc:
        return [f"cost: not estimated ({exc})"]
    return cost_lines(block, int(section["ttlHours"]))
