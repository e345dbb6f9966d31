"""The change against a base preview, rendered for a reviewer: risk first, the change before the type.

Order of the Markdown section: the summary line; a **Risk first** list (new mandatory findings with their
remediation and how to record an exemption, replacements with what they lose and their source, IAM
changes); then one row per resource, replacements first, then deletions, IAM and undecided changes,
updates and creations. Every row leads with its change (``replace``, ``update``, ``create``, ``delete``),
then the resource and a short type (``vpc:SecurityGroupIngressRule``). Long JSON documents get a folded
``diff`` block each. Budget markers (``blueprint.report.budget``) let the comment shrink to GitHub's
limit without hiding that it did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from blueprint.markdown import md_cell
from blueprint.report.budget import ROWS_BEGIN, ROWS_END, fold_begin, fold_end
from blueprint.review.diffs import unified_diff

#: How long one side of a changed value may get in a table cell before it is cut (…).
MAX_VALUE_CHARS = 120
#: Diff lines shown per resource in the table; the rest are counted (the JSON report has all).
MAX_DIFFS_PER_ROW = 12
#: Risk order of the change kinds (lower first).
ORDER = {"replace": 0, "delete": 1, "iam": 2, "undecided": 3, "update": 4, "create": 5}
EXEMPTION_HINT = (
    'add `{"<rule>": {"exemptions": [{"resource": "<name>", "reason": "<why, 10+ chars>", '
    '"owner": "<team>", "expires": "YYYY-MM-DD"}]}}` to the `--policy-config` file (docs/reviewing.md)'
)


def short_type(type_token: str) -> str:
    """``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule`` -> ``vpc:SecurityGroupIngressRule``,
    ``kubernetes:networking.k8s.io/v1:NetworkPolicy`` -> ``k8s:NetworkPolicy``, ``staging:index:Database``
    -> ``Database``."""
    parts = type_token.split(":")
    if len(parts) != 3:
        return type_token
    package, module, name = parts
    if package == "kubernetes":
        return f"k8s:{name}"
    if module == "index" or module.startswith("index/"):
        return name if package == "staging" else f"{package}:{name}"
    return f"{module.split('/', 1)[0]}:{name}"


def _value(value: Any) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    shown = shown.replace("\n", " ")
    return shown if len(shown) <= MAX_VALUE_CHARS else shown[: MAX_VALUE_CHARS - 1] + "…"


def diff_text(diff: Mapping[str, Any]) -> str:
    """``path: old → new``; ``path: + new`` for an addition, ``path: - old`` for a deletion."""
    if diff["kind"] == "add":
        return f"{diff['path']}: + {_value(diff['new'])}"
    if diff["kind"] == "delete":
        return f"{diff['path']}: - {_value(diff['old'])}"
    return f"{diff['path']}: {_value(diff['old'])} → {_value(diff['new'])}"


def kind_of(row: Mapping[str, Any]) -> str:
    """The risk kind of a changed resource: replace, iam, undecided or update."""
    decision = row.get("replacement", {}).get("decision", "undecided")
    if decision == "replace":
        return "replace"
    if row["type"].startswith("aws:iam/"):
        return "iam"
    return "undecided" if decision == "undecided" else "update"


def change_rows(changes: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any], list[str]]]:
    """``(kind, resource, detail lines)`` in risk order (see ``ORDER``)."""
    rows: list[tuple[str, Mapping[str, Any], list[str]]] = []
    for r in changes["changed"]:
        details = [diff_text(d) for d in r["diffs"]]
        if len(details) > MAX_DIFFS_PER_ROW:
            extra = len(details) - MAX_DIFFS_PER_ROW
            details = [*details[:MAX_DIFFS_PER_ROW], f"... and {extra} more (the JSON report lists all)"]
        if r["renamedFrom"]:
            details.insert(0, f"renamed from {r['renamedFrom'].rsplit('::', 1)[-1]}")
        kind = kind_of(r)
        replacement = r.get("replacement") or {}
        if kind == "replace":
            details.append(
                f"replaced: {', '.join(replacement['properties'])} (source: {replacement['source']})"
            )
        elif replacement.get("decision") == "undecided":
            why = f" ({replacement['why']})" if replacement.get("why") else ""
            details.append(
                f"replace or update could not be decided offline{why}: check `pulumi preview --diff`"
            )
        rows.append((kind, r, details))
    rows += [("create", r, ["created"]) for r in changes["added"]]
    rows += [("delete", r, ["deleted"]) for r in changes["removed"]]
    return sorted(rows, key=lambda row: ORDER[row[0]])


def _md(value: Any) -> str:
    """A cell that may sit inside a code span: backticks become quotes."""
    return md_cell(value, "<br>").replace("`", "'")


_LONG_WORD = re.compile(r"[^\s<>]{40,}")


def _breakable(cell: str) -> str:
    """``cell`` with ``<wbr>`` after each ``.`` and ``/`` of words of 40+ characters (property paths such
    as ``spec.provider.kubernetes.envoyService.annotations.service.beta.kubernetes.io/...``), so GitHub
    wraps them instead of widening the table past the comment (it would scroll sideways)."""
    return _LONG_WORD.sub(lambda m: re.sub(r"([./])(?=\S)", r"\1<wbr>", m.group(0)), cell)


def _label(kind: str) -> str:
    return {
        "replace": "🔴 **replace**",
        "delete": "**delete**",
        "iam": "update (IAM)",
        "undecided": "update?",
    }.get(kind, kind)


def _resource(violation: Mapping[str, Any]) -> str:
    return violation["urn"].rsplit("::", 1)[-1] or "(stack)"


def _risks(changes: Mapping[str, Any], policies: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = []
    for v in changes["policy"]["appeared"]:
        if v["level"] != "mandatory":
            continue
        fix = (policies.get(v["policy"]) or {}).get("remediation") or "see the rule's description"
        lines.append(
            f"- ❌ new mandatory finding `{v['policy']}` on `{_md(_resource(v))}`: "
            f"{_md(v['message'])} **Fix:** {_md(fix)} **Or exempt it:** {EXEMPTION_HINT}."
        )
    for entry in changes.get("newlyPublic") or []:
        lines.append(
            f"- 🔴 **made public** by this change: {_md(entry['text'])} (red, dashed in the diagram)"
        )
    for kind, r, _details in change_rows(changes):
        if kind == "replace":
            rep = r["replacement"]
            lost = f"; loses {rep['loses']}" if rep.get("loses") else ""
            lines.append(
                f"- 🔴 **replace** `{_md(r['name'])}` ({short_type(r['type'])}): "
                f"{_md(', '.join(rep['properties']))} changed{_md(lost)}"
            )
        elif kind == "iam":
            shown = [diff_text(d) for d in r["diffs"]]
            more = f"; ... and {len(shown) - 3} more" if len(shown) > 3 else ""
            lines.append(f"- IAM `{_md(r['name'])}`: {_md('; '.join(shown[:3]) + more)}")
    return ["**Risk first**", "", *lines, ""] if lines else []


def _documents(changes: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for r in changes["changed"]:
        for doc in r.get("documents") or []:
            body = unified_diff(doc).replace("```", "'''")
            lines += [
                fold_begin("long-diff"),
                f"<details><summary><code>{_md(r['name'])}</code> {_md(doc['path'])}: before/after</summary>",
                "",
                "```diff",
                body,
                "```",
                "",
                "</details>",
                fold_end("long-diff"),
            ]
    return lines


def changes_markdown(
    changes: Mapping[str, Any], policies: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """The PR comment's change section (see the module docstring). ``policies`` maps a rule name to its
    entry in ``policy.policies`` (for the remediation of new mandatory findings)."""
    lines = [
        f"### Changes against `{_md(changes['base']['file'])}`",
        "",
        f"**{changes['summary']['line']}**",
        "",
    ]
    lines += _risks(changes, policies or {})
    rows = change_rows(changes)
    if rows:
        lines += [ROWS_BEGIN, "", "| change | resource | type | details |", "|---|---|---|---|"]
        for kind, r, details in rows:
            name, short = f"`{_md(r['name'])}`", f"`{short_type(r['type'])}`"
            lines.append(f"| {_label(kind)} | {name} | {short} | {_breakable(_md(chr(10).join(details)))} |")
        lines += ["", ROWS_END]
    else:
        lines.append("No resource changes.")
    for title, key in (("New policy findings", "appeared"), ("Resolved policy findings", "disappeared")):
        found = changes["policy"][key]
        if found:
            lines += ["", f"**{title}**", "", "| level | policy | resource | message |", "|---|---|---|---|"]
            for v in found:
                resource = v["urn"].rsplit("::", 1)[-1] or "(stack)"
                lines.append(
                    f"| **{v['level']}** | `{v['policy']}` | `{_md(resource)}` | {_md(v['message'])} |"
                )
    documents = _documents(changes)
    return [*lines, "", *([*documents, ""] if documents else [])]
