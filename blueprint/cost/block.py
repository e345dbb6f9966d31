"""The estimate as a JSON-compatible ``cost`` block (``docs/preview-json.md``, "cost"): what the preview
and ``python -m blueprint cost`` print, and what ``preview --compare`` compares.

Money is a decimal string in USD with two places (``"534.85"``); quantities and rates are decimal
strings as priced. A block whose region has no price table carries ``error`` and no lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from blueprint.cost.estimate import CENT, Component, Estimate
from blueprint.cost.schedule_hours import KEEPS_BILLING_TYPES, keeps_billing
from blueprint.cost.table import HOURS_PER_MONTH


def money(value: Decimal) -> str:
    """``value`` in USD with two decimal places, as a string."""
    return str(value.quantize(CENT))


def _component(c: Component) -> dict[str, Any]:
    return {
        "resource": c.resource,
        "urn": c.urn,
        "type": c.type,
        "name": c.name,
        "basis": c.basis,
        "quantity": str(c.quantity),
        "unit": c.rate.unit,
        "rate": str(c.rate.usd),
        "rateKey": c.rate.key,
        "source": c.rate.cite(),
        "scheduled": c.scheduled,
        "monthly": money(c.monthly),
    }


def schedule_block(estimate: Estimate) -> dict[str, Any] | None:
    """The ``schedule`` part of the block (None without a schedule): running hours, the total with the
    schedule and always on, the saving, and what keeps billing (with why): the fixed components, and the
    not-priced charges of types the schedule cannot stop (``monthly`` null)."""
    if estimate.running_hours == HOURS_PER_MONTH:
        return None
    saving = estimate.schedule_saving()
    unpriced = [
        {"resource": n.resource, "name": n.name, "monthly": None, "why": KEEPS_BILLING_TYPES[n.type]}
        for n in sorted(estimate.not_priced, key=lambda n: (n.resource, n.name))
        if n.type in KEEPS_BILLING_TYPES and not n.name.startswith("data processed")
    ]
    return {
        "runningHoursPerMonth": str(estimate.running_hours),
        "monthlyWithSchedule": money(estimate.total()),
        "monthlyWithoutSchedule": money(estimate.total() + saving),
        "monthlySaving": money(saving),
        "keepsBilling": [
            {"resource": c.resource, "name": c.name, "monthly": money(c.monthly), "why": why}
            for c in sorted(estimate.components, key=lambda c: (c.resource, c.name))
            if c.basis == "fixed" and not c.scheduled and (why := keeps_billing(c.rate.key))
        ]
        + unpriced,
    }


def estimate_block(estimate: Estimate) -> dict[str, Any]:
    """The ``cost`` block of ``estimate``: totals, lines, what is not priced, what is free, the schedule."""
    return {
        "currency": "USD",
        "region": estimate.region,
        "tableDate": estimate.table_date,
        "hoursPerMonth": int(HOURS_PER_MONTH),
        "monthly": money(estimate.total()),
        "daily": money(estimate.per_day()),
        "fixedMonthly": money(estimate.total("fixed")),
        "usageMonthly": money(estimate.total("usage")),
        "complete": not estimate.not_priced,
        "schedule": schedule_block(estimate),
        "components": [
            _component(c) for c in sorted(estimate.components, key=lambda c: (c.resource, c.name))
        ],
        "notPriced": [
            {"resource": n.resource, "urn": n.urn, "type": n.type, "name": n.name, "why": n.why}
            for n in sorted(estimate.not_priced, key=lambda n: (n.resource, n.name))
        ],
        "free": [{"type": t, "count": count, "why": why} for t, (count, why) in estimate.free.items()],
        "error": None,
    }


def error_block(region: str, message: str) -> dict[str, Any]:
    """A ``cost`` block for a stack that cannot be estimated (e.g. no price table for its region)."""
    return {
        "currency": "USD",
        "region": region,
        "tableDate": None,
        "hoursPerMonth": int(HOURS_PER_MONTH),
        "monthly": None,
        "daily": None,
        "fixedMonthly": None,
        "usageMonthly": None,
        "complete": False,
        "schedule": None,
        "components": [],
        "notPriced": [],
        "free": [],
        "error": message,
    }


def line_key(line: dict[str, Any]) -> tuple[str, str]:
    """How a component is matched across two blocks: its resource and its name up to `` (``."""
    return line["resource"], line["name"].split(" (")[0]


def compare_blocks(base: dict[str, Any] | None, head: dict[str, Any]) -> dict[str, Any]:
    """The monthly delta from ``base`` to ``head`` per component (matched by ``line_key``) and in total.

    Returns ``{"monthlyBefore", "monthlyAfter", "monthlyDelta", "components": [{resource, name, before,
    after, delta}]}``, components ordered by the size of their change; unchanged components are left out.
    A base without a cost block (an older preview) counts as an empty estimate.
    """
    before = {line_key(c): c for c in (base or {}).get("components", [])}
    after = {line_key(c): c for c in head.get("components", [])}
    changes = []
    for key in sorted(set(before) | set(after)):
        old = Decimal(before[key]["monthly"]) if key in before else Decimal(0)
        new = Decimal(after[key]["monthly"]) if key in after else Decimal(0)
        if old != new:
            name = (after.get(key) or before[key])["name"]
            changes.append(
                {
                    "resource": key[0],
                    "name": name,
                    "before": money(old),
                    "after": money(new),
                    "delta": money(new - old),
                }
            )
    changes.sort(key=lambda c: (-abs(Decimal(c["delta"])), c["resource"], c["name"]))
    total_before = Decimal((base or {}).get("monthly") or 0)
    total_after = Decimal(head.get("monthly") or 0)
    return {
        "monthlyBefore": money(total_before),
        "monthlyAfter": money(total_after),
        "monthlyDelta": money(total_after - total_before),
        "components": changes,
    }
