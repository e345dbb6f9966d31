"""Structural differences between two recorded input values, for ``preview --compare``.

A change deep inside a JSON document or a list must show *what* changed, not two identical prefixes:

- objects are compared key by key (``brokerNodeGroupInfo.instanceType``);
- lists are aligned by content (``difflib.SequenceMatcher`` over each element's canonical JSON), so an
  element added to a list of rules or actions is one ``add`` at its index (``ingress[2]``), not a change
  of every element after it; aligned blocks of equal size are compared element by element;
- a string holding a JSON object or array (an IAM, key or resource policy, a schema definition) is
  parsed and compared the same way, its paths continuing inside the document
  (``policy.Statement[1].Action[2]``); the whole before/after is kept once per document, pretty-printed,
  for the folded ``diff`` block.

Each difference is ``{"path", "kind": add|delete|update, "old", "new"}``; numbers are the wire format's
plain numbers (``5432``, not ``5432.0``).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import Any

from blueprint.engine.graph import plain_numbers


def parse_document(value: Any) -> Any:
    """The parsed JSON object or array a string holds, or None (also for plain strings and numbers)."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _key(value: Any) -> str:
    return json.dumps(plain_numbers(value), sort_keys=True)


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list_diffs(old: list[Any], new: list[Any], path: str) -> Iterator[dict[str, Any]]:
    matcher = difflib.SequenceMatcher(a=[_key(v) for v in old], b=[_key(v) for v in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            yield from property_diffs(old[i1 + k], new[j1 + k], f"{path}[{j1 + k}]")
        for i in range(i1 + paired, i2):
            yield {"path": f"{path}[{i}]", "kind": "delete", "old": plain_numbers(old[i]), "new": None}
        for j in range(j1 + paired, j2):
            yield {"path": f"{path}[{j}]", "kind": "add", "old": None, "new": plain_numbers(new[j])}


def property_diffs(old: Any, new: Any, path: str = "") -> Iterator[dict[str, Any]]:
    """Leaf-level differences between two values (see the module docstring); empty when equal."""
    old_doc, new_doc = parse_document(old), parse_document(new)
    if old_doc is not None and new_doc is not None:
        old, new = old_doc, new_doc
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            child = _child(path, key)
            if key not in old:
                yield {"path": child, "kind": "add", "old": None, "new": plain_numbers(new[key])}
            elif key not in new:
                yield {"path": child, "kind": "delete", "old": plain_numbers(old[key]), "new": None}
            else:
                yield from property_diffs(old[key], new[key], child)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _list_diffs(old, new, path)
    elif (before := plain_numbers(old)) != (after := plain_numbers(new)):
        yield {"path": path or "(value)", "kind": "update", "old": before, "new": after}


def changed_documents(old: Any, new: Any, path: str = "") -> Iterator[dict[str, str]]:
    """``{"path", "old", "new"}`` for every JSON document held in a string that differs between ``old``
    and ``new`` (both sides pretty-printed with sorted keys), for the full before/after block."""
    old_doc, new_doc = parse_document(old), parse_document(new)
    if old_doc is not None and new_doc is not None:
        if _key(old_doc) != _key(new_doc):
            yield {
                "path": path or "(value)",
                "old": json.dumps(plain_numbers(old_doc), indent=2, sort_keys=True),
                "new": json.dumps(plain_numbers(new_doc), indent=2, sort_keys=True),
            }
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) & set(new)):
            yield from changed_documents(old[key], new[key], _child(path, key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from changed_documents(a, b, f"{path}[{index}]")


def unified_diff(document: dict[str, str]) -> str:
    """A unified diff of one changed document (``changed_documents`` entry), for a ``diff`` code block."""
    lines = difflib.unified_diff(
        document["old"].splitlines(),
        document["new"].splitlines(),
        fromfile=f"base {document['path']}",
        tofile=f"head {document['path']}",
        lineterm="",
    )
    return "\n".join(lines)
