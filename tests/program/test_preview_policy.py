"""The preview as a PR check: the default stack passes staging-guardrails, a weakened setting fails it
with exit 1 naming rule and resource, exemptions are honoured and listed, downgrading a mandatory rule is
visible in every format and fails unless justified, bad policy config exits 2."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from blueprint.cli import main
from blueprint.engine.graph import SECRET_SIG_KEY, SECRET_SIG_VALUE, StackGraph
from blueprint.policy import PolicyInfo, PolicyReport, Violation
from blueprint.report import render_report
from blueprint.report.document import build_report
from tests.program.test_preview import SCHEMA, default_config, make_program_project, make_project

#: The date the pack and the report take as today in these tests (``STAGING_GUARDRAILS_TODAY``).
TODAY = "2026-06-15"
#: The issue's example: a public database and an IAM user with an access key.
PUBLIC_DB_AND_ACCESS_KEY = """
import pulumi_aws as aws

aws.rds.Instance(
    "db-public", engine="postgres", engine_version="16.4", instance_class="db.t4g.micro",
    allocated_storage=20, publicly_accessible=True, manage_master_user_password=True, username="app",
)
user = aws.iam.User("ci-user")
aws.iam.AccessKey("ci-key", user=user.name)
"""

SECRET = {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": "hunter2"}


def run_json(args: list[str], tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["preview", "--format", "json", "--output", str(out), *args])
    return code, json.loads(out.read_text()) if out.exists() else {}


def policy_file(tmp_path: Path, config: Any) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(config))
    return str(path)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pin the date for the pack (inherits the environment) and the report alike."""
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", TODAY)
    monkeypatch.delenv("STAGING_GUARDRAILS_MAX_WAIVER_DAYS", raising=False)
    return TODAY


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
        "staging:index:KafkaCluster": "broker-events",
        "staging:index:RabbitMqBroker": "broker-tasks",
        "staging:index:SchemaRegistry": "schemas",
        "staging:index:TokenBroker": "token-broker",
        "staging:index:Cluster": "cluster",
        "staging:index:StagingNamespace": "namespace",
        "staging:index:Edge": "edge",
        "staging:index:MailSink": "mail-sink",
        "staging:index:StagingSchedule": "schedule",
    }
    brokers = [
        r for r in default_report["resources"] if r["type"].endswith(("KafkaCluster", "RabbitMqBroker"))
    ]
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
        "isolated",  # the data tier: no node or pod gets an address there
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


