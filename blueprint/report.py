"""The preview report: one JSON-compatible document built from a recorded stack and its policy results.

This document is the stable, versioned graph format other tools read (``--format json``); the text and
markdown views render the same document. Its JSON Schema is ``docs/preview.schema.json`` (documented in
``docs/preview-json.md``); bump ``SCHEMA_VERSION``'s major number on any incompatible change.
Secrets are redacted here, once, so no renderer can leak them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from blueprint.facts import security_facts
from blueprint.graph import ResourceRecord, StackGraph, redact

SCHEMA_VERSION = "1.0"


@dataclass
class Violation:
    """One policy violation as the analyzer reported it.

    Attributes:
        policy: rule name (kebab-case).
        level: enforcement level: ``mandatory``, ``advisory`` or ``remediate``.
        message: the rule's description and its message for this resource.
        urn: the resource's URN; empty for stack-level findings without a resource.
        severity: ``low``/``medium``/``high``/``critical`` or empty.
    """

    policy: str
    level: str
    message: str
    urn: str = ""
    severity: str = ""


@dataclass
class PolicySection:
    """What the policy pack said about the stack.

    Attributes:
        ran: False when no pack ran (``note`` says why).
        pack: pack name and version, e.g. ``{"name": "staging-guardrails", "version": "0.1.0"}``.
        violations: every violation, all levels.
        exemptions: exemptions from the policy config with their ``status`` (active, expired, invalid).
        not_applicable: ``{"policy", "reason"}`` for rules that did not apply.
        policies: ``{"name", "level", "description"}`` of every rule in the pack.
        note: a human sentence for the report (why nothing ran, or which config was used).
    """

    ran: bool = False
    pack: dict[str, str] | None = None
    violations: list[Violation] = field(default_factory=list)
    exemptions: list[dict[str, Any]] = field(default_factory=list)
    not_applicable: list[dict[str, str]] = field(default_factory=list)
    policies: list[dict[str, str]] = field(default_factory=list)
    note: str = "no policy pack run"

    def count(self, level: str) -> int:
        return sum(1 for v in self.violations if v.level == level)

    @property
    def has_mandatory(self) -> bool:
        return self.count("mandatory") > 0


def _resource_entry(rec: ResourceRecord) -> dict[str, Any]:
    return {
        "urn": rec.urn,
        "type": rec.type,
        "name": rec.name,
        "custom": rec.custom,
        "id": rec.id,
        "parent": rec.parent,
        "provider": rec.provider,
        "dependencies": rec.dependencies,
        "propertyDependencies": {k: v for k, v in rec.property_dependencies.items() if v},
        "options": rec.options,
        "facts": security_facts(rec),
        "inputs": redact(rec.inputs),
        "outputs": redact(rec.outputs),
    }


def _policy_entry(section: PolicySection) -> dict[str, Any]:
    return {
        "ran": section.ran,
        "pack": section.pack,
        "note": section.note,
        "counts": {level: section.count(level) for level in ("mandatory", "advisory")},
        "violations": [vars(v) for v in section.violations],
        "exemptions": section.exemptions,
        "notApplicable": section.not_applicable,
        "policies": section.policies,
    }


def summary_line(report: dict[str, Any]) -> str:
    """One line: resource counts and the policy verdict, e.g. for the end of a CI log."""
    s = report["summary"]
    policy = report["policy"]
    if not policy["ran"]:
        verdict = policy["note"]
    else:
        counts = policy["counts"]
        verdict = f"{counts['mandatory']} mandatory and {counts['advisory']} advisory violation(s)"
        verdict += ": FAIL" if counts["mandatory"] else ": PASS"
    return (
        f"{s['resources']} resources ({s['components']} components, {s['custom']} cloud resources); {verdict}"
    )


def build_report(graph: StackGraph, policy: PolicySection | None = None) -> dict[str, Any]:
    """The preview document for ``graph`` (see ``docs/preview-json.md`` for every field).

    Args:
        graph: the recorded stack.
        policy: policy results; None when no pack ran.
    """
    policy = policy or PolicySection()
    custom = sum(1 for r in graph.resources if r.custom)
    report = {
        "schemaVersion": SCHEMA_VERSION,
        "project": graph.project,
        "stack": graph.stack,
        "stackUrn": graph.stack_urn,
        "summary": {
            "resources": len(graph.resources),
            "components": len(graph.resources) - custom,
            "custom": custom,
            "byType": dict(sorted(Counter(r.type for r in graph.resources).items())),
        },
        "resources": [_resource_entry(r) for r in sorted(graph.resources, key=lambda r: r.urn)],
        "outputs": redact(dict(sorted(graph.outputs.items()))),
        "policy": _policy_entry(policy),
    }
    report["summary"]["line"] = summary_line(report)
    return report
