"""Topic contracts as files: ``schemas/<subject>.<ext>`` is the single source of truth of a topic's schema.

The extension decides the format (``.avsc`` Avro, ``.json`` JSON Schema, ``.proto`` Protobuf) and the file
stem is the schema's name in the Glue registry (e.g. ``orders.order-placed``). This module reads and checks
the files; it imports nothing from Pulumi, so the stack config can check references without loading a
provider.

Reading a file checks what Glue would reject before any resource is touched: the format, the name, the
size, that ``.avsc`` and ``.json`` files are JSON, and that a JSON Schema declares a draft Glue accepts
(draft-04, -06 or -07; ``components.aws_limits.GLUE_JSON_SCHEMA_DRAFTS``). Full validity of each format is
checked in development by ``blueprint/devtools/schema_check.py`` (tests run it on every file); Glue validates
definitions again when it registers them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from components.aws_limits import (
    GLUE_JSON_SCHEMA_DRAFTS,
    GLUE_JSON_SCHEMA_SOURCE,
    GLUE_NAME,
    GLUE_SCHEMA_DEFINITION,
)

DataFormat = Literal["AVRO", "JSON", "PROTOBUF"]

#: File extension -> Glue data format.
SCHEMA_FORMATS: dict[str, DataFormat] = {".avsc": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}
#: Compatibility modes of a Glue schema (Glue API ``Compatibility``).
COMPATIBILITY_MODES = (
    "NONE", "DISABLED", "BACKWARD", "BACKWARD_ALL", "FORWARD", "FORWARD_ALL", "FULL", "FULL_ALL",
)  # fmt: skip
#: The repository's schema directory.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
#: Glue schema names: letters, digits and ``-_$#.`` (Glue API ``SchemaId``).
_SCHEMA_NAME = re.compile(rf"[A-Za-z0-9_$#.-]{{{GLUE_NAME.low},{GLUE_NAME.high}}}")
#: Glue's limit on a schema definition, in characters (Glue API ``CreateSchema``).
MAX_DEFINITION_CHARS = GLUE_SCHEMA_DEFINITION.high
#: ``$schema`` URI -> draft, for the drafts Glue accepts (``http``/``https``, with or without ``#``).
_DRAFT_URI = re.compile(r"https?://json-schema\.org/(draft-0[467])/schema#?")
#: The ``$schema`` to use (the newest draft Glue accepts).
DEFAULT_JSON_SCHEMA = "http://json-schema.org/draft-07/schema#"


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
        SchemaError: unknown extension, a name Glue rejects, an unknown compatibility mode, a file larger
            than Glue accepts, an ``.avsc``/``.json`` file that is not JSON, or a JSON Schema draft Glue
            does not accept.
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
    if data_format != "PROTOBUF":
        document = _parse_json(path, definition)
        if data_format == "JSON":
            json_schema_draft(path.name, document)
    return SchemaFile(path.stem, data_format, definition, compatibility)


def _parse_json(path: Path, definition: str) -> Any:
    try:
        return json.loads(definition)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path.name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None


def json_schema_draft(file_name: str, document: Any) -> str:
    """The draft a JSON Schema document declares in ``$schema`` (``draft-07`` when it declares none).

    Raises:
        SchemaError: the document is not an object, or ``$schema`` names a draft Glue does not accept
            (Glue validates with the Everit library, which accepts draft-04, -06 and -07 only).
    """
    if not isinstance(document, dict):
        raise SchemaError(f"{file_name}: a JSON Schema document must be an object")
    declared = document.get("$schema")
    if declared is None:
        return "draft-07"
    match = _DRAFT_URI.fullmatch(declared) if isinstance(declared, str) else None
    if match is None or match.group(1) not in GLUE_JSON_SCHEMA_DRAFTS:
        raise SchemaError(
            f"{file_name}: $schema {declared!r} is not a JSON Schema draft the Glue Schema Registry accepts "
            f"({', '.join(GLUE_JSON_SCHEMA_DRAFTS)}; {GLUE_JSON_SCHEMA_SOURCE}); use {DEFAULT_JSON_SCHEMA!r}"
        )
    return match.group(1)
