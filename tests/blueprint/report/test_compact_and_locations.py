"""The compact text view (one line per finding with the stack-file line behind it) and SARIF locations
for the Kubernetes side, stack-level findings and contract breaks. Expected lines are found in the files
themselves, not computed by the code under test."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from blueprint.cli import main
from blueprint.report.compact import render_compact
from blueprint.report.sarif import sarif_log

ROOT = Path(__file__).resolve().parents[3]
STACK_LINES = (ROOT / "Pulumi.staging.yaml").read_text().splitlines()


def _line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(start))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("compact") / "r.json"
    assert main(["preview", "--format", "json", "--output", str(path)]) == 0
    return json.loads(path.read_text())


def _with(report: dict, urn: str, message: str, policy: str = "some-rule") -> dict:
    changed = copy.deepcopy(report)
    changed["policy"]["violations"] = [
        {"policy": policy, "level": "mandatory", "severity": "high", "urn": urn, "description": "d",
         "message": message}
    ]  # fmt: skip
    return changed


def test_compact_lines_point_at_the_stack_file_entry_of_kubernetes_side_findings(report):
    gateway = next(r for r in report["resources"] if r["name"] == "edge-gateway")
    text = render_compact(_with(report, gateway["urn"], "listener\nwithout TLS"), ROOT)
    first, summary = text.splitlines()
    edge_line = _line_of(STACK_LINES, "staging-blueprint:edge:")
    assert first == f"Pulumi.staging.yaml:{edge_line}: MANDATORY some-rule edge-gateway: listener without TLS"
    assert summary == report["summary"]["line"]


def test_stack_level_findings_point_at_the_key_they_name(report):
    changed = _with(report, report["stackUrn"], "staging-blueprint:tags must include owner", "required-tags")
    tags_line = _line_of(STACK_LINES, "staging-blueprint:tags:")
    assert render_compact(changed, ROOT).startswith(
        f"Pulumi.staging.yaml:{tags_line}: MANDATORY required-tags (stack)"
    )
    [result] = sarif_log(changed, STACK_LINES)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == tags_line


def test_a_contract_break_points_at_the_changed_field(report, tmp_path):
    schema = tmp_path / "schemas" / "orders.avsc"
    schema.parent.mkdir()
    fields = [{"name": "id", "type": "string"}, {"name": "quantity", "type": "int"}]
    schema.write_text(json.dumps({"type": "record", "name": "Order", "fields": fields}, indent=2))
    message = "schemas/orders.avsc: quantity: field added without a default (BACKWARD, against base): x."
    changed = _with(report, report["stackUrn"], message, "topic-contract-compatible")
    [result] = sarif_log(changed, STACK_LINES, tmp_path)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]
    expected = _line_of(schema.read_text().splitlines(), '"name": "quantity"')
    assert location["artifactLocation"]["uri"] == "schemas/orders.avsc"
    assert location["region"]["startLine"] == expected > 1
