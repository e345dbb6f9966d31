"""What the review kit adds to ``python -m blueprint preview``: the topic-contract check (always, when a
git base is available; a break is a mandatory finding) and, with ``--compare BASE.json``, the change
against a base preview. ``ReviewInputError`` carries a usage error's one-line message (exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blueprint.engine.stack_files import StackSettings
from blueprint.review.compare import PreviewDocumentError, check_document, compare_reports, load_preview
from blueprint.review.contracts.check import ContractReport, check_contracts, declared_schemas
from blueprint.review.contracts.findings import add_contract_findings
from blueprint.review.contracts.history import GitUnavailableError
from stack_config import load_stack_config
from stack_config.base import NAMESPACE


class ReviewInputError(Exception):
    """A base preview or git base that cannot be used; the message names it and the fix."""


def load_base(path: Path) -> dict[str, Any]:
    """The ``--compare`` document, read and validated before anything runs.

    Raises:
        ReviewInputError: unreadable, not JSON, another major schema version, or invalid.
    """
    try:
        return load_preview(path)
    except PreviewDocumentError as exc:
        raise ReviewInputError(f"--compare {exc}") from None


def contract_report(settings: StackSettings, project_dir: Path, base_ref: str | None) -> ContractReport:
    """The topic-contract check for the stack's declared schemas (skipped, with the reason, when no git
    base is available and none was asked for).

    Raises:
        ReviewInputError: ``base_ref`` was given and git cannot resolve it.
    """
    cfg = load_stack_config(
        settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
    )
    try:
        return check_contracts(project_dir, declared_schemas(cfg.brokers), base_ref)
    except GitUnavailableError as exc:
        raise ReviewInputError(f"--base: {exc}") from None


def apply_review(
    report: dict[str, Any], contracts: ContractReport, base: dict[str, Any] | None, base_name: str
) -> None:
    """Add the contract findings and, when a base preview is given, the ``changes`` section.

    Raises:
        ReviewInputError: the base is a preview of another stack.
    """
    add_contract_findings(report, contracts)
    if base is None:
        return
    try:
        check_document(report, "this preview")  # our own output must meet the contract it checks
        report["changes"] = compare_reports(base, report, base_name)
    except PreviewDocumentError as exc:
        raise ReviewInputError(f"--compare {exc}") from None
