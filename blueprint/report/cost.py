"""The preview's cost section: the ``cost`` block of the recorded stack (``blueprint.cost``), its change
against a base preview (``--compare``) and the budget verdict (``--budget USD``).

An estimate over budget is reported like a policy finding: a mandatory violation of the review kit's
rule ``cost-within-budget`` in ``policy.violations`` (so the preview exits 1 and the summary line reads
FAIL), with the rule in ``policy.policies`` tagged ``source:review-kit``. The total of an incomplete
estimate (charges not priced) is a lower bound: over budget is then certain, within budget is not, and
the finding or the headline says so.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from blueprint.cost.block import compare_blocks, error_block, estimate_block, money
from blueprint.cost.estimate import estimate_graph
from blueprint.cost.schedule_hours import running_hours
from blueprint.cost.table import PriceTableError
from blueprint.engine.graph import StackGraph
from blueprint.engine.stack_files import StackSettings
from blueprint.report.document import summary_line

POLICY_NAME = "cost-within-budget"
DESCRIPTION = "The estimated monthly cost of the stack (python -m blueprint cost) is within --budget."
REMEDIATION = (
    "Shrink what the estimate's largest components price (instance classes, broker counts, natStrategy, "
    "azCount, interface endpoints), add a staging-blueprint:schedule, or raise the budget deliberately."
)
RULE: dict[str, Any] = {
    "name": POLICY_NAME,
    "level": "mandatory",
    "defaultLevel": "mandatory",
    "severity": "medium",
    "type": "stack",
    "description": DESCRIPTION,
    "remediation": REMEDIATION,
    "tags": ["concern:cost", "source:review-kit"],
}


class BudgetError(ValueError):
    """``--budget`` is not a positive amount of USD, or the stack cannot be estimated to check it."""


def parse_budget(text: str) -> Decimal:
    """``--budget`` as USD a month: a positive decimal such as ``500`` or ``499.99``.

    Raises:
        BudgetError: not a positive decimal number.
    """
    try:
        value = Decimal(text.strip().removeprefix("$"))
    except InvalidOperation:
        raise BudgetError(f"--budget {text!r}: not an amount of USD (e.g. --budget 500)") from None
    if not value.is_finite() or value <= 0:
        raise BudgetError(f"--budget {text!r}: must be a positive amount of USD a month")
    return value


def stack_cost(
    graph: StackGraph, settings: StackSettings, usage: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``cost`` block of ``graph`` in the stack's ``aws:region``, with the schedule's running hours."""
    region = settings.config.get("aws:region", "")
    try:
        estimate = estimate_graph(
            graph, region, usage=usage, running_hours=running_hours(settings), strict=False
        )
    except PriceTableError as exc:
        return error_block(region, str(exc))
    return estimate_block(estimate)


def apply_budget(report: dict[str, Any], budget: Decimal) -> bool:
    """Record the ``budget`` verdict in ``report["cost"]["budget"]`` and, when over, a mandatory violation;
    returns True when the estimate is over budget.

    Raises:
        BudgetError: the stack has no estimate (no price table for its region).
    """
    block = report["cost"]
    if block["error"]:
        raise BudgetError(f"--budget cannot be checked: {block['error']}")
    monthly = Decimal(block["monthly"])
    over = monthly > budget
    block["budget"] = {"limit": money(budget), "over": over, "lowerBound": not block["complete"]}
    policy = report["policy"]
    if all(p["name"] != POLICY_NAME for p in policy["policies"]):
        policy["policies"].append(dict(RULE))
    if over:
        bound = " at least" if not block["complete"] else ""
        policy["violations"].append(
            {
                "policy": POLICY_NAME,
                "level": "mandatory",
                "severity": "medium",
                "urn": report["stackUrn"],
                "description": DESCRIPTION,
                "message": f"estimated{bound} ${block['monthly']}/month ({block['region']}, prices of "
                f"{block['tableDate']}) is over the budget of ${money(budget)}/month by "
                f"${money(monthly - budget)}",
            }
        )
        policy["counts"]["mandatory"] += 1
    report["summary"]["line"] = summary_line(report)
    return over


def apply_cost(
    report: dict[str, Any],
    graph: StackGraph,
    settings: StackSettings,
    base: dict[str, Any] | None = None,
    budget: Decimal | None = None,
) -> bool:
    """Add the ``cost`` block to ``report``, its ``comparison`` with ``base`` (a base preview document,
    ``--compare``) and the ``budget`` verdict; returns True when over budget (the preview exits 1).

    Raises:
        BudgetError: a budget is given but the stack cannot be estimated.
    """
    report["cost"] = stack_cost(graph, settings)
    if base is not None:
        report["cost"]["comparison"] = compare_blocks(base.get("cost"), report["cost"])
    return apply_budget(report, budget) if budget is not None else False
