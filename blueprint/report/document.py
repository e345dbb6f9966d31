"""The preview report: one JSON-compatible document built from a recorded stack and its policy results.

This document is the stable, versioned graph format other tools read (``--format json``); the text and
markdown views render the same document. Its JSON Schema is ``docs/preview.schema.json`` (documented in
``docs/preview-json.md``); bump ``SCHEMA_VERSION``'s major number on any incompatible change.
Secrets are redacted here, once, so no renderer can leak them.

Version history: 1.1 added ``policy.policies[].defaultLevel`` and ``policy.downgrades``, and
``policy.policies[].level`` became the *effective* level (1.0 showed the default even for a rule the
policy config had disabled). 1.2 added the review kit's optional ``changes`` (``preview --compare``) and
``contracts`` (the topic-contract check) sections. 1.3 added the optional ``cost`` block (the monthly
estimate, ``blueprint.report.cost``), ``changes.changed[].replacement`` and ``documents`` and
``changes.summary.replaced``/``undecided``; list diffs align elements by content. 1.4 added
``changes.changed[].replacement.stateful`` and ``why``, and the stop schedule's fields in
``cost.schedule`` (``monthlyWithSchedule``, ``keepsBilling``).
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from typing import TYPE_CHECKING, Any

from blueprint.engine.graph import ResourceRecord, StackGraph, plain_numbers, redact
from blueprint.report.facts import security_facts

if TYPE_CHECKING:
    from blueprint.policy import PolicyReport

SCHEMA_VERSION = "1.4"


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


def _no_policy(note: str) -> dict[str, Any]:
    return {
        "ran": False,
        "pack": None,
        "note": note,
        "counts": {"mandatory": 0, "advisory": 0},
        "violations": [],
        "exemptions": [],
        "downgrades": [],
        "notApplicable": [],
        "policies": [],
    }


def _policies(policy: PolicyReport) -> list[dict[str, Any]]:
    """Every rule with its effective level (after the policy config) next to its default level."""
    entries = []
    for p in policy.policies:
        configured = policy.config.get(p.name)
        level = (configured.enforcement_level if configured else None) or p.enforcement_level
        entries.append(
            {
                "name": p.name,
                "level": level,
                "defaultLevel": p.enforcement_level,
                "severity": p.severity,
                "type": p.policy_type,
                "description": p.description,
                "remediation": p.remediation,
                "tags": list(p.tags),
            }
        )
    return entries


def _policy_entry(policy: PolicyReport | None, note: str) -> dict[str, Any]:
    if policy is None:
        return _no_policy(note)
    return {
        "ran": True,
        "pack": {"name": policy.pack_name, "version": policy.pack_version},
        "note": note,
        "counts": {level: len(policy.at_level(level)) for level in ("mandatory", "advisory")},
        "violations": [
            {
                "policy": v.policy_name,
                "level": v.enforcement_level,
                "severity": v.severity,
                "urn": v.urn,
                "description": v.description,
                "message": v.detail,
            }
            for v in policy.violations
        ],
        "exemptions": [e.as_dict() for e in policy.exemptions],
        "downgrades": [d.as_dict() for d in policy.downgrades],
        "notApplicable": [
            {"policy": n.policy_name, "reason": n.reason, "urn": n.urn} for n in policy.not_applicable
        ],
        "policies": _policies(policy),
    }


def weakened(policy: dict[str, Any]) -> list[str]:
    """How the policy config weakens the guardrails, as short phrases (empty when it does not):
    mandatory rules run below their default level, and exemptions that are not honoured."""
    downgrades = policy["downgrades"]
    phrases = []
    if downgrades:
        unjustified = sum(1 for d in downgrades if d["status"] != "justified")
        phrases.append(
            f"{len(downgrades)} mandatory rule(s) downgraded ({unjustified} without a valid justification)"
        )
    broken = sum(1 for e in policy["exemptions"] if e["status"] not in ("active", "unused"))
    if broken:
        phrases.append(f"{broken} exemption(s) not honoured")
    return phrases


def mark_unused_exemptions(policy: dict[str, Any], names: list[tuple[str, str]]) -> None:
    """Set ``status: unused`` on every active exemption whose pattern matches no resource of the stack
    (by URN or logical name, with ``fnmatchcase`` as the pack matches): it waives nothing, and a typo in
    it would silently leave the resource it meant unwaived."""
    for exemption in policy["exemptions"]:
        pattern = str(exemption.get("resource") or "")
        if exemption["status"] != "active" or not pattern:
            continue
        if not any(
            fnmatch.fnmatchcase(urn, pattern) or fnmatch.fnmatchcase(name, pattern) for urn, name in names
        ):
            exemption["status"] = "unused"
            exemption["problems"] = [*exemption.get("problems", []), "matches no resource of this stack"]


def summary_line(report: dict[str, Any]) -> str:
    """One line: resource counts and the policy verdict, e.g. for the end of a CI log. A pass with
    downgraded rules or broken exemptions says so; an unjustified downgrade is a mandatory violation,
    so it can never read PASS."""
    s = report["summary"]
    policy = report["policy"]
    if not policy["ran"]:
        verdict = policy["note"]
    else:
        counts = policy["counts"]
        verdict = f"{counts['mandatory']} mandatory and {counts['advisory']} advisory violation(s)"
        verdict += ": FAIL" if counts["mandatory"] else ": PASS"
        verdict += "".join(f"; {phrase}" for phrase in weakened(policy))
    return (
        f"{s['resources']} resources ({s['components']} components, {s['custom']} cloud resources); {verdict}"
    )


def build_report(graph: StackGraph, policy: PolicyReport | None = None, note: str = "") -> dict[str, Any]:
    """The preview document for ``graph`` (see ``docs/preview-json.md`` for every field).

    Args:
        graph: the recorded stack.
        policy: what the policy pack reported; None when no pack ran.
        note: a sentence for the policy section (which config was used, or why no pack ran).
    """
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
        "outputs": plain_numbers(redact(dict(sorted(graph.outputs.items())))),
        "policy": _policy_entry(policy, note or ("no policy pack run" if policy is None else "")),
    }
    names = [(r.urn, r.name) for r in graph.resources] + [(graph.stack_urn, graph.stack)]
    mark_unused_exemptions(report["policy"], names)
    report["summary"]["line"] = summary_line(report)
    return report
