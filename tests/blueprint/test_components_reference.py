"""docs/components.md is generated from the components and stays in sync; every argument and output is
described there."""

from __future__ import annotations

import ast
from pathlib import Path

from blueprint.devtools.components_reference import DOC, components, render

ROOT = Path(__file__).resolve().parents[2]


def component_classes_in_source() -> set[str]:
    """Every class under ``components/`` that derives, directly or through others, from Pulumi's
    ``ComponentResource``, read from the source text (not by the import the reference generator does),
    less the shared base ``StagingComponent``."""
    bases: dict[str, set[str]] = {}
    for path in (ROOT / "components").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases}
    found = {"ComponentResource"}
    while grown := {name for name, of in bases.items() if of & found} - found:
        found |= grown
    return found - {"ComponentResource", "StagingComponent"}


def test_the_components_document_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "run `venv/bin/python -m blueprint.devtools.components_reference --write`"
    )


def test_every_component_argument_and_output_is_described():
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    blank = [row for row in rows if row.rstrip().endswith("|  |")]
    assert blank == []


def test_every_component_is_documented():
    names = {c.__name__ for c in components()}
    assert names == component_classes_in_source()
    assert all(f"## `{name}`" in render() for name in names)
