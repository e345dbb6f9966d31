"""Text made safe for a GitHub Markdown table cell: the one escaping every Markdown report uses."""

from __future__ import annotations

from typing import Any


def md_cell(value: Any, newline: str = " ") -> str:
    """``value`` as text that stays inside one table cell: ``|`` escaped, line breaks replaced by
    ``newline`` (a space by default; ``<br>`` keeps them visible in a PR comment)."""
    return str(value).replace("|", "\\|").replace("\n", newline)
