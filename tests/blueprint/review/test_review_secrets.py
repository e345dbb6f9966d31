"""The review kit's outputs (SARIF, the compare view, parity and contract reports) never print a secret:
a known secret is planted where the config accepts one, and every format is searched for it."""

from __future__ import annotations

import pytest
import yaml

from blueprint.cli import main

from .conftest import make_git_project

PLANTED = "PLANTED-r3view-Qx81"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setattr("blueprint.engine.stack_files.SECRET_PLACEHOLDER", PLANTED)
    root = make_git_project(tmp_path)
    config = yaml.safe_load((root / "Pulumi.test.yaml").read_text())["config"]
    config["staging-blueprint:vault"]["secrets"].append({"name": "x/seeded", "fromConfig": "seeded"})
    config["staging-blueprint:seeded"] = {"secure": "v1:ciphertext"}
    (root / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config}))
    return root


def test_no_review_output_prints_a_planted_secret(project, tmp_path, capsys):
    base = tmp_path / "base.json"
    common = ["--stack", "test", "--project-dir", str(project)]
    assert main(["preview", *common, "--format", "json", "--output", str(base)]) == 0
    runs = [
        ["preview", *common, "--format", "sarif"],
        ["preview", *common, "--compare", str(base), "--format", "markdown"],
        ["preview", *common, "--compare", str(base), "--format", "text"],
        *(
            ["parity", "test", "test", "--project-dir", str(project), "--format", f]
            for f in ("json", "markdown", "text")
        ),
        ["contracts", *common, "--format", "json"],
    ]
    for args in runs:
        assert main(args) == 0, args
        captured = capsys.readouterr()
        assert PLANTED not in captured.out and PLANTED not in captured.err, args
    assert PLANTED not in base.read_text()
    assert '"[secret]"' in base.read_text()
