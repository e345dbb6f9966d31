"""``preview --format sarif`` validates against the official SARIF 2.1.0 schema (vendored in tests/data,
see tests/data/README.md) and carries what GitHub code scanning needs; the copyable workflow
``.github/workflows/staging-preview.yml`` has the steps, permissions and gate it promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from blueprint.cli import main
from blueprint.report.sarif import find_line, sarif_log

ROOT = Path(__file__).resolve().parents[3]
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
WORKFLOW = ROOT / ".github" / "workflows" / "staging-preview.yml"


@pytest.fixture(scope="module")
def sarif(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("sarif") / "preview.sarif"
    assert main(["preview", "--format", "sarif", "--output", str(out)]) == 0
    return json.loads(out.read_text())


def test_sarif_validates_against_the_official_schema(sarif):
    assert SARIF_SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert sarif["version"] == "2.1.0"


def test_one_result_per_violation_with_rule_metadata_and_a_location(sarif, tmp_path):
    report_path = tmp_path / "r.json"
    main(["preview", "--format", "json", "--output", str(report_path)])
    report = json.loads(report_path.read_text())
    [run] = sarif["runs"]
    results, rules = run["results"], run["tool"]["driver"]["rules"]
    assert [(r["ruleId"], r["message"]["text"]) for r in results] == [
        (v["policy"], v["message"]) for v in report["policy"]["violations"]
    ]
    assert {r["id"] for r in rules} == {p["name"] for p in report["policy"]["policies"]}
    for result in results:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert "Remediation:" in rule["help"]["text"]
        assert float(rule["properties"]["security-severity"]) > 0
        assert (
            result["level"]
            == {"mandatory": "error", "advisory": "warning"}[
                next(v["level"] for v in report["policy"]["violations"] if v["policy"] == result["ruleId"])
            ]
        )
    # the RDS finding points at the `name: orders` entry of staging-blueprint:databases
    rds = next(r for r in results if r["ruleId"] == "rds-enhanced-monitoring-enabled")
    location = rds["locations"][0]["physicalLocation"]
    line = (ROOT / "Pulumi.staging.yaml").read_text().splitlines()[location["region"]["startLine"] - 1]
    assert location["artifactLocation"]["uri"] == "Pulumi.staging.yaml"
    assert re.fullmatch(r"\s*name: orders", line)


def test_mandatory_findings_are_errors_and_contract_breaks_point_at_the_schema_file():
    stack_urn = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    report = {
        "project": "p", "stack": "s", "stackUrn": stack_urn, "resources": [],
        "policy": {"pack": {"name": "staging-guardrails", "version": "1"}, "policies": [], "violations": [{
            "policy": "topic-contract-compatible", "level": "mandatory", "severity": "high",
            "urn": stack_urn, "description": "d",
            "message": "schemas/orders.order-placed.avsc: loyaltyTier: field added without a default",
        }]},
    }  # fmt: skip
    log = sarif_log(report)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["level"] == "error"
    assert (
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "schemas/orders.order-placed.avsc"
    )


def test_find_line_falls_back_to_the_key_and_then_the_first_line():
    lines = [
        "config:",
        "  staging-blueprint:brokers:",
        "    - name: events",
        "    - name: tasks",
        "  other: 1",
    ]
    assert find_line(lines, "brokers", "tasks") == 4
    assert find_line(lines, "brokers", "missing") == 2
    assert find_line(lines, "databases", "orders") == 1


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(workflow: dict) -> list[dict]:
    [job] = workflow["jobs"].values()
    return job["steps"]


def _run_text(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def test_workflow_runs_on_pull_requests_with_least_privilege(workflow):
    triggers = workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as true
    assert "pull_request" in triggers
    assert workflow["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
        "actions": "read",  # upload-sarif reads the run in private repositories
    }


def test_workflow_checks_out_full_history_and_sets_up_python(workflow):
    uses = {step.get("uses", "").split("@")[0]: step for step in _steps(workflow)}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    assert "actions/setup-python" in uses
    for step in _steps(workflow):
        if "uses" in step:
            assert re.fullmatch(r"[\w./-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step["uses"]  # pinned


def test_workflow_builds_base_and_head_previews_parity_and_sarif(workflow):
    run = _run_text(workflow)
    assert re.search(r"git worktree add --detach \S+ \"\$BASE_SHA\"", run)
    assert 'preview --format json --output "$RUNNER_TEMP/base.json"' in run
    assert 'preview --base "$BASE_SHA" $COMPARE --format markdown' in run
    assert "parity staging production --format markdown" in run
    assert '--format sarif --output "$REPORTS/preview.sarif"' in run


def test_workflow_posts_one_sticky_comment_and_uploads_sarif(workflow):
    steps = {step.get("uses", "").split("@")[0]: step for step in _steps(workflow)}
    script = steps["actions/github-script"]["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "staging-blueprint:preview" in script
    assert "body.slice" not in script  # the comment is fitted by blueprint.report.budget, never sliced
    upload = steps["github/codeql-action/upload-sarif"]
    assert upload["with"]["sarif_file"] == "reports/preview.sarif"


def test_workflow_fails_when_any_check_exits_non_zero(workflow):
    gate = _steps(workflow)[-1]
    assert set(gate["env"]) == {"PREVIEW", "PARITY", "SARIF", "COMMENT"}
    assert 'if [ "$code" != "0" ]' in gate["run"] and "exit $status" in gate["run"]
    assert "if" not in gate  # runs whenever the job gets there; earlier steps never fail the job themselves
    head = next(s for s in _steps(workflow) if s.get("id") == "head")
    assert head["run"].rstrip().endswith("exit 0")
    for name in ("preview", "parity", "sarif", "comment"):
        assert f'echo "{name}=$?" >> "$GITHUB_OUTPUT"' in head["run"]
