"""The topic-contract check against git history: a temporary repository with real commits, the preview
failing on a break (mandatory finding ``topic-contract-compatible``), the standalone command, and the
check being skipped (with the reason) where there is no repository."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from blueprint.cli import main
from blueprint.review.contracts.check import check_contracts
from blueprint.review.contracts.history import Base, GitUnavailableError, resolve_base, versions

from .conftest import ROOT, git, make_git_project

AVRO = "schemas/orders.order-placed.avsc"
JSON_SCHEMA = "schemas/payments.payment-captured.json"


def _edit_json(project: Path, path: str, change) -> None:
    document = json.loads((project / path).read_text())
    change(document)
    (project / path).write_text(json.dumps(document, indent=2))


def _add_required_field(document: dict) -> None:
    document["fields"].append({"name": "loyaltyTier", "type": "string"})


def test_history_lists_every_distinct_version_newest_first(tmp_path):
    project = make_git_project(tmp_path)
    _edit_json(project, AVRO, lambda d: d["fields"].append({"name": "a", "type": "int", "default": 0}))
    git(project, "commit", "-qam", "v2")
    git(project, "mv", AVRO, "schemas/orders.placed.avsc")
    git(project, "commit", "-qm", "renamed")
    base = resolve_base(project, "HEAD")
    found = versions(project, base, "schemas/orders.placed.avsc")
    assert len(found) == 2  # the rename kept the content; --follow reaches the first version
    assert found[0].label.endswith("(base)")
    assert '"name": "a"' in found[0].text and '"name": "a"' not in found[1].text


def test_default_base_is_the_merge_base_with_main(tmp_path):
    project = make_git_project(tmp_path)
    main_sha = git(project, "rev-parse", "HEAD").strip()
    git(project, "checkout", "-qb", "feature")
    git(project, "commit", "-q", "--allow-empty", "-m", "work")
    assert resolve_base(project, None) == Base(main_sha, "merge base with main")
    with pytest.raises(GitUnavailableError, match="no such commit"):
        resolve_base(project, "no-such-branch")


def test_changed_files_are_checked_under_their_declared_mode(tmp_path):
    project = make_git_project(tmp_path)
    _edit_json(project, AVRO, _add_required_field)
    _edit_json(project, JSON_SCHEMA, lambda d: d["properties"].update(note={"type": "string"}))
    declared = {"orders.order-placed.avsc": "BACKWARD", "payments.payment-captured.json": "BACKWARD"}
    report = check_contracts(project, declared)
    verdicts = {r.file: (r.status, [(b.path, b.rule) for b in r.breaks]) for r in report.results}
    assert verdicts == {
        AVRO: ("incompatible", [("loyaltyTier", "field added without a default")]),
        JSON_SCHEMA: ("compatible", []),  # an optional property added to a closed model
    }
    undeclared = check_contracts(project, {})
    assert {r.status for r in undeclared.results} == {"not-checked"}


def test_all_modes_use_every_version_in_history(tmp_path):
    project = make_git_project(tmp_path)
    # v2 adds b with a default; the working copy drops the default. Against v2 (which has b) that is
    # compatible; against v1 (no b) the new reader finds no b and no default.
    _edit_json(project, AVRO, lambda d: d["fields"].append({"name": "b", "type": "int", "default": 0}))
    git(project, "commit", "-qam", "v2")
    _edit_json(project, AVRO, lambda d: d["fields"][-1].pop("default"))
    latest_only = check_contracts(project, {"orders.order-placed.avsc": "BACKWARD"}, "HEAD")
    every = check_contracts(project, {"orders.order-placed.avsc": "BACKWARD_ALL"}, "HEAD")
    assert latest_only.results[0].status == "compatible"
    assert every.results[0].status == "incompatible"
    assert len(every.results[0].compared_with) == 2


def test_preview_fails_on_a_break_with_a_mandatory_finding(tmp_path, capsys):
    project = make_git_project(tmp_path)
    _edit_json(project, AVRO, _add_required_field)
    out = tmp_path / "report.json"
    code = main(
        [
            "preview",
            "--stack",
            "test",
            "--project-dir",
            str(project),
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    report = json.loads(out.read_text())
    assert code == 1
    findings = [v for v in report["policy"]["violations"] if v["policy"] == "topic-contract-compatible"]
    assert len(findings) == 1
    assert findings[0]["level"] == "mandatory"
    assert findings[0]["urn"].endswith("::schemas-orders.order-placed")
    assert "loyaltyTier: field added without a default" in findings[0]["message"]
    assert report["contracts"]["breaks"] == 1
    assert report["summary"]["line"].endswith("FAIL")
    assert any(p["name"] == "topic-contract-compatible" and "source:review-kit" in p["tags"]
               for p in report["policy"]["policies"])  # fmt: skip


def test_standalone_command_exit_codes(tmp_path, capsys):
    project = make_git_project(tmp_path)
    args = ["contracts", "--stack", "test", "--project-dir", str(project), "--format", "json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["results"] == []
    _edit_json(
        project, JSON_SCHEMA, lambda d: (d["required"].remove("method"), d["properties"].pop("method"))
    )
    config = yaml.safe_load((project / "Pulumi.test.yaml").read_text())
    config["config"]["staging-blueprint:brokers"][0]["schemas"][1]["compatibility"] = "FORWARD"
    (project / "Pulumi.test.yaml").write_text(yaml.safe_dump(config))
    assert main(args) == 1
    result = json.loads(capsys.readouterr().out)["results"][0]
    assert [(b["path"], b["rule"]) for b in result["breaks"]] == [("method", "required property removed")]
    assert main([*args, "--base", "nope"]) == 2
    assert "--base nope: no such commit" in capsys.readouterr().err


def test_without_git_the_preview_skips_the_check_and_says_why(tmp_path, capsys):
    project = tmp_path / "plain"
    project.mkdir()
    for name in ("Pulumi.yaml",):
        (project / name).write_text((ROOT / name).read_text())
    (project / "__main__.py").symlink_to(ROOT / "__main__.py")
    (project / "functions").symlink_to(ROOT / "functions")
    (project / "schemas").symlink_to(ROOT / "schemas")
    config = copy.deepcopy(yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text()))
    (project / "Pulumi.test.yaml").write_text(yaml.safe_dump(config))
    assert main(["preview", "--stack", "test", "--project-dir", str(project), "--format", "json"]) == 0
    contracts = json.loads(capsys.readouterr().out)["contracts"]
    assert contracts["ran"] is False
    assert "not in a git work tree" in contracts["note"]
    assert main(["preview", "--stack", "test", "--project-dir", str(project), "--base", "main"]) == 2
