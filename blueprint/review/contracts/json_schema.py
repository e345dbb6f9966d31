"""JSON Schema compatibility (draft-04, -06, -07: the drafts AWS Glue accepts), as a static check.

``incompatibilities(reader, writer)`` lists the ways a document valid under ``writer`` can be invalid
under ``reader``. The rules follow what the Confluent Schema Registry ("JSON Schema compatibility
rules", open and closed content models) and AWS Glue document:

- types: the reader must allow every type the writer allows (``integer`` fits ``number``);
- ``enum``/``const``: the reader's values must include the writer's;
- objects: a property the reader newly requires breaks; a property only the writer declares breaks when
  the reader's content model is closed (``additionalProperties: false``) and is checked against the
  reader's ``additionalProperties`` schema otherwise; a property only the reader declares breaks when the
  writer's model is open (absent or ``true``: old data may already carry it with any type) and is
  checked against the writer's ``additionalProperties`` schema when that is a schema; closing a content
  model (or narrowing ``additionalProperties``) breaks;
- bounds: a reader ``minimum``/``maximum`` (inclusive or exclusive, draft-04 booleans included),
  ``minLength``/``maxLength``, ``minItems``/``maxItems``, ``minProperties``/``maxProperties``,
  ``multipleOf``, ``pattern``, ``format`` or ``uniqueItems`` stricter than the writer's breaks;
- ``items`` (one schema or a tuple), ``anyOf``/``oneOf`` (every writer alternative must fit some reader
  alternative), ``allOf`` (the writer's conjuncts are merged; each reader conjunct must hold), and local
  ``$ref`` (``#/definitions/..``, ``#/$defs/..``) are followed;
- anything else that constrains (``not``, ``if``/``then``/``else``, ``dependencies``,
  ``propertyNames``, ``patternProperties``, ``contains``, ``additionalItems``, remote ``$ref``) is
  compared literally: a difference is reported as unverifiable rather than assumed compatible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blueprint.review.contracts.json_bounds import bound_problems
from blueprint.review.contracts.rules import Incompatibility

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
#: Keywords compared literally (see the module docstring).
UNVERIFIABLE = (
    "not", "if", "then", "else", "dependencies", "dependentRequired", "dependentSchemas",
    "propertyNames", "patternProperties", "contains", "additionalItems",
)  # fmt: skip


def incompatibilities(reader: Any, writer: Any) -> list[Incompatibility]:
    """Every way a document valid under ``writer`` can fail ``reader`` (empty: compatible).

    Args:
        reader, writer: JSON Schema documents (decoded JSON), draft-04/06/07.
    """
    return _Checker(reader, writer).check(reader, writer, "")


def _types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    return frozenset([declared] if isinstance(declared, str) else declared)


def _enum(schema: Mapping[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _closed(schema: Mapping[str, Any]) -> bool:
    return schema.get("additionalProperties") is False


def _open(schema: Mapping[str, Any]) -> bool:
    extra = schema.get("additionalProperties", True)
    return extra is True or extra == {}


class _Checker:
    def __init__(self, reader_root: Any, writer_root: Any) -> None:
        self._roots = (reader_root, writer_root)
        self._in_progress: set[tuple[str, str]] = set()

    def _resolve(self, schema: Any, side: int) -> Any:
        """Follow local ``$ref`` chains (``#/definitions/x``, ``#/$defs/x``); other refs stay as they are."""
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
            target = _pointer(self._roots[side], schema["$ref"])
            if target is None:
                return schema
            schema, seen = target, seen + 1
        return schema

    def check(self, reader: Any, writer: Any, path: str) -> list[Incompatibility]:
        refs = (_ref(reader), _ref(writer))
        if refs[0] and refs[1]:
            if refs in self._in_progress:
                return []
            self._in_progress.add(refs)
        try:
            return self._check(self._resolve(reader, 0), self._resolve(writer, 1), path)
        finally:
            self._in_progress.discard(refs)

    def _check(self, reader: Any, writer: Any, path: str) -> list[Incompatibility]:
        where = path or "(root)"
        if reader is True or reader == {}:
            return []
        if writer is False:
            return []
        if reader is False:
            return [Incompatibility(where, "json-type", "the reader schema is `false` and accepts nothing")]
        writer = {} if writer is True else writer
        if not isinstance(reader, Mapping) or not isinstance(writer, Mapping):
            return []
        writer = _merge_all_of(writer)
        found = self._all_of(reader, writer, path)
        if any(k in schema for k in ("anyOf", "oneOf") for schema in (reader, writer)):
            # each alternative was checked with the keywords next to it: nothing is left to compare
            return found + self._combinators(reader, writer, path)
        found += _type_problems(reader, writer, where) + _enum_problems(reader, writer, where)
        found += bound_problems(reader, writer, where) + _literal_problems(reader, writer, where)
        found += self._object(reader, writer, path) + self._items(reader, writer, path)
        return found

    def _all_of(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        found: list[Incompatibility] = []
        for conjunct in reader.get("allOf", []):
            found += self.check(conjunct, writer, path)
        return found

    def _combinators(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        writer_branches = writer.get("anyOf") or writer.get("oneOf")
        reader_branches = reader.get("anyOf") or reader.get("oneOf")
        if writer_branches is not None:
            base = {k: v for k, v in writer.items() if k not in ("anyOf", "oneOf")}
            found: list[Incompatibility] = []
            for branch in writer_branches:
                found += self.check(reader, _with(base, self._resolve(branch, 1)), path)
            return found
        if reader_branches is None:
            return []
        base = {k: v for k, v in reader.items() if k not in ("anyOf", "oneOf")}
        if any(not self.check(_with(base, self._resolve(b, 0)), writer, path) for b in reader_branches):
            return []
        detail = "the writer's schema fits none of the reader's anyOf/oneOf alternatives"
        return [Incompatibility(path or "(root)", "json-combinator", detail)]

    def _object(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        reader_types, writer_types = _types(reader), _types(writer)
        if reader_types is not None and "object" not in reader_types:
            return []
        if writer_types is not None and "object" not in writer_types:
            return []
        found = _required_problems(reader, writer, path)
        reader_props, writer_props = reader.get("properties", {}), writer.get("properties", {})
        for name in sorted(set(reader_props) | set(writer_props)):
            found += self._property(reader, writer, name, path)
        found += self._additional(reader, writer, path)
        return found

    def _property(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], name: str, path: str
    ) -> list[Incompatibility]:
        reader_props, writer_props = reader.get("properties", {}), writer.get("properties", {})
        where = _at(path, name)
        if name in reader_props and name in writer_props:
            return self.check(reader_props[name], writer_props[name], where)
        if name in writer_props:  # only the writer declares it
            if _closed(reader):
                detail = f"the writer declares {name}; the reader's content model is closed"
                return [Incompatibility(where, "json-closed-property", detail)]
            extra = reader.get("additionalProperties", True)
            return self.check(extra, writer_props[name], where)
        return self._reader_only(reader_props[name], writer, name, where)

    def _reader_only(
        self, schema: Any, writer: Mapping[str, Any], name: str, where: str
    ) -> list[Incompatibility]:
        """A property only the reader declares: what may the writer's data hold under that name?"""
        if _closed(writer):  # nothing: the writer never sends it
            return []
        if not _open(writer):  # what the writer's additionalProperties schema allows
            return self.check(schema, writer["additionalProperties"], where)
        if not self.check(schema, True, where):  # anything, and the reader accepts anything
            return []
        detail = f"the writer's content model is open, so its data may carry {name} with any value"
        return [Incompatibility(where, "json-open-property", detail)]

    def _additional(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        if _open(reader) or _closed(writer):
            return []
        where = path or "(root)"
        if _closed(reader):
            detail = "the writer allows undeclared properties; the reader's additionalProperties is false"
            return [Incompatibility(where, "json-content-model", detail)]
        narrowed = self.check(reader["additionalProperties"], writer.get("additionalProperties", True), where)
        if narrowed:
            detail = (
                "the reader's additionalProperties schema rejects undeclared properties the writer allows"
            )
            return [Incompatibility(where, "json-content-model", detail)]
        return []

    def _items(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        reader_items, writer_items = reader.get("items"), writer.get("items")
        if reader_items is None:
            return []
        where = f"{path}[]"
        if isinstance(reader_items, list) or isinstance(writer_items, list):
            reader_list = reader_items if isinstance(reader_items, list) else None
            writer_list = writer_items if isinstance(writer_items, list) else None
            if reader_list is None or writer_list is None:
                detail = "items changed between one schema and a tuple"
                return [Incompatibility(where, "json-unverifiable", detail)]
            found: list[Incompatibility] = []
            for index, (r, w) in enumerate(zip(reader_list, writer_list, strict=False)):
                found += self.check(r, w, f"{path}[{index}]")
            return found
        return self.check(reader_items, True if writer_items is None else writer_items, where)


def _type_problems(reader: Mapping[str, Any], writer: Mapping[str, Any], where: str) -> list[Incompatibility]:
    reader_types, writer_types = _types(reader), _types(writer)
    if reader_types is None:
        return []
    allowed = set(reader_types) | ({"integer"} if "number" in reader_types else set())
    extra = sorted((writer_types if writer_types is not None else ALL_TYPES) - allowed)
    if not extra:
        return []
    detail = f"the writer allows {', '.join(extra)}; the reader allows only {', '.join(sorted(reader_types))}"
    return [Incompatibility(where, "json-type", detail)]


def _enum_problems(reader: Mapping[str, Any], writer: Mapping[str, Any], where: str) -> list[Incompatibility]:
    reader_values, writer_values = _enum(reader), _enum(writer)
    if reader_values is None:
        return []
    if writer_values is None:
        return [
            Incompatibility(where, "json-enum", "the reader restricts values to an enum; the writer does not")
        ]
    missing = [v for v in writer_values if v not in reader_values]
    if not missing:
        return []
    return [
        Incompatibility(where, "json-enum", f"the reader does not accept {', '.join(map(repr, missing))}")
    ]


def _required_problems(
    reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
) -> list[Incompatibility]:
    newly = sorted(set(reader.get("required", [])) - set(writer.get("required", [])))
    return [
        Incompatibility(_at(path, name), "json-required", f"the reader requires {name}; the writer does not")
        for name in newly
    ]


def _literal_problems(
    reader: Mapping[str, Any], writer: Mapping[str, Any], where: str
) -> list[Incompatibility]:
    found = []
    for keyword in UNVERIFIABLE:
        if keyword in reader and reader.get(keyword) != writer.get(keyword):
            detail = f"`{keyword}` differs between reader and writer"
            found.append(Incompatibility(where, "json-unverifiable", detail))
    ref = reader.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#") and ref != writer.get("$ref"):
        found.append(Incompatibility(where, "json-unverifiable", f"remote $ref {ref} differs"))
    return found


def _merge_all_of(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """The writer with its ``allOf`` conjuncts folded in (properties and required united); every
    document valid under the writer satisfies the merge, so checking it is sound."""
    conjuncts = schema.get("allOf")
    if not isinstance(conjuncts, list):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in conjuncts:
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = sorted(set(merged.get("required", [])) | set(value))
            else:
                merged.setdefault(key, value)
    return merged


def _with(base: Mapping[str, Any], branch: Any) -> Any:
    """An anyOf/oneOf alternative together with the keywords next to the combinator."""
    if isinstance(branch, Mapping):
        return {**base, **branch}
    return base if branch is True else branch


def _ref(schema: Any) -> str:
    return schema["$ref"] if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) else ""


def _pointer(root: Any, ref: str) -> Any:
    """The target of a local JSON pointer ``#/a/b`` in ``root``; None when it is not local or missing."""
    if not ref.startswith("#"):
        return None
    node = root
    for raw in [p for p in ref[1:].split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
