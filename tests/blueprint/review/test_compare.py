"""``preview --compare BASE.json``: what a change does, matched by URN, with property-level diffs and the
policy findings that appeared or disappeared. The documents are real previews of the default stack with
known edits, so each expected change is the edit itself."""

from __future__ import annotations

import copy
import json

import pytest

from blueprint.cli import main
from blueprint.review.compare import PreviewDocumentError, compare_reports, load_preview


def _resource(report: dict, name: str) -> dict:
    return next(r for r in report["resources"] if r["name"] == name)


@pytest.fixture
def edited(staging_preview) -> tuple[dict, dict]:
    """(base, head): head adds a database, drops an ingress rule and changes an engine version."""
    base = copy.deepcopy(staging_preview)
    head = copy.deepcopy(staging_preview)
    new_db = copy.deepcopy(_resource(head, "db-orders-instance"))
    new_db["name"] = "db-reports-instance"
    new_db["urn"] = new_db["urn"].replace("db-orders-instance", "db-reports-instance")
    new_db["inputs"]["identifier"] = "staging-reports"
    head["resources"].append(new_db)
    head["resources"] = [r for r in head["resources"] if r["name"] != "db-orders-5432-private-2"]
    _resource(head, "db-orders-instance")["inputs"]["engineVersion"] = "17.7"
    return base, head


def test_an_added_database_a_removed_rule_and_a_new_engine_version_are_exactly_three_changes(edited):
    base, head = edited
    changes = compare_reports(base, head, "base.json")
    assert [r["name"] for r in changes["added"]] == ["db-reports-instance"]
    assert [r["name"] for r in changes["removed"]] == ["db-orders-5432-private-2"]
    assert [(c["name"], c["diffs"]) for c in changes["changed"]] == [
        ("db-orders-instance", [{"path": "engineVersion", "kind": "update", "old": "17.6", "new": "17.7"}])
    ]
    assert changes["summary"]["line"] == "+1 ~1 -1"


def test_findings_that_appear_or_disappear_are_listed_and_counted(edited):
    base, head = edited
    finding = {
        "policy": "rds-storage-encrypted",
        "level": "mandatory",
        "severity": "high",
        "urn": _resource(head, "db-reports-instance")["urn"],
        "description": "RDS storage is encrypted.",
        "message": "storageEncrypted is false",
    }
    head["policy"]["violations"] = [finding]  # and the base's advisory finding is gone
    changes = compare_reports(base, head, "base.json")
    assert changes["policy"]["appeared"] == [finding]
    assert [v["policy"] for v in changes["policy"]["disappeared"]] == ["rds-enhanced-monitoring-enabled"]
    assert changes["summary"]["line"] == "+1 ~1 -1; 1 new mandatory violation; 1 violation resolved"


def test_nested_inputs_and_options_diff_by_path_and_secrets_stay_redacted(staging_preview):
    base, head = copy.deepcopy(staging_preview), copy.deepcopy(staging_preview)
    cluster = _resource(head, "broker-events-cluster")
    cluster["inputs"]["brokerNodeGroupInfo"]["instanceType"] = "kafka.m7g.large"
    cluster["options"]["protect"] = False
    broker = _resource(head, "broker-tasks-broker")
    broker["inputs"]["users"][0]["username"] = "admin2"
    changed = {c["name"]: c["diffs"] for c in compare_reports(base, head)["changed"]}
    assert changed["broker-events-cluster"] == [
        {
            "path": "brokerNodeGroupInfo.instanceType",
            "kind": "update",
            "old": "kafka.t3.small",
            "new": "kafka.m7g.large",
        },
        {"path": "options.protect", "kind": "update", "old": True, "new": False},
    ]
    assert changed["broker-tasks-broker"] == [
        {"path": "users[0].username", "kind": "update", "old": "broker-admin", "new": "admin2"}
    ]
    assert _resource(head, "broker-tasks-broker")["inputs"]["users"][0]["password"] == "[secret]"


def test_a_resource_renamed_with_an_alias_is_one_change_not_a_delete_and_create(staging_preview):
    base, head = copy.deepcopy(staging_preview), copy.deepcopy(staging_preview)
    vpc = _resource(head, "network-vpc")
    old_urn = vpc["urn"]
    vpc["urn"], vpc["name"] = old_urn.replace("network-vpc", "network-main-vpc"), "network-main-vpc"
    vpc["options"]["aliases"] = [old_urn]
    changes = compare_reports(base, head)
    assert (changes["added"], changes["removed"]) == ([], [])
    assert [(c["name"], c["renamedFrom"]) for c in changes["changed"]] == [("network-main-vpc", old_urn)]


def test_previews_of_different_stacks_are_not_compared(staging_preview):
    other = copy.deepcopy(staging_preview)
    other["stack"] = "production"
    with pytest.raises(PreviewDocumentError, match="parity"):
        compare_reports(other, staging_preview)


def test_base_documents_are_validated(tmp_path, staging_preview):
    path = tmp_path / "base.json"
    path.write_text("{not json")
    with pytest.raises(PreviewDocumentError, match="not JSON"):
        load_preview(path)
    path.write_text(json.dumps({**staging_preview, "schemaVersion": "2.0"}))
    with pytest.raises(PreviewDocumentError, match=r"schema version 2\.0"):
        load_preview(path)
    broken = copy.deepcopy(staging_preview)
    del broken["resources"][0]["urn"]
    path.write_text(json.dumps(broken))
    with pytest.raises(PreviewDocumentError, match="resources/0"):
        load_preview(path)


def test_cli_compare_exits_2_on_a_bad_base_before_running_and_writes_nothing(tmp_path, capsys):
    base = tmp_path / "base.json"
    base.write_text(json.dumps({"schemaVersion": "9.0"}))
    out = tmp_path / "out.md"
    code = main(["preview", "--compare", str(base), "--format", "markdown", "--output", str(out)])
    assert code == 2
    assert "schema version 9.0" in capsys.readouterr().err
    assert not out.exists()


def test_cli_markdown_shows_the_change_first_and_folds_the_full_preview(tmp_path, staging_preview, capsys):
    base = copy.deepcopy(staging_preview)
    _resource(base, "db-orders-instance")["inputs"]["engineVersion"] = "17.5"
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base))
    assert main(["preview", "--compare", str(path), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert (
        out.index("### Changes against")
        < out.index("### Policy results")
        < out.index("<details><summary>Full preview")
    )
    assert "**+0 ~1 -0**" in out
    assert "| update | `db-orders-instance` | `rds:Instance` | engineVersion: 17.5 → 17.6 |" in out
    assert main(["preview", "--compare", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schemaVersion"] == "1.4"
    assert report["changes"]["summary"]["changed"] == 1
