"""The preview as a PR check: the default stack passes staging-guardrails, a weakened setting fails it
with exit 1 naming rule and resource, exemptions are honoured and listed, bad policy config exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blueprint.cli import main, render_report
from blueprint.graph import SECRET_SIG_KEY, SECRET_SIG_VALUE, StackGraph
from blueprint.report import build_report
from tests.test_preview import default_config, make_project

SECRET = {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": "hunter2"}


def run_json(args: list[str], tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["preview", "--format", "json", "--output", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else {}


def findings(report: dict) -> set[tuple[str, str, str]]:
    return {(v["policy"], v["level"], v["urn"].rsplit("::", 1)[-1]) for v in report["policy"]["violations"]}


@pytest.fixture(scope="module")
def default_report(tmp_path_factory) -> dict:
    code, report = run_json([], tmp_path_factory.mktemp("default"))
    assert code == 0
    return report


def test_default_stack_passes_with_every_rule_run(default_report):
    policy = default_report["policy"]
    assert policy["ran"] and policy["pack"]["name"] == "staging-guardrails"
    assert policy["counts"]["mandatory"] == 0
    assert findings(default_report) == {("rds-enhanced-monitoring-enabled", "advisory", "db-orders-instance")}
    names = {p["name"] for p in policy["policies"]}
    assert {"data-store-not-publicly-accessible", "vpc-flow-logs-enabled", "no-iam-users"} <= names
    assert all(p["level"] == "mandatory" for p in policy["policies"] if "concern:isolation" in p["tags"])


def test_default_stack_graph_has_every_component(default_report):
    components = {r["type"]: r["name"] for r in default_report["resources"] if not r["custom"]}
    assert components == {
        "staging:index:SecretVault": "vault",
        "staging:index:Network": "network",
        "staging:index:Database": "db-orders",
        "staging:index:MessageBroker": components["staging:index:MessageBroker"],
        "staging:index:SchemaRegistry": "schemas",
        "staging:index:TokenBroker": "token-broker",
    }
    brokers = [r for r in default_report["resources"] if r["type"] == "staging:index:MessageBroker"]
    assert sorted(b["name"] for b in brokers) == ["broker-events", "broker-tasks"]
    by_type = default_report["summary"]["byType"]
    assert by_type["aws:glue/schema:Schema"] == 2
    assert "aws:iam/user:User" not in by_type and "aws:iam/accessKey:AccessKey" not in by_type


def test_data_store_facts_show_engine_key_public_auth_tier_and_protection(default_report):
    facts = {r["name"]: r["facts"] for r in default_report["resources"]}
    db = facts["db-orders-instance"]
    assert (db["engine"], db["public"], db["tier"], db["deletion protection"]) == (
        "postgres",
        "no",
        "isolated",
        "yes",
    )
    assert db["auth"] == "IAM + managed master password"
    assert db["KMS key"].startswith("key/")
    kafka = facts["broker-events-cluster"]
    assert (kafka["auth"], kafka["in transit"], kafka["public"], kafka["tier"]) == (
        "SASL/IAM",
        "TLS",
        "no",
        "private",
    )
    assert kafka["protected"] == "yes (pulumi protect)"
    rabbit = facts["broker-tasks-broker"]
    assert rabbit["KMS key"] == "AWS-owned (RabbitMQ supports no CMK)"
    assert (rabbit["engine"], rabbit["public"], rabbit["general logs"]) == ("RabbitMQ", "no", "yes")


def test_turning_off_deletion_protection_fails_the_preview_naming_rule_and_resource(tmp_path, capsys):
    config = default_config()
    config["staging-blueprint:databases"][0]["deletionProtection"] = False
    project = make_project(tmp_path, config)
    code = main(["preview", "--stack", "test", "--project-dir", str(project), "--format", "markdown"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("## ❌ Preview")
    assert "| **mandatory** | `rds-deletion-protection` | `db-orders-instance` |" in out
    assert "1 mandatory and 1 advisory violation(s): FAIL" in out


def test_exemptions_are_honoured_listed_and_expired_ones_are_violations(tmp_path):
    policy_config = {
        "rds-enhanced-monitoring-enabled": {
            "exemptions": [
                {
                    "resource": "db-orders-instance",
                    "reason": "Enhanced Monitoring writes to RDSOSMetrics, which the CMK cannot encrypt",
                    "owner": "platform-team",
                    "expires": "2099-12-31",
                }
            ]
        },
        "kms-key-rotation-enabled": {
            "exemptions": [
                {
                    "resource": "vault-key",
                    "reason": "migration from the legacy key",
                    "owner": "x",
                    "expires": "2020-01-01",
                }
            ]
        },
    }
    config_file = tmp_path / "policy.json"
    config_file.write_text(json.dumps(policy_config))
    code, report = run_json(["--policy-config", str(config_file)], tmp_path)
    assert code == 1
    assert ("rds-enhanced-monitoring-enabled", "advisory", "db-orders-instance") not in findings(report)
    assert ("kms-key-rotation-enabled", "mandatory", "vault-key") in findings(report)
    statuses = {(e["policy"], e["status"]) for e in report["policy"]["exemptions"]}
    assert statuses == {
        ("rds-enhanced-monitoring-enabled", "active"),
        ("kms-key-rotation-enabled", "expired"),
    }
    assert report["policy"]["note"] == f"policy config {config_file}"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"rds-deletion-protectoin": "advisory"}', "rds-deletion-protectoin"),
        ("{not json", "invalid JSON"),
    ],
)
def test_bad_policy_config_exits_2_before_running_anything(tmp_path, capsys, content, fragment):
    config_file = tmp_path / "policy.json"
    config_file.write_text(content)
    out = tmp_path / "report.json"
    code = main(["preview", "--policy-config", str(config_file), "--output", str(out)])
    assert code == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


def test_text_output_prints_values_literally():
    graph = StackGraph(
        "p", "s", outputs={"arn": "arn:aws:secretsmanager:eu-west-1:1:secret:db", "token": SECRET}
    )
    out = render_report(build_report(graph), "text", width=200)  # what --format text --output FILE writes
    assert "arn:aws:secretsmanager:eu-west-1:1:secret:db" in out  # not an emoji, not eaten as markup
    assert "[secret]" in out and "hunter2" not in out
