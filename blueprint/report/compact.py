"""The compact text view: one line per finding with the stack-file line behind it, as checkov prints.

``<file>:<line>: <LEVEL> <rule> <resource>: <message>`` (the line from ``sarif.source_line``: the
component's stack-file entry, the key a stack-level finding names, or a contract break's field), then the
summary line. Meant for terminals and CI logs; editors and GitHub turn ``file:line`` into a link.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blueprint.report.sarif import source_line

_ORDER = {"mandatory": 0, "remediate": 0, "advisory": 1}


def render_compact(report: Mapping[str, Any], project_dir: Path | None = None) -> str:
    """One line per violation, mandatory first, then ``report["summary"]["line"]``.

    Args:
        report: the preview document (``build_report``).
        project_dir: where ``Pulumi.<stack>.yaml`` and ``schemas/`` are read for line numbers; without it
            every finding points at line 1.
    """
    stack_file = project_dir / f"Pulumi.{report['stack']}.yaml" if project_dir is not None else None
    lines = stack_file.read_text(encoding="utf-8").splitlines() if stack_file and stack_file.is_file() else []
    out = []
    violations = sorted(
        report["policy"]["violations"], key=lambda v: (_ORDER.get(v["level"], 2), v["policy"])
    )
    for v in violations:
        where, line = source_line(report, v, lines, project_dir)
        resource = v["urn"].rsplit("::", 1)[-1] if v["urn"] and v["urn"] != report["stackUrn"] else "(stack)"
        message = " ".join(str(v["message"]).split())
        out.append(f"{where}:{line}: {v['level'].upper()} {v['policy']} {resource}: {message}")
    return "\n".join([*out, report["summary"]["line"]]) + "\n"
