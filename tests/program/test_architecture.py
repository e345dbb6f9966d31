"""Dependencies point one way, the program needs only what requirements.txt pins,
and the code stays in pieces a reader can hold (modules <= 400 lines, functions <= 60 lines)."""

from __future__ import annotations

import ast
import re
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
#: Size limits of our own code: a module fits in one reading, a function on one screen.
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


ARCHITECTURE = ROOT / "docs" / "architecture.md"
OUR_PACKAGES = {"blueprint", "stack_config", "components", "functions", "policies"}


def layer_table() -> dict[str, tuple[str, ...]]:
    """The "may import" table of docs/architecture.md: layer (a module or package, dotted) -> the dotted
    names it may import (each allows that module and everything under it)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([^`]+)` \|.*\| ([^|]*) \|$", text.split("## Layers", 1)[1], re.MULTILINE)
    table: dict[str, tuple[str, ...]] = {}
    for path, allowed in rows:
        layer = path.removesuffix("/").removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        table[layer] = tuple(re.findall(r"`([\w.]+)`", allowed))
    return table


def dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str, table: dict[str, tuple[str, ...]]) -> str | None:
    matches = [layer for layer in table if within(module, layer)]
    return max(matches, key=len) if matches else None


def all_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (lazy imports inside functions too), with the names
    ``from x import y`` takes (``y`` may be a submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= submodules if all(module_file(m) for m in submodules) else {node.module}
    return found


def our_modules() -> list[Path]:
    return [ROOT / "__main__.py"] + [p for top in sorted(OUR_PACKAGES) for p in python_files(top)]


def test_the_layer_table_is_read():
    table = layer_table()
    assert table["__main__"] == ("stack_config", "components")
    assert table["functions"] == () and "blueprint.engine" in table


@pytest.mark.parametrize("path", our_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_what_its_layer_may(path):
    table = layer_table()
    module = dotted(path) if path.name != "__main__.py" or path.parent != ROOT else "__main__"
    layer = layer_of(module, table)
    assert layer is not None, f"{module}: no row of docs/architecture.md covers it; add one"
    allowed = (layer, *table[layer])
    offenders = {
        imported
        for imported in all_imports(path)
        if imported.split(".")[0] in OUR_PACKAGES
        and module_file(imported) is not None
        and not any(within(imported, prefix) for prefix in allowed)
    }
    assert not offenders, f"{module} ({layer}) may not import {sorted(offenders)}"


def test_every_package_is_in_the_layer_diagram():
    diagram = ARCHITECTURE.read_text(encoding="utf-8").split("```", 2)[1]
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "blueprint").glob("*/__init__.py")}
    missing = {package for package in packages if f"{package}/" not in diagram}
    assert not missing, f"docs/architecture.md's diagram does not show {sorted(missing)}"


@pytest.mark.parametrize(
    ("module", "imported", "allowed"),
    [
        ("components.network", "blueprint.engine", False),
        ("blueprint.report.render", "blueprint.policy", True),
    ],
)
def test_the_layer_check_refuses_what_the_table_does_not_allow(module, imported, allowed):
    table = layer_table()
    layer = layer_of(module, table)
    assert layer is not None
    assert any(within(imported, prefix) for prefix in (layer, *table[layer])) is allowed


def defines_configure(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == "configure" for node in tree.body)


@pytest.mark.parametrize("path", python_files("blueprint"), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_command_modules_import_the_argparse_options(path):
    imported = any(within(m, "blueprint.cli.options") for m in all_imports(path))
    assert not imported or defines_configure(path) or path.parent == ROOT / "blueprint" / "cli"
