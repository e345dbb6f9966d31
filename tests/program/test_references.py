"""References that cannot go stale: every repository path and dotted module named in the README, the docs,
docstrings, comments and messages resolves, and nothing points outside the repository.

What counts as a reference:

- a path whose first part is a top-level folder or file the repository tracks (``blueprint/engine/graph.py``,
  ``docs/architecture.md``, ``tests/program/``), wherever it stands (in backticks or not);
- a dotted name whose first part is one of our packages (``blueprint.engine.graph.dig``,
  ``stack_config.load``, ``python -m blueprint.devtools.bench``): the longest prefix must be a module of ours
  and what follows it a name that module defines (at most a class and its attribute);
- anything outside: the steering documents of the team that builds it, a sibling ``shared`` folder, absolute
  paths of a developer's machine.

Placeholders (``Pulumi.<stack>.yaml``, ``tests/policies/rules/test_<module>.py``, ``*.py`` globs) are
checked up to the first placeholder. Paths the tools create on the user's machine (``venv/``, ``.bench/``,
``.verify-local/``, ``reports/``) are not repository paths and are not checked.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import subprocess
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Our importable packages: a dotted name starting with one of these must resolve.
PACKAGES = ("blueprint", "stack_config", "components", "functions", "policies", "tests")
#: Folders the tools create at run time (Makefile, .gitignore), never part of the repository.
GENERATED = ("venv/", ".venv/", "policies/venv", ".bench/", ".verify-local/", "reports/", ".pytest_cache/")
#: References to files outside the repository: the project must stand alone.
OUTSIDE = re.compile(r"DESIGN\.md|\.\./shared\b|(?<![\w.])/work/")
#: The one outside folder tests may read: upstream CRD schemas that feed extra tests, skipped without it.
TEST_DATA_OUTSIDE = "../shared/k8s-crds"
DOTTED = re.compile(r"(?<![\w./-])(?:" + "|".join(PACKAGES) + r")(?:\.[A-Za-z_]\w*)+")
#: What starts a placeholder or a regular expression: the part before it is checked, the rest is not.
PLACEHOLDER = re.compile(r"[<{*$\[\\]|\bN\b|\.\.\.")
#: Data files whose lines are not prose (AWS type tokens, JSON Schemas, test fixtures).
NOT_PROSE = ("tests/data/", "schemas/", "policies/guardrails/taggable_aws_types.txt")


@functools.cache
def tracked_files() -> tuple[str, ...]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return tuple(line for line in out.stdout.splitlines() if (ROOT / line).exists())


@functools.cache
def top_level() -> frozenset[str]:
    return frozenset(path.split("/", 1)[0] for path in tracked_files())


def path_pattern() -> re.Pattern[str]:
    """Paths whose first part is a top-level folder of the repository (longest names first)."""
    names = sorted((name for name in top_level() if "." not in name or name.startswith(".")), key=len)
    alternatives = "|".join(re.escape(name) for name in reversed(names))
    return re.compile(r"(?<![\w./:-])((?:" + alternatives + r")/[\w./<>{}*$\[\\-]*)")


def _is_prose(token: tokenize.TokenInfo, in_tests: bool) -> bool:
    """Comments and strings; in tests only comments and docstrings (their other strings are test data,
    such as a file a test creates in a scratch repository)."""
    if token.type == tokenize.COMMENT:
        return True
    return token.type == tokenize.STRING and (not in_tests or token.string.startswith(('"""', "'''")))


def doc_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every Markdown file, every comment and string of every Python file, and the
    Makefile, CI script and config files the repository tracks."""
    for rel in tracked_files():
        if rel.startswith(NOT_PROSE) or rel == "tests/program/test_references.py":
            continue
        path = ROOT / rel
        if rel.endswith(".py"):
            tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
            in_tests = rel.startswith("tests/")
            yield from ((f"{rel}:{t.start[0]}", t.string) for t in tokens if _is_prose(t, in_tests))
        elif rel in ("Makefile", ".ci/run") or rel.endswith((".md", ".yaml", ".yml", ".toml", ".txt")):
            yield rel, path.read_text(encoding="utf-8")


def checked_part(reference: str) -> str:
    """The part of a reference before its first placeholder, without trailing punctuation."""
    match = PLACEHOLDER.search(reference)
    head = reference[: match.start()] if match else reference
    return head.rstrip(".,:;)'\"`")


def path_resolves(reference: str) -> bool:
    """An exact path must exist; one cut at a placeholder must begin some tracked file's path."""
    head = checked_part(reference)
    if not head or head.startswith(GENERATED):
        return True
    if head == reference.rstrip(".,:;)'\"`"):
        return (ROOT / head).exists()
    return any(f.startswith(head) for f in tracked_files())


def module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def defined_names(path: Path) -> frozenset[str]:
    """Names a module defines at top level, and ``Class.attribute`` for its classes' members."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names |= _names_of(node)
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{member}" for child in node.body for member in _names_of(child)}
    return frozenset(names)


def _names_of(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, ast.If | ast.Try):
        return {name for child in node.body for name in _names_of(child)}
    return set()


def module_resolves(reference: str) -> bool:
    parts = checked_part(reference).split(".")
    for cut in range(len(parts), 0, -1):
        path = module_file(parts[:cut])
        if path is None:
            continue
        rest = ".".join(parts[cut:])
        return not rest or rest in defined_names(path) or rest.split(".")[0] in {"py", "md", "yaml"}
    return False


def stale_references() -> list[str]:
    pattern = path_pattern()
    stale: list[str] = []
    for where, text in doc_texts():
        outside = OUTSIDE.finditer(
            text.replace(TEST_DATA_OUTSIDE, "") if where.startswith("tests/") else text
        )
        stale += [f"{where}: outside the repository: {m.group()}" for m in outside]
        stale += [f"{where}: no such path: {p}" for p in pattern.findall(text) if not path_resolves(p)]
        stale += [
            f"{where}: no such module: {m.group()}"
            for m in DOTTED.finditer(text)
            if not module_resolves(m.group())
        ]
    return stale


def test_every_reference_resolves_and_stays_inside_the_repository():
    stale = stale_references()
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize(
    ("reference", "resolves"),
    [
        ("blueprint/engine/graph.py", True),
        ("blueprint/engine_versions.py", False),
        ("docs/architecture.md#layers", True),
        ("tests/policies/rules/test_<module>.py", True),
        ("tests/nowhere/test_<module>.py", False),
        ("venv/bin/python", True),
    ],
)
def test_a_path_resolves_only_when_the_repository_has_it(reference, resolves):
    assert path_resolves(reference.split("#")[0]) is resolves


@pytest.mark.parametrize(
    ("reference", "resolves"),
    [
        ("blueprint.engine.graph.dig", True),
        ("blueprint.engine.graph.nothing_here", False),
        ("stack_config.load", True),
        ("blueprint.config.load", False),
        ("blueprint.cli", True),
        ("stack_config.schema.StackConfig", True),
    ],
)
def test_a_dotted_name_resolves_only_to_a_module_and_what_it_defines(reference, resolves):
    assert module_resolves(reference) is resolves


def test_references_outside_the_repository_are_found():
    assert OUTSIDE.search("see " + "DESIGN" + ".md section 4") and OUTSIDE.search("in ../shared/k8s-crds")
    assert not OUTSIDE.search("see docs/architecture.md")
