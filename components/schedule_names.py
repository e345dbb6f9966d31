"""Names of the staging schedule's EventBridge Scheduler schedules, and the limit they must fit.

Plain Python, no Pulumi imports: the config schema checks every name before the program registers it.
"""

from __future__ import annotations

import re
from typing import Literal

from components.aws_limits import SCHEDULER_NAME, SCHEDULER_NAME_PATTERN

Action = Literal["stop", "start"]
#: The longest suffix a schedule name gets (``-start``).
LONGEST_SUFFIX = "-start"


def node_group_name(cluster_name: str) -> str:
    """The managed node group's name: ``<cluster>-nodes`` (what ``components.cluster`` creates)."""
    return f"{cluster_name}-nodes"


def schedule_name(target: str, action: Action) -> str:
    """``<target>-<action>``: the schedule that stops or starts ``target`` (a node group name or an RDS
    identifier), e.g. ``staging-orders-stop``."""
    return f"{target}-{action}"


def name_problem(target: str) -> str | None:
    """Why ``target``'s schedule names break the Scheduler's limits, or None when both fit."""
    longest = schedule_name(target, "start")
    if len(longest) > SCHEDULER_NAME.high:
        return (
            f"schedule name {longest!r} is {len(longest)} characters; EventBridge Scheduler allows "
            f"{SCHEDULER_NAME.text()} ({SCHEDULER_NAME.source}): shorten the name"
        )
    if not re.fullmatch(SCHEDULER_NAME_PATTERN, longest):
        return f"schedule name {longest!r} may use only letters, digits and -_. ({SCHEDULER_NAME.source})"
    return None
