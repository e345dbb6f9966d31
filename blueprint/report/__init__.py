"""The preview report: one JSON-compatible document (``document``) built from a recorded stack and its
policy results, the security facts of each resource (``facts``), and its renderings as a Rich tree, a
Markdown pull-request comment or JSON (``render``)."""

from __future__ import annotations

from blueprint.report.document import SCHEMA_VERSION, build_report, summary_line
from blueprint.report.facts import security_facts
from blueprint.report.render import render_markdown, render_report, render_text

__all__ = [
    "SCHEMA_VERSION",
    "build_report",
    "render_markdown",
    "render_report",
    "render_text",
    "security_facts",
    "summary_line",
]
