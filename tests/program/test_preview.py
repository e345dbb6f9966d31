"""``python -m blueprint preview``: formats, schema, secrets, exit codes, ``--output`` handling, literal
printing of user text, and untouched files on failure."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from blueprint.cli import main
from blueprint.engine.stack_files import SECRET_PLACEHOLDER

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "preview.schema.json").read_text())


def make_project(tmp_path: Path, config: dict) -> Path:
    """A project dir with the real program and ``Pulumi.test.yaml`` holding ``config``."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "__main__.py").symlink_to(ROOT / "__main__.py")
    (tmp_path / "functions").symlink_to(ROOT / "functions")
    (tmp_path / "schemas").symlink_to(ROOT / "schemas")
    (tmp_path / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def default_config() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]


def make_program_project(tmp_path: Path, program: str) -> Path:
    """A project dir whose ``__main__.py`` is ``program``, with the default stack config as stack ``test``."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "__main__.py").write_text(program)
    (tmp_path / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": default_config()}))
    return tmp_path


#: A program registering nothing but one stack output: previews in a fraction of the real program's time.
TINY_PROGRAM = "import pulumi\n\npulumi.export('x', 1)\n"


@pytest.fixture(scope="module")
def default_json(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("preview") / "preview.json"
    code = main(["preview", "--format", "json", "--output", str(out)])
    report = json.loads(out.read_text())
    assert code == 0, [(v["policy"], v["urn"], v["message"]) for v in report["policy"]["violations"]]
    return report


def test_default_stack_json_validates_against_the_schema(default_json):
    jsonschema.validate(default_json, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert default_json["summary"]["resources"] == len(default_json["resources"]) > 40


def test_json_graph_keeps_parents_dependencies_and_facts(default_json):
    by_name = {r["name"]: r for r in default_json["resources"]}
    subnet = by_name["network-isolated-0"]
    assert subnet["parent"] == by_name["network"]["urn"]
    assert by_name["network-vpc"]["urn"] in subnet["dependencies"]
    assert subnet["propertyDependencies"]["vpcId"] == [by_name["network-vpc"]["urn"]]
    assert subnet["facts"]["tier"] == "isolated"
    assert subnet["facts"]["public IP on launch"] == "no"
    assert by_name["vault-key"]["facts"]["rotation"] == "yes"


def test_schema_rejects_a_report_with_a_missing_field(default_json):
    broken = {k: v for k, v in default_json.items() if k != "policy"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_secret_config_values_never_reach_any_format(tmp_path, capsys):
    config = default_config()
    config["staging-blueprint:vault"]["secrets"].append({"name": "x/seeded", "fromConfig": "seeded"})
    config["staging-blueprint:seeded"] = {"secure": "v1:abc:def"}
    project = make_project(tmp_path, config)
    for fmt in ("json", "markdown", "text"):
        assert main(["preview", "--stack", "test", "--format", fmt, "--project-dir", str(project)]) == 0
        out = capsys.readouterr().out
        assert SECRET_PLACEHOLDER not in out
        assert "[secret]" in out
    report_file = tmp_path / "r.json"
    main(
        [
            "preview",
            "--stack",
            "test",
            "--format",
            "json",
            "--project-dir",
            str(project),
            "--output",
            str(report_file),
        ]
    )
    report = json.loads(report_file.read_text())
    version = next(r for r in report["resources"] if r["name"] == "vault-secret-x/seeded-version")
    assert version["inputs"]["secretString"] == "[secret]"
    assert version["facts"]["value"] == "[secret]"


def test_markdown_is_a_pr_comment_with_verdict_components_and_outputs(capsys):
    assert main(["preview", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## ✅ Preview of `staging-blueprint/staging`")
    assert "<details><summary>Network `network`" in out
    assert "| `network-isolated-0` | `aws:ec2/subnet:Subnet` |" in out
    assert "### Stack outputs" in out


def test_bad_config_exits_2_with_the_key_path_and_leaves_the_output_untouched(tmp_path, capsys):
    config = default_config()
    config["staging-blueprint:network"]["natStrategy"] = "perAZ"
    project = make_project(tmp_path, config)
    out = tmp_path / "report.md"
    out.write_text("previous report")
    code = main(["preview", "--stack", "test", "--project-dir", str(project), "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "staging-blueprint:network.natStrategy: must be one of 'single', 'perAz' or 'none'" in err
    assert "Traceback" not in err
    assert out.read_text() == "previous report"


def test_missing_stack_file_exits_2(capsys):
    assert main(["preview", "--stack", "nope"]) == 2
    assert "Pulumi.nope.yaml: not found" in capsys.readouterr().err


def test_real_process_exit_codes_and_no_traceback():
    ok = subprocess.run(
        [sys.executable, "-m", "blueprint", "preview"], check=False, cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "Network network" in ok.stdout and "network-vpc aws:ec2:Vpc" in ok.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "blueprint", "preview", "--format", "yaml"],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert usage.returncode == 2
    assert "invalid choice: 'yaml'" in usage.stderr


def test_the_preview_shows_the_kubernetes_side_with_its_facts(default_json):
    components = {r["name"]: r["type"] for r in default_json["resources"] if not r["custom"]}
    assert {components[n] for n in ("cluster", "namespace", "edge", "mail-sink")} == {
        "staging:index:Cluster",
        "staging:index:StagingNamespace",
        "staging:index:Edge",
        "staging:index:MailSink",
    }
    facts = {r["name"]: r["facts"] for r in default_json["resources"]}
    assert (
        facts["edge-proxy"].items()
        >= {"kind": "EnvoyProxy", "namespace": "apps", "scheme": "internal"}.items()
    )
    assert facts["edge-client-traffic"]["robots header"] == "noindex, nofollow"
    assert facts["edge-robots-txt"]["robots.txt"] == "disallow all"
    assert facts["edge-auth"]["auth"] == "basic" and facts["edge-auth"]["client CIDRs"] == "10.0.0.0/8"
    assert facts["edge-auth"]["targets"] == "Gateway/edge"
    # robots.txt is the one thing a crawler reads without a login, still from the allowed clients only
    robots = facts["edge-route-robots-robots"]
    assert (robots["auth"], robots["targets"]) == ("NONE", "HTTPRoute/edge-robots rule robots-txt")
    assert robots["client CIDRs"] == "10.0.0.0/8"
    assert facts["namespace-default-deny"]["denies"] == "Ingress, Egress"
    assert facts["namespace"]["pod security"] == "restricted/restricted/restricted"
    assert facts["mail-sink-deployment"]["images"] == "axllent/mailpit:v1.29.7"
    cluster = facts["cluster-eks"]
    assert (cluster["endpoint"], cluster["auth mode"], cluster["creator admin"]) == ("private", "API", "no")
    assert cluster["control-plane logs"] == "api, audit, authenticator"
    assert "offline-preview-secret-placeholder" not in str(default_json)


def test_compact_text_is_one_line_per_finding_then_the_summary(tmp_path, capsys):
    """``--compact`` prints what checkov users expect: ``file:line: LEVEL rule resource: message``."""
    out = tmp_path / "compact.txt"
    assert main(["preview", "--compact", "--output", str(out)]) == 0
    *findings, summary = out.read_text(encoding="utf-8").splitlines()
    assert summary.endswith("PASS") and "mandatory" in summary
    assert findings, "the default stack has an advisory finding"
    assert all(
        re.fullmatch(r"Pulumi\.staging\.yaml:\d+: (MANDATORY|ADVISORY) [a-z0-9-]+ \S+: .+", f)
        for f in findings
    )
    assert not any(f.startswith("Pulumi.staging.yaml:1: ") for f in findings if "(stack)" not in f)
