"""What a change does: the difference between a base preview (the target branch's JSON) and this one.

Like ``pulumi preview --diff``: resources are matched by URN (a resource whose ``aliases`` name a base URN
that is gone counts as that resource, renamed or moved), and each match is compared input by input
(property paths such as ``brokerNodeGroupInfo.instanceType`` or ``parameters[0].value``) and by the
resource options reviewers care about (``protect``, ``retainOnDelete``, ``ignoreChanges``,
``deleteBeforeReplace``). Both documents are already redacted, so secrets stay ``[secret]`` (a changed
secret value cannot be seen, only a value becoming or ceasing to be secret). Policy findings are matched
by rule, level, resource and message: those only in this preview *appeared*, those only in the base
*disappeared*.

Whether a change replaces the resource comes from the sourced table of replace-on-change properties
(``blueprint.review.replacements``) and the resource's ``replaceOnChanges`` option; a type the table does
not know is *undecided* (``pulumi preview --diff`` settles it). JSON documents held in strings (policies,
schema definitions) and lists are diffed structurally (``blueprint.review.diffs``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from blueprint.report.diagram import public_entry_points
from blueprint.report.document import SCHEMA_VERSION
from blueprint.review.diffs import changed_documents, property_diffs
from blueprint.review.replacements import classify

__all__ = ["PreviewDocumentError", "check_document", "compare_reports", "load_preview", "property_diffs"]

#: The preview document's JSON Schema (the contract both documents must meet).
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "preview.schema.json"
#: Options whose change a reviewer must see (``aliases`` is how a rename is matched, not a change).
OPTIONS = ("protect", "retainOnDelete", "ignoreChanges", "deleteBeforeReplace", "replaceOnChanges")


class PreviewDocumentError(Exception):
    """A base preview that cannot be compared: unreadable, not JSON, another major schema version, or
    invalid against ``docs/preview.schema.json``. The message names the file, the problem and the fix."""


def load_preview(path: Path) -> dict[str, Any]:
    """Read and validate a preview document (``preview --format json``).

    Raises:
        PreviewDocumentError: see the class.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PreviewDocumentError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise PreviewDocumentError(
            f"{path}: not JSON ({exc}); pass a `preview --format json` document"
        ) from None
    check_document(document, str(path))
    return document


