"""The monthly cost estimate of a recorded stack: pinned per-region price tables (``prices/``, loaded and
validated by ``table``), the classification of every resource type the program creates
(``classification``), cost components per resource (``estimate``), renderings (``render``), the
``python -m blueprint cost`` command (``command``), the preview's cost block and budget verdict
(``blueprint.report.cost``) and the price-list refresh tool (``refresh``).

Prices are ``decimal.Decimal``; a month is 730 hours. Nothing here is loaded by ``pulumi up``.
"""

from __future__ import annotations

from blueprint.cost.estimate import Component, Estimate, NotPriced, estimate_graph
from blueprint.cost.table import HOURS_PER_MONTH, PriceTable, PriceTableError, Rate, load_table

__all__ = [
    "HOURS_PER_MONTH",
    "Component",
    "Estimate",
    "NotPriced",
    "PriceTable",
    "PriceTableError",
    "Rate",
    "estimate_graph",
    "load_table",
]
