"""The monthly estimate of a recorded stack: cost components per resource, priced from a region's table.

``estimate_graph(graph, region)`` classifies every custom resource (``classification``), runs the pricing
rule of each priced type (``rules``) and sums the components. A component is ``fixed`` (provisioned
capacity, billed whether used or not; 730 hours a month) or ``usage`` (priced from the optional usage
file, zero when the file states nothing: the zero is shown, not hidden). A component whose rate the
table lacks, and every resource of a ``not priced`` type, is listed under ``not_priced`` with why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from blueprint.cost.classification import classify
from blueprint.cost.table import HOURS_PER_MONTH, PriceTable, Rate, load_table
from blueprint.engine.graph import StackGraph

Basis = Literal["fixed", "usage"]
CENT = Decimal("0.01")


class UnclassifiedTypeError(Exception):
    """The stack has a resource type ``blueprint.cost.classification`` does not classify."""


@dataclass(frozen=True)
class Component:
    """One priced line: ``quantity`` ``rate.unit``s a month at ``rate.usd``.

    Attributes:
        urn, resource, type: the resource it belongs to (URN, logical name, type token).
        name: what is charged, e.g. ``instance hours (2 x m7g.large)``.
        quantity: units a month (hours already multiplied by 730 and by the count).
        rate: the price per unit, with its source.
        basis: ``fixed`` or ``usage``.
        scheduled: True for capacity the staging schedule stops outside its hours (node instances,
            database instances); ``quantity`` is then the scheduled hours.
        unscheduled_quantity: for a scheduled component, the quantity running all 730 hours.
    """

    urn: str
    resource: str
    type: str
    name: str
    quantity: Decimal
    rate: Rate
    basis: Basis
    scheduled: bool = False
    unscheduled_quantity: Decimal | None = None

    @property
    def monthly(self) -> Decimal:
        """USD a month (unrounded)."""
        return self.quantity * self.rate.usd


@dataclass(frozen=True)
class NotPriced:
    """A charge the estimate cannot price: a dimension without a sourced rate, or a not-priced type."""

    urn: str
    resource: str
    type: str
    name: str
    why: str


@dataclass(frozen=True)
class Free:
    """A resource of a priced type that, as configured, has no charge (e.g. an S3 gateway endpoint)."""

    variant: str
    why: str


def _why(type_token: str) -> str:
    kind = classify(type_token)
    return kind.why if kind else ""


@dataclass
class Estimate:
    """The estimate of one stack.

    Attributes:
        region, table_date: the price table used.
        components: every priced line.
        not_priced: every charge without a price (never counted as zero).
        free: type token -> (count, why) of resources with no charge of their own.
        running_hours: hours a month scheduled capacity runs (730 without a schedule).
        unscheduled_monthly: what the scheduled components would cost running 730 hours.
    """

    region: str
    table_date: str
    components: list[Component] = field(default_factory=list)
    not_priced: list[NotPriced] = field(default_factory=list)
    free: dict[str, tuple[int, str]] = field(default_factory=dict)
    running_hours: Decimal = HOURS_PER_MONTH
    unscheduled_monthly: Decimal = Decimal(0)

    def total(self, basis: Basis | None = None) -> Decimal:
        """USD a month over all components (or those of one basis), rounded to cents."""
        return sum(
            (c.monthly for c in self.components if basis is None or c.basis == basis), Decimal(0)
        ).quantize(CENT)

    def per_day(self) -> Decimal:
        """USD a day: the monthly total over 730/24 days, rounded to cents."""
        return (self.total() * 24 / HOURS_PER_MONTH).quantize(CENT)

    def schedule_saving(self) -> Decimal:
        """USD a month the schedule saves on the scheduled components, rounded to cents."""
        scheduled = sum((c.monthly for c in self.components if c.scheduled), Decimal(0))
        return (self.unscheduled_monthly - scheduled).quantize(CENT)


@dataclass(frozen=True)
class Context:
    """What a pricing rule needs: the table, the usage file's entries, the day and the running hours."""

    table: PriceTable
    usage: dict[str, dict[str, Any]]
    as_of: date
    running_hours: Decimal
    graph: StackGraph


def _add_priced(
    result: Estimate, lines: Any, type_: str, free: Counter[str], free_why: dict[str, str]
) -> None:
    """Sort one priced resource's lines into ``result``: components, not priced, or a free variant."""
    for line in lines:
        if isinstance(line, Component):
            result.components.append(line)
        elif isinstance(line, NotPriced):
            result.not_priced.append(line)
        else:
            free[f"{type_} ({line.variant})"] += 1
            free_why[f"{type_} ({line.variant})"] = line.why


def estimate_graph(
    graph: StackGraph,
    region: str,
    *,
    usage: dict[str, dict[str, Any]] | None = None,
    as_of: date | None = None,
    running_hours: Decimal = HOURS_PER_MONTH,
    table: PriceTable | None = None,
    strict: bool = True,
) -> Estimate:
    """Estimate the monthly cost of ``graph`` in ``region``.

    Args:
        graph: the recorded stack.
        region: the AWS region (selects ``prices/<region>.yaml`` unless ``table`` is given).
        usage: resource logical name -> usage keys (``blueprint.cost.usage``); missing means zero.
        as_of: the day that decides EKS extended support (default: today).
        running_hours: hours a month the schedule runs node groups and databases (default 730).
        table: a price table to use instead of the region's file (tests).
        strict: raise on an unclassified type (the default); False lists it as not priced instead (the
            preview, which must report any program, e.g. a test program with an IAM user).

    Raises:
        UnclassifiedTypeError: a resource type has no classification.
        PriceTableError: the region has no valid price table.
    """
    from blueprint.cost.rules import RULES

    table = table or load_table(region)
    ctx = Context(table, usage or {}, as_of or date.today(), running_hours, graph)
    result = Estimate(region=table.region, table_date=table.table_date, running_hours=running_hours)
    free: Counter[str] = Counter()
    free_why: dict[str, str] = {}
    for rec in graph.resources:
        if not rec.custom:
            continue
        kind = classify(rec.type)
        if kind is None:
            why = f"resource type {rec.type} is not classified in blueprint/cost/classification.py"
            if strict:
                raise UnclassifiedTypeError(f"{why} ({rec.name})")
            result.not_priced.append(NotPriced(rec.urn, rec.name, rec.type, "the resource", why))
            continue
        if kind.kind == "free":
            free[rec.type] += 1
        elif kind.kind == "not priced":
            result.not_priced.append(NotPriced(rec.urn, rec.name, rec.type, "the resource", kind.why))
        else:
            _add_priced(result, RULES[rec.type](rec, ctx), rec.type, free, free_why)
    result.free = {t: (n, free_why.get(t) or _why(t)) for t, n in sorted(free.items())}
    result.unscheduled_monthly = sum(
        (
            (c.unscheduled_quantity if c.unscheduled_quantity is not None else c.quantity) * c.rate.usd
            for c in result.components
            if c.scheduled
        ),
        Decimal(0),
    )
    return result
