"""The read-only IAM policy verify needs, and docs/verify.md that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.verify.policy import BEGIN, END, is_read_only, policy_document, readme_block, update_readme
from blueprint.verify.registry import all_checks, required_actions

VERIFY_DOC = Path(__file__).resolve().parents[3] / "docs" / "verify.md"


def test_the_verify_guide_shows_the_policy_the_checks_need():
    text = VERIFY_DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END) + 1
    assert text[start:end] == readme_block(), (
        "run: venv/bin/python -m blueprint.verify.policy --update-readme"
    )


def test_the_verify_guide_lists_every_check():
    text = VERIFY_DOC.read_text(encoding="utf-8")
    section = text.split("# After `pulumi up`: go/no-go", 1)[1].split("\n## ", 1)[0]
    assert [c.id for c in all_checks() if f"| `{c.id}` |" not in section] == []


@pytest.mark.parametrize("action", required_actions())
def test_every_action_is_read_only(action):
    assert is_read_only(action)


@pytest.mark.parametrize(
    "action", ["ec2:CreateRoute", "iam:UpdateRole", "apigateway:PATCH", "kms:DisableKeyRotation"]
)
def test_write_actions_are_not_read_only(action):
    assert not is_read_only(action)


def test_the_policy_is_one_allow_statement_of_exactly_the_declared_actions():
    document = policy_document()
    assert document["Version"] == "2012-10-17"
    [statement] = document["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    assert statement["Action"] == sorted({a for check in all_checks() for a in check.actions})
    assert len(statement["Action"]) == len(set(statement["Action"]))


def test_update_readme_rewrites_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\nbefore\n\n{BEGIN}\nstale\n{END}\n\nafter\n", encoding="utf-8")
    assert update_readme(readme) is True
    assert readme.read_text(encoding="utf-8") == f"# x\n\nbefore\n\n{readme_block()}\nafter\n"
    assert update_readme(readme) is False
    (tmp_path / "empty.md").write_text("# nothing\n")
    with pytest.raises(ValueError, match="markers are missing"):
        update_readme(tmp_path / "empty.md")
