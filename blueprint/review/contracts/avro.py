"""Avro schema resolution (Avro 1.11 specification, "Schema Resolution"), as a static check.

``incompatibilities(reader, writer)`` lists every way data written with ``writer`` fails to resolve
against ``reader``. The rules, from the specification (the AWS Glue Schema Registry runs Avro 1.11.4):

- primitives match themselves; the writer's type may be promoted: int to long, float or double; long to
  float or double; float to double; string to bytes; bytes to string. Logical types resolve by their
  underlying type;
- records, enums and fixed match when their unqualified names are equal, or the reader lists the
  writer's full name among its aliases (as Apache Avro's ``SchemaCompatibility`` does); fixed sizes must
  be equal;
- record fields match by name or by the reader field's aliases, in any order; a writer field the reader
  lacks is ignored; a reader field the writer lacks needs a default;
- an enum symbol the reader lacks is an error unless the reader's enum has a ``default``;
- arrays and maps resolve their items and values;
- a writer union: every branch must resolve against the reader; a reader union (writer not a union): the
  first reader branch that matches the writer's type is resolved, none matching is an error.

Schemas are parsed with ``fastavro.parse_schema`` first (types, names, defaults), so a malformed schema
raises ``ValueError`` naming the problem instead of yielding a wrong verdict. Recursive types terminate:
a pair of named types already being compared is assumed compatible (the coinductive reading Apache Avro
uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastavro.schema import parse_schema

from blueprint.review.contracts.rules import Incompatibility

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
#: writer type -> reader types it may be promoted to (the specification's list).
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}
_NAMED = frozenset({"record", "error", "enum", "fixed"})


def parse(schema: Any) -> tuple[Any, dict[str, Any]]:
    """Parse an Avro schema (decoded JSON); returns it and its named types by full name.

    Raises:
        ValueError: not a valid Avro schema (fastavro's reason).
    """
    named: dict[str, Any] = {}
    try:
        parsed = parse_schema(schema, named, _write_hint=False)
    except Exception as exc:  # fastavro raises SchemaParseException, UnknownType, ValueError...
        raise ValueError(f"not a valid Avro schema: {exc}") from None
    return parsed, named


def incompatibilities(reader: Any, writer: Any) -> list[Incompatibility]:
    """Every reason data written with ``writer`` cannot be read with ``reader`` (empty: compatible).

    Args:
        reader, writer: Avro schemas as decoded JSON (``json.loads`` of an ``.avsc`` file).

    Raises:
        ValueError: either schema is not valid Avro.
    """
    reader_schema, reader_named = parse(reader)
    writer_schema, writer_named = parse(writer)
    return _Resolver(reader_named, writer_named).check(reader_schema, writer_schema, "")


def _namespace(fullname: str) -> str:
    return fullname.rpartition(".")[0]


def _unqualified(fullname: str) -> str:
    return fullname.rpartition(".")[2]


class _Resolver:
    def __init__(self, reader_named: Mapping[str, Any], writer_named: Mapping[str, Any]) -> None:
        self._reader_named, self._writer_named = reader_named, writer_named
        self._in_progress: set[tuple[str, str]] = set()

    def _deref(self, schema: Any, named: Mapping[str, Any]) -> Any:
        return named[schema] if isinstance(schema, str) and schema in named else schema

    def check(self, reader: Any, writer: Any, path: str) -> list[Incompatibility]:
        reader = self._deref(reader, self._reader_named)
        writer = self._deref(writer, self._writer_named)
        if isinstance(writer, list):
            found: list[Incompatibility] = []
            for branch in writer:
                found += self.check(reader, branch, path)
            return found
        if isinstance(reader, list):
            return self._reader_union(reader, writer, path)
        return self._match(reader, writer, path)

    def _reader_union(self, reader: list[Any], writer: Any, path: str) -> list[Incompatibility]:
        for branch in reader:
            resolved = self._deref(branch, self._reader_named)
            if self._type_matches(resolved, writer):
                return self._match(resolved, writer, path)
        return [
            Incompatibility(
                path or "(root)",
                "avro-union",
                f"the writer's {_label(writer, self._writer_named)} matches no branch of the reader's union "
                f"({', '.join(_label(b, self._reader_named) for b in reader)})",
            )
        ]

    def _type_matches(self, reader: Any, writer: Any) -> bool:
        """The specification's "match" (used to pick a reader union branch): same kind and name, or a
        promotion; nothing below the top level is compared."""
        if isinstance(reader, list) or isinstance(writer, list):
            return False
        reader_kind, writer_kind = _kind(reader), _kind(writer)
        if reader_kind != writer_kind:
            return reader_kind in PROMOTIONS.get(writer_kind, frozenset())
        if reader_kind in _NAMED:
            return self._names_match(reader, writer)
        return True

    def _names_match(self, reader: Mapping[str, Any], writer: Mapping[str, Any]) -> bool:
        reader_name, writer_name = reader["name"], writer["name"]
        if _unqualified(reader_name) == _unqualified(writer_name):
            return True
        namespace = _namespace(reader_name)
        aliases = {a if "." in a or not namespace else f"{namespace}.{a}" for a in reader.get("aliases", [])}
        return writer_name in aliases

    def _match(self, reader: Any, writer: Any, path: str) -> list[Incompatibility]:
        where = path or "(root)"
        reader_kind, writer_kind = _kind(reader), _kind(writer)
        if reader_kind != writer_kind:
            if reader_kind in PROMOTIONS.get(writer_kind, frozenset()):
                return []
            detail = f"the writer's {writer_kind} cannot be read as {reader_kind}"
            return [Incompatibility(where, "avro-type", detail)]
        if reader_kind in _NAMED and not self._names_match(reader, writer):
            detail = f"{writer_kind} {writer['name']} cannot be read as {reader['name']} (no alias)"
            return [Incompatibility(where, "avro-name", detail)]
        return self._inside(reader_kind, reader, writer, path)

    def _inside(self, reader_kind: str, reader: Any, writer: Any, path: str) -> list[Incompatibility]:
        """Two schemas of one kind (named types with matching names): compare what they hold."""
        where = path or "(root)"
        if reader_kind in ("record", "error"):
            return self._record(reader, writer, path)
        if reader_kind == "enum":
            return _enum(reader, writer, where)
        if reader_kind == "fixed" and reader["size"] != writer["size"]:
            detail = f"fixed {reader['name']}: writer size {writer['size']}, reader size {reader['size']}"
            return [Incompatibility(where, "avro-fixed-size", detail)]
        if reader_kind == "array":
            return self.check(reader["items"], writer["items"], f"{path}[]")
        if reader_kind == "map":
            return self.check(reader["values"], writer["values"], f"{path}{{}}")
        return []

    def _record(
        self, reader: Mapping[str, Any], writer: Mapping[str, Any], path: str
    ) -> list[Incompatibility]:
        pair = (reader["name"], writer["name"])
        if pair in self._in_progress:
            return []
        self._in_progress.add(pair)
        try:
            writer_fields = {f["name"]: f for f in writer["fields"]}
            found: list[Incompatibility] = []
            for field in reader["fields"]:
                field_path = f"{path}.{field['name']}" if path else field["name"]
                names = [field["name"], *field.get("aliases", [])]
                match = next((writer_fields[n] for n in names if n in writer_fields), None)
                if match is not None:
                    found += self.check(field["type"], match["type"], field_path)
                elif "default" not in field:
                    detail = (
                        f"field {field['name']} is not in the writer's {writer['name']} and has no default"
                    )
                    found.append(Incompatibility(field_path, "avro-field-no-default", detail))
            return found
        finally:
            self._in_progress.discard(pair)


def _enum(reader: Mapping[str, Any], writer: Mapping[str, Any], where: str) -> list[Incompatibility]:
    unknown = [s for s in writer["symbols"] if s not in reader["symbols"]]
    if not unknown or "default" in reader:
        return []
    detail = f"enum {reader['name']}: the reader lacks symbol(s) {', '.join(unknown)} and has no default"
    return [Incompatibility(where, "avro-enum-symbol", detail)]


def _kind(schema: Any) -> str:
    """``int``, ``record``, ``array``... for a parsed schema (logical types by their underlying type)."""
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    kind = schema["type"]
    return kind if isinstance(kind, str) else _kind(kind)


def _label(schema: Any, named: Mapping[str, Any]) -> str:
    if isinstance(schema, str) and schema in named:
        return schema
    if isinstance(schema, dict) and "name" in schema:
        return f"{schema['type']} {schema['name']}"
    return _kind(schema)