def check_document(document: Any, where: str) -> None:
    """Check the schema major version, then the document against the JSON Schema.

    Raises:
        PreviewDocumentError: a mismatched major version or the first schema violation (with its path).
    """
    version = document.get("schemaVersion") if isinstance(document, dict) else None
    if not isinstance(version, str):
        raise PreviewDocumentError(f"{where}: no schemaVersion; pass a `preview --format json` document")
    ours = SCHEMA_VERSION.split(".")[0]
    if version.split(".")[0] != ours:
        raise PreviewDocumentError(
            f"{where}: preview schema version {version}, this tool reads {ours}.x; build both previews "
            "with the same major version of staging-blueprint"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise PreviewDocumentError(f"{where}: not a valid preview document at {at}: {error.message}")


def _option_diffs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    wanted = {k: old.get(k) for k in OPTIONS}, {k: new.get(k) for k in OPTIONS}
    return [{**d, "path": f"options.{d['path']}"} for d in property_diffs(*wanted)]


def _brief(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "urn": resource["urn"],
        "type": resource["type"],
        "name": resource["name"],
        "custom": resource["custom"],
    }


def _pairs(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> tuple[list[Any], list[Any], list[Any]]:
    """(added, removed, matched pairs) by URN, then by the head's aliases of a base URN that is gone."""
    base_by_urn = {r["urn"]: r for r in base}
    head_urns = {r["urn"] for r in head}
    matched, added = [], []
    for resource in head:
        old = base_by_urn.get(resource["urn"])
        if old is None:
            aliases = resource.get("options", {}).get("aliases") or []
            old = next((base_by_urn[a] for a in aliases if a in base_by_urn and a not in head_urns), None)
        if old is None:
            added.append(resource)
        else:
            matched.append((old, resource))
    taken = {old["urn"] for old, _ in matched}
    removed = [r for r in base if r["urn"] not in taken]
    return added, removed, matched


def _finding_key(v: Mapping[str, Any]) -> tuple[str, str, str, str]:
    return (v["policy"], v["level"], v["urn"], v["message"])


def _findings(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    before = {_finding_key(v): v for v in base["policy"]["violations"]}
    after = {_finding_key(v): v for v in head["policy"]["violations"]}
    return {
        "appeared": [v for k, v in after.items() if k not in before],
        "disappeared": [v for k, v in before.items() if k not in after],
    }


def compare_reports(
    base: Mapping[str, Any], head: Mapping[str, Any], base_name: str = "base"
) -> dict[str, Any]:
    """The ``changes`` section of the head preview (see ``docs/preview-json.md``).

    Raises:
        PreviewDocumentError: the two previews are of different stacks or projects (compare stacks with
            ``parity`` instead).
    """
    if (base["project"], base["stack"]) != (head["project"], head["stack"]):
        raise PreviewDocumentError(
            f"{base_name}: a preview of {base['project']}/{base['stack']}, not {head['project']}/"
            f"{head['stack']}; compare previews of one stack (`parity` compares two stacks)"
        )
    added, removed, matched = _pairs(base["resources"], head["resources"])
    changed = []
    for old, new in matched:
        diffs = list(property_diffs(old["inputs"], new["inputs"])) + _option_diffs(
            old["options"], new["options"]
        )
        if diffs or old["urn"] != new["urn"]:
            renamed = old["urn"] if old["urn"] != new["urn"] else None
            changed.append(
                {
                    **_brief(new),
                    "renamedFrom": renamed,
                    "diffs": diffs,
                    "replacement": classify(new["type"], diffs, new["options"]),
                    "documents": list(changed_documents(old["inputs"], new["inputs"])),
                }
            )
    findings = _findings(base, head)
    section = {
        "base": {
            "file": base_name,
            "schemaVersion": base["schemaVersion"],
            "summary": base["summary"]["line"],
        },
        "added": [_brief(r) for r in added],
        "removed": [_brief(r) for r in removed],
        "changed": changed,
        "policy": findings,
        "newlyPublic": _newly_public(base, head),
    }
    section["summary"] = _summary(section)
    return section


def _newly_public(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[dict[str, str]]:
    """Entry points reachable from the internet in ``head`` but not in ``base`` (diagram node and label)."""
    before, after = public_entry_points(base), public_entry_points(head)
    return [{"node": node, "text": text} for node, text in after.items() if node not in before]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _summary(section: Mapping[str, Any]) -> dict[str, Any]:
    appeared = section["policy"]["appeared"]
    counts = {
        "added": len(section["added"]),
        "changed": len(section["changed"]),
        "removed": len(section["removed"]),
        "newMandatory": sum(1 for v in appeared if v["level"] == "mandatory"),
        "newAdvisory": sum(1 for v in appeared if v["level"] != "mandatory"),
        "resolved": len(section["policy"]["disappeared"]),
        "replaced": sum(1 for r in section["changed"] if r["replacement"]["decision"] == "replace"),
        "undecided": sum(1 for r in section["changed"] if r["replacement"]["decision"] == "undecided"),
    }
    line = f"+{counts['added']} ~{counts['changed']} -{counts['removed']}"
    if counts["replaced"]:
        line += f"; {_plural(counts['replaced'], 'replacement')}"
    if section["newlyPublic"]:
        line += f"; {_plural(len(section['newlyPublic']), 'new public entry point')}"
    if counts["newMandatory"]:
        line += f"; {_plural(counts['newMandatory'], 'new mandatory violation')}"
    if counts["newAdvisory"]:
        line += f"; {_plural(counts['newAdvisory'], 'new advisory violation')}"
    if counts["resolved"]:
        line += f"; {_plural(counts['resolved'], 'violation')} resolved"
    return {**counts, "line": line}
