"""No secret value reaches any output: a known secret is planted at every position of the default stack's
config (as a ``secure:`` value, which the offline engine decrypts to the planted text) and under an unknown
key in plain text, and every format, ``--output`` file and stderr is searched for it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blueprint.cli import main
from tests.program.test_preview import default_config, make_project

PLANTED = "PLANTED-s3cr3t-Zq9xw"
FORMATS = ("text", "markdown", "json")


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every scalar position of a config tree, as a path of keys and list indexes."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaf_paths(child, (*path, index))
    else:
        yield path


def planted_at(path: tuple[Any, ...]) -> dict[str, Any]:
    config = copy.deepcopy(default_config())
    parent = config
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = {"secure": "v1:ciphertext"}
    return config


#: Every position of a setting; the default stack's own ``secure:`` values (the edge's htpasswd) are where
#: secrets belong, and the placeholder fixture plants the known secret in them for every run.
POSITIONS = [path for path in leaf_paths(default_config()) if path[-1] != "secure"]


def run_everywhere(tmp_path: Path, config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> set[int]:
    """Run the preview in every format and with --output; return the exit codes, assert no leak."""
    project = make_project(tmp_path, config)
    codes = set()
    for fmt in FORMATS:
        output = tmp_path / f"report.{fmt}"
        for extra in ([], ["--output", str(output)]):
            codes.add(
                main(["preview", "--stack", "test", "--format", fmt, "--project-dir", str(project), *extra])
            )
            captured = capsys.readouterr()
            assert PLANTED not in captured.out and PLANTED not in captured.err
        if output.exists():
            assert PLANTED not in output.read_text()
    return codes


@pytest.fixture
def planted_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("blueprint.engine.stack_files.SECRET_PLACEHOLDER", PLANTED)


def test_every_config_position_is_covered():
    assert len(POSITIONS) > 60
    assert ("staging-blueprint:edge", "basicAuth", "htpasswdFromConfig") in POSITIONS
    assert ("aws:region",) in POSITIONS and ("staging-blueprint:network", "cidr") in POSITIONS


@pytest.mark.parametrize("path", POSITIONS, ids=lambda p: ".".join(map(str, p)))
def test_a_secret_planted_anywhere_is_never_printed(tmp_path, capsys, planted_placeholder, path):
    codes = run_everywhere(tmp_path, planted_at(path), capsys)
    # A secure value is a secret only where the schema says so; everywhere else the config is refused.
    assert codes == {2}


def test_a_secret_where_it_belongs_is_accepted_and_still_never_printed(tmp_path, capsys, planted_placeholder):
    config = default_config()
    config["staging-blueprint:vault"]["secrets"].append({"name": "x/seeded", "fromConfig": "seeded"})
    config["staging-blueprint:seeded"] = {"secure": "v1:ciphertext"}
    assert run_everywhere(tmp_path, config, capsys) == {0}


def test_a_plain_secret_under_an_unknown_key_is_never_printed(tmp_path, capsys):
    config = {**default_config(), "staging-blueprint:dbPassword": PLANTED}
    assert run_everywhere(tmp_path, config, capsys) == {2}
