"""``python -m blueprint preview``: formats, schema, secrets, exit codes, ``--output`` handling, literal
printing of user text, and untouched files on failure."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from blueprint import cli
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


# --- --output ------------------------------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path) -> list[str]:
    """``preview`` arguments for a project running ``TINY_PROGRAM`` (its files live in ``tmp_path/p``)."""
    project = tmp_path / "p"
    project.mkdir()
    make_program_project(project, TINY_PROGRAM)
    return ["preview", "--stack", "test", "--project-dir", str(project)]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "p")


@pytest.mark.parametrize(
    ("make_target", "message"),
    [
        (lambda d: d / "out", "is a directory; name a file, e.g."),
        (lambda d: d / "missing" / "r.json", "directory {d}/missing does not exist; create it first"),
        (lambda d: d / "file" / "r.json", "directory {d}/file does not exist; create it first"),
        (lambda d: Path("/proc/self/r.json"), "cannot write in /proc/self"),
    ],
    ids=["directory", "missing-parent", "parent-is-a-file", "unwritable-parent"],
)
def test_unusable_output_is_a_usage_error_before_anything_runs(
    make_target: Any, message: str, *, tmp_path: Path, tiny: list[str], capsys: Any, monkeypatch: Any
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "file").write_text("a file")
    ran: list[Any] = []
    monkeypatch.setattr(cli, "read_stack", lambda *a: ran.append(a))  # must not be reached
    target = make_target(tmp_path)
    assert main([*tiny, "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --output {target}: ") and message.format(d=tmp_path) in err
    assert "Traceback" not in err and ran == []
    assert leftovers(tmp_path) == ["file", "out"] and list((tmp_path / "out").iterdir()) == []


def test_replaced_output_keeps_its_mode_and_new_output_gets_the_umask_mode(
    tmp_path: Path, tiny: list[str]
) -> None:
    kept = tmp_path / "kept.txt"
    kept.write_text("old report")
    kept.chmod(0o640)
    old_umask = os.umask(0o022)
    try:
        assert main([*tiny, "--output", str(kept)]) == 0
        assert main([*tiny, "--output", str(tmp_path / "new.txt")]) == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert "0 mandatory and 0 advisory violation(s): PASS" in kept.read_text()
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    assert leftovers(tmp_path) == ["kept.txt", "new.txt"]


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(
    tmp_path: Path, tiny: list[str]
) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert main([*tiny, "--format", "json", "--output", str(tmp_path / "link.json")]) == 0
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())["stack"] == "test"


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    out = tmp_path / "report.txt"
    out.write_text("previous report")

    def fail(src: Any, dst: Any) -> None:
        raise failure

    monkeypatch.setattr(cli.os, "replace", fail)
    code = main([*tiny, "--output", str(out)])
    err = capsys.readouterr().err
    if isinstance(failure, OSError):
        assert (code, err) == (2, f"error: --output {out}: cannot write (No space left on device)\n")
    else:
        assert (code, err) == (130, "interrupted\n")
    assert out.read_text() == "previous report"
    assert leftovers(tmp_path) == ["report.txt"]


# --- user text is printed literally; internal errors ------------------------------------------------------


def test_error_text_is_printed_literally(tmp_path: Path, capsys: Any) -> None:
    config_file = tmp_path / "policy.json"
    config_file.write_text(json.dumps({"rds-deletion-protection": "[secret]", "[/x]": "advisory"}))
    assert main(["preview", "--policy-config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "rds-deletion-protection: '[secret]' is not an enforcement level" in err
    assert "Traceback" not in err
    config_file.write_text(json.dumps({"[/x]": "advisory", "[private]": "mandatory"}))
    assert main(["preview", "--policy-config", str(config_file)]) == 2
    err = capsys.readouterr().err
    assert "  [/x]: no such policy" in err and "  [private]: no such policy" in err


def test_stack_config_error_with_brackets_is_printed_literally(tmp_path: Path, capsys: Any) -> None:
    config = default_config()
    config["staging-blueprint:network"]["natStrategy"] = "[private][/x]"
    project = make_project(tmp_path, config)
    assert main(["preview", "--stack", "test", "--project-dir", str(project)]) == 2
    err = capsys.readouterr().err
    assert "[private][/x]" in err and "Traceback" not in err


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom [/x] got '[secret]'\nsecond line")


def test_internal_error_exits_3_with_one_line(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    monkeypatch.setattr(cli, "build_report", _boom)
    assert main(tiny) == 3
    assert capsys.readouterr().err == (
        "error: internal error: RuntimeError: boom [/x] got '[secret]'; please report "
        "(--debug or BLUEPRINT_DEBUG=1 shows the traceback)\n"
    )


@pytest.mark.parametrize("how", ["flag", "env"])
def test_internal_error_traceback_on_request(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(cli, "build_report", _boom)
    if how == "env":
        monkeypatch.setenv(cli.DEBUG_ENV, "1")
    assert main([*tiny, "--debug"] if how == "flag" else tiny) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "in _boom" in err
    assert err.splitlines()[-1].startswith("error: internal error: RuntimeError: boom [/x]")


def test_interrupt_prints_one_line_and_stops_the_pack(
    tiny: list[str], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    packs: list[Any] = []

    def interrupted(settings: Any, project_dir: Any, on_register: Any) -> Any:
        packs.append(on_register.__self__._session.process)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_stack", interrupted)
    assert main(tiny) == 130
    assert capsys.readouterr().err == "interrupted\n"
    assert packs[0].poll() is not None


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
