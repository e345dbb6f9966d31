"""The topic-contract check of a stack: every schema file changed against a git base, checked against
its earlier versions under the compatibility mode the stack config declares for it
(``brokers[].schemas[].compatibility``).

Per file the result is ``compatible``, ``incompatible`` (with its breaks), ``new`` (no earlier version:
nothing to break), ``removed`` (the file is gone: Glue deletes the schema with the next ``pulumi up``),
or ``not-checked`` (not declared by this stack, mode ``NONE``, or Protobuf, whose rules are not
implemented here). Without git, or without a base to compare with, the whole check is skipped and says
why (``ran`` false), unless the caller asked for a base explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint.review.contracts import history
from blueprint.review.contracts.history import Base, GitUnavailableError
from blueprint.review.contracts.modes import CHECKERS, Break, Version, check_versions

#: Where the topic contracts live, relative to the project directory.
SCHEMA_DIR = "schemas"
#: File extension -> Glue data format (as ``components.schema_files.SCHEMA_FORMATS``).
FORMATS = {".avsc": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}


@dataclass(frozen=True)
class ContractResult:
    """The verdict on one changed schema file (see the module docstring for ``status``)."""

    file: str
    schema: str
    data_format: str
    compatibility: str | None
    status: str
    note: str = ""
    compared_with: tuple[str, ...] = ()
    breaks: tuple[Break, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "schema": self.schema,
            "format": self.data_format,
            "compatibility": self.compatibility,
            "status": self.status,
            "note": self.note,
            "comparedWith": list(self.compared_with),
            "breaks": [b.as_dict() for b in self.breaks],
        }


@dataclass(frozen=True)
class ContractReport:
    """The whole check: whether it ran, against which base, and one result per changed file."""

    ran: bool
    base: str | None
    note: str
    results: tuple[ContractResult, ...] = field(default_factory=tuple)

    @property
    def breaks(self) -> list[tuple[ContractResult, Break]]:
        return [(r, b) for r in self.results for b in r.breaks]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ran": self.ran,
            "base": self.base,
            "note": self.note,
            "breaks": len(self.breaks),
            "results": [r.as_dict() for r in self.results],
        }


def check_contracts(
    project_dir: Path, declared: Mapping[str, str], base_ref: str | None = None, *, require_git: bool = False
) -> ContractReport:
    """Check every schema file changed against the base.

    Args:
        project_dir: the project (where ``schemas/`` is).
        declared: file name under ``schemas/`` -> compatibility mode, as the stack config declares.
        base_ref: the git revision to compare with; None: the merge base with ``main``/``origin/main``.
        require_git: raise instead of skipping when git cannot answer (an explicit ``--base``, or the
            standalone command).

    Raises:
        GitUnavailableError: with ``require_git`` or ``base_ref``, when there is no repository, no such
            ref or no default base.
    """
    try:
        base = history.resolve_base(project_dir, base_ref)
        changed = history.changed_files(project_dir, base, SCHEMA_DIR)
    except GitUnavailableError as exc:
        if require_git or base_ref is not None:
            raise
        return ContractReport(False, None, f"topic contract check skipped: {exc}")
    label = f"{base.sha[:12]} ({base.label})"
    results = tuple(
        _check_file(project_dir, base, path, status, declared) for path, status in sorted(changed.items())
    )
    note = f"{len(results)} changed schema file(s) against {label}"
    return ContractReport(True, label, note, results)


def _check_file(
    project_dir: Path, base: Base, path: str, status: str, declared: Mapping[str, str]
) -> ContractResult:
    name = Path(path).name
    data_format = FORMATS.get(Path(path).suffix, "UNKNOWN")
    mode = declared.get(name)
    result = ContractResult(path, Path(path).stem, data_format, mode, "not-checked")
    if status == "D":
        note = "removed: the next `pulumi up` deletes the schema and its versions from the registry"
        return _with(result, "removed", note)
    if mode is None:
        return _with(result, "not-checked", "not declared by this stack's brokers[].schemas")
    if status == "R":
        return _with(result, "new", "renamed: the registry sees a new schema (the name is the file stem)")
    if data_format not in CHECKERS:
        return _with(result, "not-checked", f"{data_format} compatibility rules are not implemented here")
    if mode == "NONE":
        return _with(result, "not-checked", "compatibility NONE: the registry accepts any new version")
    return _compare(project_dir, base, path, result)


def _compare(project_dir: Path, base: Base, path: str, result: ContractResult) -> ContractResult:
    mode = result.compatibility or "BACKWARD"
    if mode.endswith("_ALL"):
        previous = history.versions(project_dir, base, path)
    else:
        text = history.file_at(project_dir, base.sha, path)
        previous = [] if text is None else [Version(f"{base.sha[:12]} (base)", text)]
    if not previous:
        return _with(result, "new", "no earlier version: nothing to be compatible with")
    new_text = (project_dir / path).read_text(encoding="utf-8")
    compared = tuple(v.label for v in (previous if mode.endswith("_ALL") else previous[:1]))
    try:
        breaks = check_versions(result.data_format, mode, new_text, previous)
    except ValueError as exc:
        invalid = Break("(root)", "new version is not a valid schema", str(exc), "the schema's format",
                        compared[0], "backward")  # fmt: skip
        breaks = [invalid]
    status = "incompatible" if breaks else "compatible"
    return ContractResult(
        result.file, result.schema, result.data_format, mode, status, f"checked under {mode}", compared,
        tuple(breaks),
    )  # fmt: skip


def _with(result: ContractResult, status: str, note: str) -> ContractResult:
    return ContractResult(result.file, result.schema, result.data_format, result.compatibility, status, note)


def declared_schemas(brokers: Any) -> dict[str, str]:
    """File name -> compatibility mode from a ``StackConfig``'s ``brokers``."""
    return {s.file: s.compatibility for b in brokers for s in b.schemas}
