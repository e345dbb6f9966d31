"""JSON Schema compatibility under open and closed content models (the rules Confluent and Glue
document), each case a (reader, writer) pair with the verdict those rules give."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from blueprint.review.contracts.json_schema import incompatibilities
from blueprint.review.contracts.modes import Version, check_versions

ROOT = Path(__file__).resolve().parents[3]
PAYMENT = json.loads((ROOT / "schemas" / "payments.payment-captured.json").read_text())


def obj(properties: dict, required=(), closed: bool | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required), **extra}
    if closed is not None:
        schema["additionalProperties"] = not closed
    return schema


def codes(reader, writer) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in incompatibilities(reader, writer)]


S = {"type": "string"}


def test_identical_schemas_are_compatible():
    assert codes(PAYMENT, PAYMENT) == []


def test_a_newly_required_property_breaks():
    assert codes(obj({"a": S}, ["a"]), obj({"a": S})) == [("a", "json-required")]
    assert codes(obj({"a": S}), obj({"a": S}, ["a"])) == []


def test_closed_model_rejects_a_property_only_the_writer_declares():
    assert codes(obj({"a": S}, closed=True), obj({"a": S, "b": S}, closed=True)) == [
        ("b", "json-closed-property")
    ]
    assert codes(obj({"a": S}, closed=False), obj({"a": S, "b": S})) == []


def test_open_writer_may_carry_any_property_the_reader_adds():
    assert codes(obj({"a": S, "b": S}), obj({"a": S})) == [("b", "json-open-property")]
    assert codes(obj({"a": S, "b": S}), obj({"a": S}, closed=True)) == []
    assert codes(obj({"a": S, "b": {}}), obj({"a": S})) == []  # the reader accepts any value for b


def test_additional_properties_schemas_are_compared():
    writer = obj({"a": S}, additionalProperties={"type": "string"})
    assert codes(obj({"a": S, "b": {"type": "string"}}), writer) == []
    assert codes(obj({"a": S, "b": {"type": "integer"}}), writer) == [("b", "json-type")]
    assert codes(obj({"a": S}, closed=True), obj({"a": S})) == [("(root)", "json-content-model")]


def test_types_narrow_and_widen():
    assert codes({"type": "string"}, {"type": ["string", "null"]}) == [("(root)", "json-type")]
    assert codes({"type": ["string", "null"]}, {"type": "string"}) == []
    assert codes({"type": "number"}, {"type": "integer"}) == []
    assert codes({"type": "integer"}, {"type": "number"}) == [("(root)", "json-type")]


def test_enums_and_const():
    assert codes({"enum": ["A", "B"]}, {"enum": ["A", "B", "C"]}) == [("(root)", "json-enum")]
    assert codes({"enum": ["A", "B", "C"]}, {"enum": ["A"]}) == []
    assert codes({"const": "A"}, {"enum": ["A"]}) == []
    assert codes({"enum": ["A"]}, {"type": "string"}) == [("(root)", "json-enum")]


@pytest.mark.parametrize(
    ("reader", "writer", "compatible"),
    [
        ({"maximum": 10}, {"maximum": 5}, True),
        ({"maximum": 5}, {"maximum": 10}, False),
        ({"maximum": 5}, {}, False),
        ({"exclusiveMaximum": 10}, {"maximum": 10}, False),  # draft-06/07 numeric form
        ({"maximum": 10, "exclusiveMaximum": True}, {"maximum": 9}, True),  # draft-04 boolean form
        ({"minLength": 1}, {"minLength": 2}, True),
        ({"minLength": 3}, {"minLength": 2}, False),
        ({"maxLength": 64}, {"maxLength": 128}, False),
        ({"pattern": "^[A-Z]{3}$"}, {"pattern": "^[A-Z]{3}$"}, True),
        ({"pattern": "^[A-Z]{3}$"}, {}, False),
        ({"format": "uuid"}, {}, False),
        ({}, {"format": "uuid"}, True),
    ],
)
def test_constraints(reader, writer, compatible):
    assert (codes(reader, writer) == []) is compatible


def test_items_refs_and_nested_paths():
    item = obj({"qty": {"type": "integer"}}, ["qty"], closed=True)
    writer = {"type": "array", "items": {"$ref": "#/definitions/line"}, "definitions": {"line": item}}
    narrowed = copy.deepcopy(item)
    narrowed["properties"]["qty"] = {"type": "integer", "minimum": 1}
    reader = {"type": "array", "items": narrowed}
    assert codes(reader, writer) == [("[].qty", "json-constraint")]


def test_any_of_alternatives():
    assert codes({"anyOf": [S, {"type": "integer"}]}, S) == []
    assert codes(S, {"anyOf": [S, {"type": "integer"}]}) == [("(root)", "json-type")]
    assert codes({"anyOf": [{"type": "integer"}, {"type": "boolean"}]}, S) == [("(root)", "json-combinator")]
    assert codes(S, {"anyOf": [S]}) == []  # the writer's keywords live in its alternatives
    assert (
        codes({"type": "object", "anyOf": [{"required": ["a"]}, {"required": ["b"]}]}, obj({"a": S}, ["a"]))
        == []
    )


def test_keywords_it_cannot_reason_about_are_reported_when_they_differ():
    assert codes({"not": {"type": "null"}}, {}) == [("(root)", "json-unverifiable")]
    assert codes({"not": {"type": "null"}}, {"not": {"type": "null"}}) == []


def test_forward_catches_a_removed_required_property():
    new = copy.deepcopy(PAYMENT)
    new["required"].remove("method")
    del new["properties"]["method"]
    previous = [Version("abc123 (base)", json.dumps(PAYMENT))]
    forward = check_versions("JSON", "FORWARD", json.dumps(new), previous)
    assert [(b.path, b.rule, b.direction) for b in forward] == [
        ("method", "required property removed", "forward")
    ]


def test_a_compatible_change_passes_full():
    new = copy.deepcopy(PAYMENT)
    new["properties"]["providerReference"]["maxLength"] = 256  # relaxed: old data still valid...
    new["properties"]["note"] = {"type": "string"}  # ...and a closed model may gain an optional property
    backward = check_versions("JSON", "BACKWARD", json.dumps(new), [Version("v1", json.dumps(PAYMENT))])
    assert backward == []
    forward = check_versions("JSON", "FORWARD", json.dumps(new), [Version("v1", json.dumps(PAYMENT))])
    assert {(b.path, b.rule) for b in forward} == {
        ("providerReference", "constraint relaxed"),
        ("note", "property added while the previous version's content model is closed"),
    }
