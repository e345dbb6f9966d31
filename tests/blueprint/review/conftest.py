"""Fixtures of the review-kit tests: one real preview of the default stack (JSON), built once."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from blueprint.cli import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def staging_preview(tmp_path_factory) -> dict:
    """``preview --format json`` of the default stack (exit 0)."""
    out = tmp_path_factory.mktemp("preview") / "staging.json"
    assert main(["preview", "--format", "json", "--output", str(out)]) == 0
    return json.loads(out.read_text())


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def make_git_project(tmp_path: Path, config: dict | None = None) -> Path:
    """A git repository holding a project: the real program (linked), a copy of ``schemas/`` and
    ``Pulumi.test.yaml`` (default: the default stack's config), committed on branch ``main``."""
    project = tmp_path / "repo"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "__main__.py").symlink_to(ROOT / "__main__.py")
    (project / "functions").symlink_to(ROOT / "functions")
    shutil.copytree(ROOT / "schemas", project / "schemas")
    if config is None:
        config = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())["config"]
    (project / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config}))
    git(project, "init", "-q", "-b", "main")
    git(project, "config", "user.email", "test@example.com")
    git(project, "config", "user.name", "test")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    return project
