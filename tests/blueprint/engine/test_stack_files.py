"""Stack files are read as the Pulumi CLI reads them: duplicate keys refused, secure values kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.engine.stack_files import StackFileError, read_stack

PROJECT = "name: staging-blueprint\nruntime: python\n"


def project(tmp_path: Path, stack_yaml: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(PROJECT)
    (tmp_path / "Pulumi.test.yaml").write_text(stack_yaml)
    return tmp_path


@pytest.mark.parametrize(
    ("stack_yaml", "expected"),
    [
        (
            "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n",
            "Pulumi.test.yaml:3:3: not valid YAML: duplicate key 'aws:region' (first given on line 2)",
        ),
        (
            "config:\n  staging-blueprint:tags:\n    owner: a\n    owner: b\n",
            "Pulumi.test.yaml:4:5: not valid YAML: duplicate key 'owner' (first given on line 3)",
        ),
    ],
)
def test_duplicate_keys_are_refused_as_the_cli_refuses_them(tmp_path, stack_yaml, expected):
    with pytest.raises(StackFileError) as info:
        read_stack(project(tmp_path, stack_yaml), "test")
    assert str(info.value).endswith(expected)


def test_the_stack_context_carries_region_and_foreign_keys(tmp_path):
    settings = read_stack(
        project(tmp_path, "config:\n  aws:region: eu-west-1\n  staging-bluprint:environment: x\n"), "test"
    )
    context = settings.context("staging-blueprint")
    assert (context.stack, context.region) == ("test", "eu-west-1")
    assert context.other_keys == {"aws:region", "staging-bluprint:environment"}


def test_a_missing_region_stays_missing(tmp_path):
    settings = read_stack(project(tmp_path, "config:\n  staging-blueprint:environment: x\n"), "test")
    assert settings.context("staging-blueprint").region is None
