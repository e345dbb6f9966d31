"""DESIGN.md section 2: dependencies point one way, and the program needs only what requirements.txt pins."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Top-level modules `pulumi up` may import: the standard library, requirements.txt's packages, our own.
PROGRAM_ALLOWED = {
    "pulumi",
    "pulumi_aws",
    "pulumi_kubernetes",
    "pulumi_random",
    "pydantic",
    "pydantic_core",
    "blueprint",
    "components",
}
#: What the program may use from ``blueprint``: the config schema only, never the offline tools.
PROGRAM_BLUEPRINT = {
    "blueprint.config",
    "blueprint.config_base",
    "blueprint.config_data",
    "blueprint.config_access",
}


def imports(path: Path) -> set[str]:
    """Absolute module names imported by ``path`` (relative imports are left out)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", python_files("components"), ids=lambda p: p.name)
def test_components_never_import_blueprint(path):
    assert not {m for m in imports(path) if m.split(".")[0] == "blueprint"}


@pytest.mark.parametrize("path", python_files("policies"), ids=lambda p: str(p.relative_to(ROOT)))
def test_policies_import_nothing_from_the_program(path):
    assert not {m for m in imports(path) if m.split(".")[0] in {"blueprint", "components", "functions"}}


def _program_modules() -> list[Path]:
    config = [ROOT / "blueprint" / f"{m.split('.')[1]}.py" for m in sorted(PROGRAM_BLUEPRINT)]
    return [
        ROOT / "__main__.py",
        *python_files("components"),
        *config,
        ROOT / "blueprint" / "engine_versions.py",
    ]


@pytest.mark.parametrize("path", _program_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_program_imports_only_the_stdlib_and_pinned_packages(path):
    for module in imports(path):
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top in PROGRAM_ALLOWED, f"{path.name} imports {module}"
        if top == "blueprint":
            assert module in PROGRAM_BLUEPRINT | {"blueprint.engine_versions"}, (
                f"{path.name} imports {module}"
            )


def test_pinned_requirements_cover_the_program_packages():
    pinned = {
        line.split("==")[0].replace("-", "_")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line
    }
    assert {"pulumi", "pulumi_aws", "pydantic"} <= pinned
    assert all(
        "==" in line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and line[0].isalpha()
    )
