"""DESIGN.md section 2: dependencies point one way, the program needs only what requirements.txt pins,
and the code stays in pieces a reader can hold (modules <= 400 lines, functions <= 60 lines)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Top-level modules `pulumi up` may import: the standard library, requirements.txt's packages, our own.
PROGRAM_ALLOWED = {
    "pulumi",
    "pulumi_aws",
    "pulumi_kubernetes",
    "pulumi_random",
    "pydantic",
    "pydantic_core",
    "stack_config",
    "components",
    "functions",
}
#: Size limits of our own code (issue 10): a module fits in one reading, a function on one screen.
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


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


def module_file(module: str) -> Path | None:
    """The file of one of our modules (``stack_config.load`` -> ``stack_config/load.py``)."""
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def program_closure() -> dict[Path, set[str]]:
    """Every file of ours that ``pulumi up`` imports, starting at ``__main__.py``, with its imports."""
    seen: dict[Path, set[str]] = {}
    pending = [ROOT / "__main__.py"]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen[path] = imports(path)
        for module in seen[path]:
            parts = module.split(".")
            if parts[0] in {"blueprint", "stack_config", "components", "functions"}:
                # importing a.b.c runs a/__init__.py and a/b/__init__.py too
                pending += [f for i in range(1, len(parts) + 1) if (f := module_file(".".join(parts[:i])))]
    return seen


@pytest.mark.parametrize("path", python_files("components"), ids=lambda p: p.name)
def test_components_never_import_blueprint(path):
    assert not {m for m in imports(path) if m.split(".")[0] == "blueprint"}


@pytest.mark.parametrize("path", python_files("policies"), ids=lambda p: str(p.relative_to(ROOT)))
def test_policies_import_nothing_from_the_program(path):
    assert not {
        m
        for m in imports(path)
        if m.split(".")[0] in {"blueprint", "stack_config", "components", "functions"}
    }


def test_nothing_pulumi_up_loads_lives_under_blueprint():
    closure = program_closure()
    assert ROOT / "stack_config" / "load.py" in closure  # the walk does reach the schema
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path, modules in closure.items()
        for module in modules
        if module.split(".")[0] == "blueprint"
    }
    assert not offenders


def test_the_program_imports_only_the_stdlib_and_pinned_packages():
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path, modules in program_closure().items()
        for module in modules
        if (top := module.split(".")[0]) not in sys.stdlib_module_names and top not in PROGRAM_ALLOWED
    }
    assert not offenders


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


@pytest.mark.parametrize(
    "path",
    python_files("blueprint")
    + python_files("stack_config")
    + python_files("components")
    + python_files("functions")
    + python_files("policies"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_modules_and_functions_stay_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long_functions = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long_functions
