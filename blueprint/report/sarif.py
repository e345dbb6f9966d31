"""Policy findings as SARIF 2.1.0 (``preview --format sarif``), for GitHub code scanning.

One ``result`` per violation in the preview document (the pack's findings and the review kit's
``topic-contract-compatible`` breaks), one ``rule`` per policy with its description, remediation as help
text, tags, default level and GitHub's ``security-severity``. Each result points at the line of the stack
file that declares the component behind the resource (``staging-blueprint:databases`` entry ``name:
orders`` for ``db-orders-instance``), or at the schema file for a contract break, and names the resource
URN as a logical location. ``partialFingerprints`` are derived from rule, resource and message, so an alert
survives unrelated edits of the stack file.

Sources: OASIS SARIF 2.1.0 (errata 01) and its JSON schema; GitHub Docs, "SARIF support for code
scanning" (``security-severity`` bands: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9; a
location per result; ``automationDetails.id`` as the upload's category).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: Enforcement level -> SARIF level.
LEVELS = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
#: Severity -> GitHub ``security-severity`` (a number inside each band GitHub documents).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
NAMESPACE = "staging-blueprint"
#: Component type -> the stack config key that declares it.
CONFIG_KEYS = {
    "Database": "databases",
    "KafkaCluster": "brokers",
    "RabbitMqBroker": "brokers",
    "SchemaRegistry": "brokers",
    "Network": "network",
    "SecretVault": "vault",
    "TokenBroker": "tokenBroker",
    "Cluster": "cluster",
    "StagingNamespace": "namespace",
    "Edge": "edge",
    "MailSink": "mailSink",
}
#: A stack-level finding's message names the key it is about: ``staging-blueprint:tags``.
_KEY_IN_MESSAGE = re.compile(rf"{NAMESPACE}:([A-Za-z]+)")


def _rule(policy: Mapping[str, Any]) -> dict[str, Any]:
    description = policy["description"] or policy["name"]
    remediation = policy["remediation"] or "See the rule's description."
    properties: dict[str, Any] = {"tags": ["security", *policy["tags"]], "precision": "high"}
    if policy["severity"] in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[policy["severity"]]
    return {
        "id": policy["name"],
        "name": "".join(part.capitalize() for part in policy["name"].split("-")),
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {
            "text": f"{description}\n\nRemediation: {remediation}",
            "markdown": f"{description}\n\n**Remediation:** {remediation}",
        },
        "defaultConfiguration": {
            "level": LEVELS.get(policy["level"], "warning"),
            "enabled": policy["level"] != "disabled",
        },
        "properties": properties,
    }


def _top_component(report: Mapping[str, Any], urn: str) -> Mapping[str, Any] | None:
    """The top-level component (a child of the stack) above the resource ``urn``."""
    by_urn = {r["urn"]: r for r in report["resources"]}
    node = by_urn.get(urn)
    while node is not None and node["parent"] not in (None, report["stackUrn"]):
        node = by_urn.get(node["parent"])
    return node


def find_line(lines: Sequence[str], key: str, entry: str | None) -> int:
    """1-based line of ``staging-blueprint:<key>`` in a stack file, moved to its ``name: <entry>`` item
    when there is one; 1 when the key is absent."""
    start = next((i for i, line in enumerate(lines) if line.strip().startswith(f"{NAMESPACE}:{key}:")), None)
    if start is None:
        return 1
    if entry:
        pattern = re.compile(rf"^\s*(-\s*)?name:\s*['\"]?{re.escape(entry)}['\"]?\s*(#.*)?$")
        for i in range(start + 1, len(lines)):
            if lines[i] and not lines[i][0].isspace():
                break  # the next top-level key
            if pattern.match(lines[i]):
                return i + 1
    return start + 1


def field_line(lines: Sequence[str], path: str) -> int:
    """1-based line of the last field of ``path`` (``lines[].quantity``) in a schema file: an Avro
    ``"name": "quantity"`` or a JSON Schema ``"quantity":`` property; 1 when not found."""
    parts = [part for part in re.split(r"[.\[\]]+", path) if part and part != "(root)"]
    field = parts[-1] if parts else ""
    patterns = (rf'"name"\s*:\s*"{re.escape(field)}"', rf'"{re.escape(field)}"\s*:')
    for pattern in patterns:
        for i, line in enumerate(lines):
            if field and re.search(pattern, line):
                return i + 1
    return 1


def source_line(
    report: Mapping[str, Any],
    violation: Mapping[str, Any],
    stack_lines: Sequence[str],
    project_dir: Path | None = None,
) -> tuple[str, int]:
    """(file, 1-based line) behind a finding: the stack-file entry of the resource's component, the key a
    stack-level finding names, or the changed field of a contract break (with ``project_dir``)."""
    contract = re.match(r"^(schemas/[^:\s]+): ([^:\s]+):", violation["message"])
    if contract:
        path = project_dir / contract.group(1) if project_dir is not None else None
        lines = path.read_text(encoding="utf-8").splitlines() if path is not None and path.is_file() else []
        return contract.group(1), field_line(lines, contract.group(2))
    line = 1
    component = _top_component(report, violation["urn"]) if violation["urn"] else None
    if component is not None:
        key = CONFIG_KEYS.get(component["type"].rsplit(":", 1)[-1])
        entry = component["name"].split("-", 1)[1] if "-" in component["name"] else None
        line = find_line(stack_lines, key, entry) if key else 1
    elif key_match := _KEY_IN_MESSAGE.search(violation["message"]):
        line = find_line(stack_lines, key_match.group(1), None)
    return f"Pulumi.{report['stack']}.yaml", line


def _location(
    report: Mapping[str, Any],
    violation: Mapping[str, Any],
    stack_lines: Sequence[str],
    project_dir: Path | None = None,
) -> dict[str, Any]:
    uri, line = source_line(report, violation, stack_lines, project_dir)
    name = violation["urn"].rsplit("::", 1)[-1]
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line},
        },
        "logicalLocations": [{"name": name, "fullyQualifiedName": violation["urn"], "kind": "resource"}],
    }


def _fingerprint(violation: Mapping[str, Any]) -> str:
    text = "\n".join((violation["policy"], violation["urn"], violation["message"]))
    return hashlib.sha256(text.encode()).hexdigest()


def sarif_log(
    report: Mapping[str, Any], stack_lines: Sequence[str] = (), project_dir: Path | None = None
) -> dict[str, Any]:
    """The SARIF log (one run) of the preview document ``report``.

    Args:
        report: the preview document (``build_report``, possibly with review-kit findings added).
        stack_lines: the stack file's lines, to point results at the config entry behind them.
    """
    policy = report["policy"]
    rules = [_rule(p) for p in policy["policies"]]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for v in policy["violations"]:
        result: dict[str, Any] = {
            "ruleId": v["policy"],
            "level": LEVELS.get(v["level"], "warning"),
            "message": {"text": v["message"] or v["description"] or v["policy"]},
            "locations": [_location(report, v, stack_lines, project_dir)],
            "partialFingerprints": {"stagingBlueprintFinding/v1": _fingerprint(v)},
        }
        if v["policy"] in index:
            result["ruleIndex"] = index[v["policy"]]
        results.append(result)
    pack = policy["pack"] or {"name": "staging-guardrails", "version": "0.0.0"}
    driver = {"name": pack["name"], "version": pack["version"], "rules": rules}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"{report['project']}/preview/{report['stack']}/"},
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The project directory."}}},
                "results": results,
                "invocations": [{"executionSuccessful": True}],
            }
        ],
    }


def render_sarif(report: Mapping[str, Any], project_dir: Path | None = None) -> str:
    """``sarif_log`` as JSON text; the stack file is read from ``project_dir`` when given and present."""
    lines: list[str] = []
    if project_dir is not None:
        path = project_dir / f"Pulumi.{report['stack']}.yaml"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
    return json.dumps(sarif_log(report, lines, project_dir), indent=2) + "\n"
