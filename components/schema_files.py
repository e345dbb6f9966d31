"""Topic contracts as files: ``schemas/<subject>.<ext>`` is the single source of truth of a topic's schema.

The extension decides the format (``.avsc`` Avro, ``.json`` JSON Schema, ``.proto`` Protobuf) and the file
stem is the schema's name in the Glue registry (e.g. ``orders.order-placed``). This module reads and checks
the files; it imports nothing from Pulumi, so the stack config can check references without loading a
provider.

Validity of each format is checked in development by ``blueprint/schema_check.py`` (tests run it on
every file); Glue validates definitions again when it registers them.
"""

from __future__ import annotations

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