def test_exemptions_are_honoured_listed_and_expired_ones_are_violations(tmp_path, today):
    policy_config = {
        "rds-enhanced-monitoring-enabled": {
            "exemptions": [
                {
                    "resource": "db-orders-instance",
                    "reason": "Enhanced Monitoring writes to RDSOSMetrics, which the CMK cannot encrypt",
                    "owner": "platform-team",
                    "expires": "2026-09-13",
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
        ('{"all": "disabled", "all": "mandatory"}', "top level: duplicate key 'all'"),
        ('{"all": {"exemptions": []}}', "all: may only set an enforcement level (got exemptions)"),
        ('{"rds-deletion-protection": {"exemption": []}}', "(did you mean exemptions?)"),
    ],
    ids=["unknown-policy", "json", "duplicate-all", "all-with-settings", "unknown-setting"],
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


@pytest.fixture(scope="module")
def public_db_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_program_project(tmp_path_factory.mktemp("public-db"), PUBLIC_DB_AND_ACCESS_KEY)


def levels_of(report: dict, name: str) -> tuple[str, str]:
    entry = next(p for p in report["policy"]["policies"] if p["name"] == name)
    return entry["level"], entry["defaultLevel"]


@pytest.mark.parametrize("level", ["disabled", "advisory"])
def test_switching_guardrails_off_with_all_fails_and_shows_in_every_format(
    tmp_path: Path, public_db_project: Path, today: str, level: str
) -> None:
    args = ["--stack", "test", "--project-dir", str(public_db_project)]
    code, report = run_json([*args, "--policy-config", policy_file(tmp_path, {"all": level})], tmp_path)
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert code == 1
    policy = report["policy"]
    assert levels_of(report, "data-store-not-publicly-accessible") == (level, "mandatory")
    assert levels_of(report, "required-tags") == (level, "advisory")
    lowered = {
        d["policy"]: (d["defaultLevel"], d["level"], d["via"], d["status"]) for d in policy["downgrades"]
    }
    assert lowered["data-store-not-publicly-accessible"] == ("mandatory", level, "all", "missing")
    assert lowered["no-iam-users"] == ("mandatory", level, "all", "missing")
    assert "required-tags" not in lowered
    stack_findings = {v["policy"] for v in policy["violations"] if v["urn"] == report["stackUrn"]}
    assert stack_findings == set(lowered)  # each unjustified downgrade fails as its own rule
    line = report["summary"]["line"]
    assert "FAIL" in line and "PASS" not in line
    assert (
        f"{len(lowered)} mandatory rule(s) downgraded ({len(lowered)} without a valid justification)" in line
    )
    markdown = render_report(report, "markdown")
    assert markdown.startswith("> [!WARNING]\n> **Guardrails weakened by the policy config:** ")
    assert "\n## ❌ Preview of `staging-blueprint/test`" in markdown
    missing = "missing: 'downgrade' is missing"
    assert f"| data-store-not-publicly-accessible | mandatory | {level} | all | {missing} |" in markdown
    text = render_report(report, "text", width=250)
    assert text.startswith("WARNING: guardrails weakened by the policy config: ")
    assert "Downgraded rules (mandatory by default)" in text
    assert re.search(
        rf"│ data-store-not-publicly-accessible +│ mandatory → {level} +│ all +│ missing: 'downgrade'", text
    )


def test_justified_downgrade_passes_but_is_shown(tmp_path: Path, today: str) -> None:
    justification = {
        "reason": "staging databases are rebuilt nightly",
        "owner": "data-team",
        "expires": "2026-07-01",
    }
    config = {"rds-deletion-protection": {"enforcementLevel": "advisory", "downgrade": justification}}
    code, report = run_json(["--policy-config", policy_file(tmp_path, config)], tmp_path)
    assert code == 0
    assert levels_of(report, "rds-deletion-protection") == ("advisory", "mandatory")
    assert report["policy"]["downgrades"] == [
        {
            "policy": "rds-deletion-protection",
            "defaultLevel": "mandatory",
            "level": "advisory",
            "via": "rule",
            "status": "justified",
            **justification,
            "problems": [],
        }
    ]
    assert report["summary"]["line"].endswith(
        "PASS; 1 mandatory rule(s) downgraded (0 without a valid justification)"
    )
    markdown = render_report(report, "markdown")
    assert markdown.startswith("> [!WARNING]\n")
    assert "\n## ✅ Preview" in markdown
    assert (
        "| rds-deletion-protection | mandatory | advisory | rule | justified | data-team | 2026-07-01 | "
        "staging databases are rebuilt nightly |" in markdown
    )


def test_max_waiver_days_flag_sets_the_horizon_for_pack_and_report(tmp_path: Path, today: str) -> None:
    exemption = {
        "resource": "db-orders-instance",
        "reason": "Enhanced Monitoring writes to RDSOSMetrics, which the CMK cannot encrypt",
        "owner": "platform-team",
        "expires": "2027-01-01",  # 200 days after TODAY
    }
    config = policy_file(tmp_path, {"rds-enhanced-monitoring-enabled": {"exemptions": [exemption]}})
    _, default = run_json(["--policy-config", config], tmp_path)
    assert [e["status"] for e in default["policy"]["exemptions"]] == ["invalid"]
    assert ("rds-enhanced-monitoring-enabled", "advisory", "db-orders-instance") in findings(default)
    assert "1 exemption(s) not honoured" in default["summary"]["line"]
    assert render_report(default, "markdown").startswith("> [!WARNING]")
    _, longer = run_json(["--policy-config", config, "--max-waiver-days", "200"], tmp_path)
    assert [e["status"] for e in longer["policy"]["exemptions"]] == ["active"]
    assert findings(longer) == set()


def test_max_waiver_days_must_be_positive(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["preview", "--max-waiver-days", "0"])
    assert exit_.value.code == 2
    assert "'0' is not a whole number of days >= 1" in capsys.readouterr().err


def test_text_output_prints_violation_messages_literally() -> None:
    info = PolicyInfo("x-rule", "Must hold.", "mandatory", "high", "resource", "", (), {})
    message = "got '[secret]' from [private] and [/x] [bold]as is[/bold]"
    violation = Violation(
        "x-rule",
        "pack",
        f"Must hold.\n{message}",
        "urn:pulumi:s::p::t::r[/x]",
        "mandatory",
        "high",
        "Must hold.",
    )
    policy = PolicyReport("pack [/x]", "1.0", (info,), (violation,), ())
    out = render_report(build_report(StackGraph("p", "s"), policy), "text", width=300)
    assert message in out
    assert "r[/x]" in out and "pack [/x] 1.0" in out
