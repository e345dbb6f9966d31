"""The workflow as teams copy it into a private repository: code scanning cannot fail the job, the token
stays out of the checkout, forks and Dependabot get the job summary instead of a comment, the comment is
fitted to GitHub's limit by the tool, one cached venv of the preview-only requirements serves both
previews, and the docs pin the same action versions as the workflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "staging-preview.yml"


@pytest.fixture(scope="module")
def steps() -> list[dict]:
    [job] = yaml.safe_load(WORKFLOW.read_text())["jobs"].values()
    return job["steps"]


def _step(steps: list[dict], uses: str) -> dict:
    return next(s for s in steps if s.get("uses", "").split("@")[0] == uses)


def test_code_scanning_upload_is_opt_in_and_cannot_fail_the_job(steps):
    upload = _step(steps, "github/codeql-action/upload-sarif")
    assert upload.get("continue-on-error") is True
    assert "vars.STAGING_PREVIEW_CODE_SCANNING == 'true'" in upload["if"]


def test_checkout_does_not_persist_the_token(steps):
    assert _step(steps, "actions/checkout")["with"]["persist-credentials"] is False


def test_forks_and_dependabot_get_the_summary_and_no_comment(steps):
    [job] = yaml.safe_load(WORKFLOW.read_text())["jobs"].values()
    trusted = job["env"]["TRUSTED"]
    assert "head.repo.full_name == github.repository" in trusted and "dependabot[bot]" in trusted
    assert "env.TRUSTED == 'true'" in _step(steps, "actions/github-script")["if"]
    summary = next(s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"] == "always()" and "comment.md" in summary["run"]


def test_the_comment_is_fitted_by_the_budget_tool(steps):
    head = next(s for s in steps if s.get("id") == "head")
    assert "python -m blueprint.report.budget --preview" in head["run"]
    assert '--parity "$REPORTS/parity.md"' in head["run"]


def test_one_cached_preview_venv_is_reused_for_the_base(steps):
    cache = _step(steps, "actions/cache")
    assert cache["with"]["path"] == "venv"
    assert "hashFiles('requirements.txt', 'requirements-preview.txt')" in cache["with"]["key"]
    install = next(s for s in steps if "requirements-preview.txt" in s.get("run", "") and "if" in s)
    assert install["if"] == "steps.venv.outputs.cache-hit != 'true'"
    base = next(s for s in steps if s.get("id") == "base")
    assert 'git diff --quiet "$BASE_SHA" HEAD -- requirements.txt requirements-preview.txt' in base["run"]
    assert 'ln -s "$GITHUB_WORKSPACE/venv" "$RUNNER_TEMP/base/venv"' in base["run"]
    assert "requirements-dev.txt" not in install["run"]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.lower()] = version
    return pins


def test_preview_requirements_pin_what_the_dev_requirements_pin():
    preview, dev = _pins(ROOT / "requirements-preview.txt"), _pins(ROOT / "requirements-dev.txt")
    assert preview and {name: dev.get(name) for name in preview} == preview
    assert "moto" not in preview and "pytest" not in preview


def test_docs_pin_the_same_action_versions_as_the_workflow():
    workflow = dict(re.findall(r"uses: ([\w./-]+)@(\S+)", WORKFLOW.read_text()))
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for doc in docs:
        for action, version in re.findall(r"uses: ([\w./-]+)@(\S+)", doc.read_text()):
            if action in workflow:
                assert version == workflow[action], (
                    f"{doc.name}: {action}@{version}, workflow @{workflow[action]}"
                )
