"""Schema files (valid for their format) and the Glue registry that publishes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blueprint.devtools.schema_check import validate_schema
from components.schema_files import (
    SCHEMA_DIR,
    SchemaError,
    SchemaFile,
    read_schema_file,
)
from components.schema_registry import SchemaRegistry, SchemaRegistryArgs
from tests.support import TAGS, inputs, one, record, taggable_types, untagged

SCHEMA_FILES = sorted(p for p in SCHEMA_DIR.iterdir() if p.is_file())
GLUE_SCHEMA = "aws:glue/schema:Schema"

VALID_PROTO = """
// A comment with { an unbalanced brace is ignored
syntax = "proto3";
package shipping.v1;
message ParcelShipped {
  string parcel_id = 1;
  message Address { string country = 1; }
  Address destination = 2;
}
"""


def test_the_repository_has_topic_contracts():
    assert len(SCHEMA_FILES) >= 2


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_schema_file_is_valid_for_its_format(path: Path):
    schema = read_schema_file(path)
    assert schema.name == path.stem
    assert schema.data_format == {".avsc": "AVRO", ".json": "JSON", ".proto": "PROTOBUF"}[path.suffix]
    validate_schema(schema)


@pytest.mark.parametrize(
    ("data_format", "definition", "reason"),
    [
        ("AVRO", '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "strng"}]}', "strng"),
        (
            "AVRO",
            '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}',
            "Default",
        ),
        ("AVRO", '{"type": "enum", "name": "E", "symbols": ["A", "A"]}', "unique"),
        ("AVRO", "{not json", "not a valid AVRO schema"),
        ("JSON", '{"type": "objekt"}', "objekt"),
        ("JSON", '{"properties": {"a": {"minimum": "zero"}}}', "zero"),
        ("JSON", "[1, 2]", "must be an object"),
        ("PROTOBUF", "message A { string a = 1; }", "syntax"),
        ("PROTOBUF", 'syntax = "proto3";\nenum E { A = 0; }', "no `message"),
        ("PROTOBUF", 'syntax = "proto3";\nmessage A { string a = 1;', "not closed"),
        ("PROTOBUF", 'syntax = "proto3";\nmessage A { } }', "without"),
    ],
)
def test_an_invalid_schema_fails_validation(data_format, definition, reason):
    with pytest.raises(SchemaError, match=reason):
        validate_schema(SchemaFile("broken", data_format, definition))


@pytest.mark.parametrize(
    "declared",
    [
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-03/schema#",
        "http://json-schema.org/schema#",
    ],
)
def test_json_schema_drafts_glue_rejects_are_refused_naming_the_file(tmp_path: Path, declared):
    # Glue validates JSON Schema with Everit: draft-04, -06 and -07 only (Glue Developer Guide).
    path = tmp_path / "payments.refunded.json"
    path.write_text(json.dumps({"$schema": declared, "type": "object"}))
    with pytest.raises(
        SchemaError, match=r"payments\.refunded\.json: \$schema .*\(draft-04, draft-06, draft-07; "
    ):
        read_schema_file(path)
    with pytest.raises(SchemaError, match="draft-04, draft-06, draft-07"):
        validate_schema(SchemaFile("payments.refunded", "JSON", path.read_text()))


@pytest.mark.parametrize(
    "declared",
    [
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-07/schema#",
        "https://json-schema.org/draft-07/schema",
    ],
)
def test_json_schema_drafts_glue_accepts_pass(tmp_path: Path, declared):
    path = tmp_path / "payments.refunded.json"
    path.write_text(json.dumps({"$schema": declared, "type": "object", "required": ["a"]}))
    validate_schema(read_schema_file(path))


def test_a_json_schema_without_schema_is_checked_as_draft_07():
    # draft-07 allows a boolean `exclusiveMinimum` nowhere: it must be a number (draft-04 wanted a boolean).
    with pytest.raises(SchemaError, match="True is not of type 'number'"):
        validate_schema(SchemaFile("x", "JSON", '{"type": "integer", "exclusiveMinimum": true}'))
    validate_schema(SchemaFile("x", "JSON", '{"type": "integer", "exclusiveMinimum": 0}'))


def test_the_repository_json_schemas_declare_draft_07():
    for path in SCHEMA_DIR.glob("*.json"):
        assert json.loads(path.read_text())["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_unparsable_json_schema_files_are_refused_with_line_and_column(tmp_path: Path):
    (tmp_path / "a.avsc").write_text('{"type": "record",\n "name": }')
    with pytest.raises(SchemaError, match=r"a\.avsc:2:10: not valid JSON"):
        read_schema_file(tmp_path / "a.avsc")


def test_a_structurally_sound_protobuf_schema_passes():
    validate_schema(SchemaFile("shipping.parcel-shipped", "PROTOBUF", VALID_PROTO))


def test_read_rejects_unknown_formats_names_and_modes(tmp_path: Path):
    (tmp_path / "a.xml").write_text("<a/>")
    (tmp_path / "bad name.avsc").write_text("{}")
    (tmp_path / "ok.avsc").write_text('"string"')
    with pytest.raises(SchemaError, match=r"use one of the extensions \.avsc, \.json, \.proto"):
        read_schema_file(tmp_path / "a.xml")
    with pytest.raises(SchemaError, match="file stem"):
        read_schema_file(tmp_path / "bad name.avsc")
    with pytest.raises(SchemaError, match="compatibility must be one of"):
        read_schema_file(tmp_path / "ok.avsc", compatibility="SIDEWAYS")
    assert read_schema_file(tmp_path / "ok.avsc", "FULL").compatibility == "FULL"


def build(schemas):
    args = SchemaRegistryArgs(registry_name="staging-blueprint-test", tags=TAGS, schemas=schemas)
    return record(lambda: SchemaRegistry("schemas", args))


def test_registry_publishes_one_glue_schema_per_file():
    files = [read_schema_file(p, "FORWARD" if i else "BACKWARD") for i, p in enumerate(SCHEMA_FILES)]
    graph = build(files)
    registry = one(graph, "aws:glue/registry:Registry")
    assert inputs(registry)["registryName"] == "staging-blueprint-test"
    published = {inputs(s)["schemaName"]: inputs(s) for s in graph.of_type(GLUE_SCHEMA)}
    assert set(published) == {p.stem for p in SCHEMA_FILES}
    for i, path in enumerate(SCHEMA_FILES):
        schema = published[path.stem]
        assert schema["registryArn"] == registry.outputs["arn"]
        assert schema["schemaDefinition"] == path.read_text(encoding="utf-8")
        assert schema["dataFormat"] == read_schema_file(path).data_format
        assert schema["compatibility"] == ("FORWARD" if i else "BACKWARD")
    assert len([r for r in graph.resources if r.type in taggable_types()]) >= 3
    assert untagged(graph, TAGS) == []


def test_compatibility_defaults_to_backward():
    [schema] = build([read_schema_file(SCHEMA_FILES[0])]).of_type(GLUE_SCHEMA)
    assert inputs(schema)["compatibility"] == "BACKWARD"


def test_duplicate_schema_names_are_rejected():
    twice = [SchemaFile("a", "JSON", "{}"), SchemaFile("a", "AVRO", '"string"')]
    with pytest.raises(Exception, match="schema names must be unique"):
        build(twice)
