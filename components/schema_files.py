"""Topic contracts as files: ``schemas/<subject>.<ext>`` is the single source of truth of a topic's schema.

The extension decides the format (``.avsc`` Avro, ``.json`` JSON Schema, ``.proto`` Protobuf) and the file
stem is the schema's name in the Glue registry (e.g. ``orders.order-placed``). This module reads and checks
the files; it imports nothing from Pulumi, so the stack config can check references without loading a
provider.

Validity (``validate_schema``):
- Avro: ``fastavro.parse_schema`` (types, names, enum symbols, defaults matching their types). It is
  lenient in places (it accepts a record without ``fields``); Glue rejects those when it registers them.
- JSON Schema: the draft the document declares in ``$schema`` (default 2020-12), via
  ``jsonschema.validators.validator_for(...).check_schema`` against its metaschema.
- Protobuf: no protoc is available here, so only a structural check: a ``syntax = "proto2"|"proto3"``
  line, balanced braces, at least one ``message`` block with a name. Type errors inside a message are
  found only by Glue when it registers the schema (it parses Protobuf itself).

``fastavro`` and ``jsonschema`` are development dependencies (``requirements-dev.txt``); they are imported
only when a file is validated (tests and CI do it for every file), never during ``pulumi up``, where Glue
validates definitions when it registers them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

DataFormat = Literal["AVRO", "JSON", "PROTOBUF"]

#: File extension -> Glue data format.
SCHEMA_FORMATS: dict[str, DataFormat] = {".avsc": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}
#: Compatibility modes of a Glue schema (Glue API ``Compatibility``).
COMPATIBILITY_MODES = (
    "NONE", "DISABLED", "BACKWARD", "BACKWARD_ALL", "FORWARD", "FORWARD_ALL", "FULL", "FULL_ALL",
)  # fmt: skip
#: The repository's schema directory.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
#: Glue schema names: 1-255 of letters, digits and ``-_$#.`` (Glue API ``SchemaId``).
_SCHEMA_NAME = re.compile(r"[A-Za-z0-9_$#.-]{1,255}")
#: Glue's limit on a schema definition, in characters (Glue API ``CreateSchema``).
MAX_DEFINITION_CHARS = 170_000


class SchemaError(ValueError):
    """A schema file is unusable; the message names the file and what to fix."""


@dataclass(frozen=True)
class SchemaFile:
    """One schema to register.

    Attributes:
        name: registry name of the schema (the file stem).
        data_format: ``AVRO``, ``JSON`` or ``PROTOBUF``.
        definition: the file's text.
        compatibility: Glue compatibility mode (default ``BACKWARD``: new readers read old data).
    """

    name: str
    data_format: DataFormat
    definition: str
    compatibility: str = "BACKWARD"


def data_format_of(path: Path) -> DataFormat:
    """The Glue data format of a schema file, from its extension.

    Raises:
        SchemaError: the extension is not one of ``SCHEMA_FORMATS``.
    """
    try:
        return SCHEMA_FORMATS[path.suffix]
    except KeyError:
        allowed = ", ".join(SCHEMA_FORMATS)
        raise SchemaError(
            f"{path.name}: unknown schema format; use one of the extensions {allowed}"
        ) from None


def read_schema_file(path: Path, compatibility: str = "BACKWARD") -> SchemaFile:
    """Read ``path`` into a ``SchemaFile`` (format from the extension, name from the stem).

    Raises:
        SchemaError: unknown extension, a name Glue rejects, an unknown compatibility mode, or a file
            larger than Glue accepts.
        OSError: the file cannot be read.
    """
    data_format = data_format_of(path)
    if not _SCHEMA_NAME.fullmatch(path.stem):
        raise SchemaError(f"{path.name}: the file stem must be 1-255 letters, digits or -_$#.")
    if compatibility not in COMPATIBILITY_MODES:
        raise SchemaError(f"{path.name}: compatibility must be one of {', '.join(COMPATIBILITY_MODES)}")
    definition = path.read_text(encoding="utf-8")
    if len(definition) > MAX_DEFINITION_CHARS:
        raise SchemaError(f"{path.name}: Glue accepts at most {MAX_DEFINITION_CHARS} characters")
    return SchemaFile(path.stem, data_format, definition, compatibility)


def validate_schema(schema: SchemaFile) -> None:
    """Check that ``schema.definition`` is a valid schema of its format (see the module docstring).

    Raises:
        SchemaError: with the parser's reason.
    """
    try:
        if schema.data_format == "PROTOBUF":
            _check_protobuf(schema.definition)
            return
        document = json.loads(schema.definition)
        if schema.data_format == "AVRO":
            import fastavro

            fastavro.parse_schema(document)
        else:
            import jsonschema

            if not isinstance(document, dict):
                raise SchemaError("a JSON Schema document must be an object")
            jsonschema.validators.validator_for(document).check_schema(document)
    except SchemaError as exc:
        raise SchemaError(f"{schema.name}: {exc}") from None
    except Exception as exc:  # each library raises its own error types; all mean "not a valid schema"
        raise SchemaError(f"{schema.name}: not a valid {schema.data_format} schema: {exc}") from None


_PROTO_SYNTAX = re.compile(r'^\s*syntax\s*=\s*"proto[23]"\s*;', re.MULTILINE)
_PROTO_MESSAGE = re.compile(r"\bmessage\s+[A-Za-z_][A-Za-z0-9_]*\s*\{")
_PROTO_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def _check_protobuf(text: str) -> None:
    code = _PROTO_COMMENTS.sub("", text)
    if not _PROTO_SYNTAX.search(code):
        raise SchemaError('missing `syntax = "proto3";` (or proto2) line')
    if not _PROTO_MESSAGE.search(code):
        raise SchemaError("no `message <Name> { ... }` block")
    depth = 0
    for char in code:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            raise SchemaError("unbalanced braces: `}` without `{`")
    if depth:
        raise SchemaError("unbalanced braces: a block is not closed")
