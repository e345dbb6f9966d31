"""Validity of the topic contracts under ``schemas/`` (a development check: tests run it on every file).

- Avro: ``fastavro.parse_schema`` (types, names, enum symbols, defaults matching their types). It is
  lenient in places (it accepts a record without ``fields``); Glue rejects those when it registers them.
- JSON Schema: against the metaschema of the draft the document declares in ``$schema``: draft-04, -06 or
  -07, the drafts the Glue Schema Registry accepts (draft-07 when ``$schema`` is absent, as Glue's Everit
  validator assumes); any other ``$schema`` is rejected (``components.schema_files.json_schema_draft``).
- Protobuf: no protoc is available here, so only a structural check: a ``syntax = "proto2"|"proto3"``
  line, balanced braces, at least one ``message`` block with a name. Type errors inside a message are
  found only by Glue when it registers the schema (it parses Protobuf itself).

It lives with the tools, not in ``components/``, because fastavro and jsonschema are development
dependencies (``requirements-dev.txt``) that ``pulumi up`` does not install.
"""

from __future__ import annotations

import json
import re

import fastavro
from jsonschema import Draft4Validator, Draft6Validator, Draft7Validator

from components.schema_files import SchemaError, SchemaFile, json_schema_draft

#: Validator per draft Glue accepts (``components.aws_limits.GLUE_JSON_SCHEMA_DRAFTS``).
_VALIDATORS = {"draft-04": Draft4Validator, "draft-06": Draft6Validator, "draft-07": Draft7Validator}


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
            fastavro.parse_schema(document)
        else:
            _VALIDATORS[json_schema_draft(schema.name, document)].check_schema(document)
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
