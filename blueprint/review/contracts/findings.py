"""The topic-contract check inside the preview report: its ``contracts`` section, and each break as a
mandatory violation of the rule ``topic-contract-compatible`` so that the preview fails (exit 1).

The rule is the review kit's, not the policy pack's: the pack sees resource properties only (as in the
real engine) and cannot read git history. Its entry in ``policy.policies`` carries the tag
``source:review-kit``; the Pulumi CLI's ``--policy-pack`` run does not know it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blueprint.report.document import summary_line
from blueprint.review.contracts.check import ContractReport, ContractResult

POLICY_NAME = "topic-contract-compatible"
DESCRIPTION = (
    "A changed topic contract (schemas/) stays compatible with its earlier versions under the compatibility "
    "mode its stack declares."
)
REMEDIATION = (
    "Make the change compatible (Avro: give new fields a default, keep removed fields' defaults; JSON "
    "Schema: add optional properties to closed models only, never require a new property), or introduce a "
    "new topic and schema for the incompatible version and migrate consumers to it."
)
RULE: dict[str, Any] = {
    "name": POLICY_NAME,
    "level": "mandatory",
    "defaultLevel": "mandatory",
    "severity": "high",
    "type": "stack",
    "description": DESCRIPTION,
    "remediation": REMEDIATION,
    "tags": ["concern:contracts", "source:review-kit"],
}
_GLUE_SCHEMA = "aws:glue/schema:Schema"


def _schema_urn(report: Mapping[str, Any], schema: str) -> str:
    """The Glue schema resource registering ``schema``, else the stack (the schema is not registered)."""
    for resource in report["resources"]:
        if resource["type"] == _GLUE_SCHEMA and resource["inputs"].get("schemaName") == schema:
            return str(resource["urn"])
    return str(report["stackUrn"])


def message(result: ContractResult, index: int) -> str:
    """One break as a violation message: file, field path, rule, mode, version, specifics."""
    brk = result.breaks[index]
    return (
        f"{result.file}: {brk.path}: {brk.rule} ({result.compatibility}, against {brk.against}): "
        f"{brk.detail}. Rule: {brk.source}."
    )


def add_contract_findings(report: dict[str, Any], contracts: ContractReport) -> None:
    """Add ``contracts`` to ``report`` and each break to ``policy.violations`` (mandatory); counts and
    the summary line are updated."""
    report["contracts"] = contracts.as_dict()
    policy = report["policy"]
    if contracts.ran and all(p["name"] != POLICY_NAME for p in policy["policies"]):
        policy["policies"].append(dict(RULE))
    for result in contracts.results:
        for index in range(len(result.breaks)):
            policy["violations"].append(
                {
                    "policy": POLICY_NAME,
                    "level": "mandatory",
                    "severity": "high",
                    "urn": _schema_urn(report, result.schema),
                    "description": DESCRIPTION,
                    "message": message(result, index),
                }
            )
            policy["counts"]["mandatory"] += 1
    report["summary"]["line"] = summary_line(report)
