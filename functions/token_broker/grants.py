"""Authorization: which of the caller's groups grants the requested role or database.

Grant tables come from ``ROLE_MAP`` / ``DB_MAP`` (see ``config.py``), keyed ``group -> name``.
When several of the caller's groups grant the same name, the group that sorts first wins. A
refusal names the groups that were seen, never the mapping itself.
"""

from __future__ import annotations

from typing import TypeVar

from .claims import Identity
from .responses import ApiError

Grant = TypeVar("Grant")
_SHOWN_GROUPS = 20


def find_grant(table: dict[str, dict[str, Grant]], identity: Identity, name: str, what: str) -> Grant:
    """The grant of ``name`` to one of the caller's groups; raises ApiError 403 when there is none."""
    for group in sorted(identity.groups):
        grant = table.get(group, {}).get(name)
        if grant is not None:
            return grant
    raise ApiError(
        403,
        "forbidden",
        f"{what} {name!r} is not allowed for your groups ({describe_groups(identity.groups)})",
    )


def describe_groups(groups: tuple[str, ...]) -> str:
    """A short, human-readable list of groups for messages."""
    if not groups:
        return "none"
    shown = ", ".join(groups[:_SHOWN_GROUPS])
    more = len(groups) - _SHOWN_GROUPS
    return f"{shown} and {more} more" if more > 0 else shown
