"""Avro schema resolution as the Avro 1.11 specification states it, checked case by case: each case is
a (reader, writer) pair whose verdict the specification gives, not the checker."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from blueprint.review.contracts.avro import incompatibilities
from blueprint.review.contracts.modes import Version, check_versions

ROOT = Path(__file__).resolve().parents[3]
ORDER = json.loads((ROOT / "schemas" / "orders.order-placed.avsc").read_text())


def record(*fields: dict, name: str = "Event", **extra) -> dict:
    return {"type": "record", "name": name, "namespace": "com.example", "fields": list(fields), **extra}


def codes(reader, writer) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in incompatibilities(reader, writer)]


@pytest.mark.parametrize(
    ("writer", "reader"),
    [("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"), ("long", "double"),
     ("float", "double"), ("string", "bytes"), ("bytes", "string")],
)  # fmt: skip
def test_the_promotions_the_specification_lists_resolve(writer, reader):
    assert codes(reader, writer) == []


@pytest.mark.parametrize(("writer", "reader"), [("long", "int"), ("double", "float"), ("string", "int")])
def test_narrowing_or_unrelated_primitives_do_not_resolve(writer, reader):
    assert codes(reader, writer) == [("(root)", "avro-type")]


def test_a_reader_field_missing_from_the_writer_needs_a_default():
    writer = record({"name": "a", "type": "int"})
    assert codes(record({"name": "a", "type": "int"}, {"name": "b", "type": "string"}), writer) == [
        ("b", "avro-field-no-default")
    ]
    with_default = record({"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": ""})
    assert codes(with_default, writer) == []


def test_a_writer_field_the_reader_lacks_is_ignored():
    assert (
        codes(
            record({"name": "a", "type": "int"}),
            record({"name": "a", "type": "int"}, {"name": "z", "type": "int"}),
        )
        == []
    )


def test_field_aliases_and_record_aliases_match_renamed_writer_names():
    writer = record({"name": "old", "type": "int"}, name="Before")
    reader = record({"name": "new", "type": "int", "aliases": ["old"]}, name="After", aliases=["Before"])
    assert codes(reader, writer) == []
    assert codes(record({"name": "new", "type": "int"}, name="After"), writer) == [("(root)", "avro-name")]


def test_enums_need_every_writer_symbol_unless_the_reader_has_a_default():
    writer = {"type": "enum", "name": "Channel", "symbols": ["WEB", "POS", "KIOSK"]}
    strict = {"type": "enum", "name": "Channel", "symbols": ["WEB", "POS"]}
    assert codes(strict, writer) == [("(root)", "avro-enum-symbol")]
    assert codes({**strict, "symbols": ["WEB", "POS", "OTHER"], "default": "OTHER"}, writer) == []


def test_fixed_sizes_must_match():
    assert codes({"type": "fixed", "name": "Id", "size": 16}, {"type": "fixed", "name": "Id", "size": 8}) == [
        ("(root)", "avro-fixed-size")
    ]


def test_unions_resolve_branch_by_branch():
    assert codes(["null", "long"], "int") == []  # first matching reader branch, with promotion
    assert codes(["null", "string"], "int") == [("(root)", "avro-union")]
    assert codes("string", ["null", "string"]) == [("(root)", "avro-type")]  # the null branch fails
    assert codes(["null", "string", "int"], ["null", "string"]) == []


def test_nested_paths_name_the_field_inside_arrays_and_maps():
    writer = record(
        {
            "name": "lines",
            "type": {"type": "array", "items": record({"name": "qty", "type": "long"}, name="Line")},
        }
    )
    reader = record(
        {
            "name": "lines",
            "type": {"type": "array", "items": record({"name": "qty", "type": "int"}, name="Line")},
        }
    )
    assert codes(reader, writer) == [("lines[].qty", "avro-type")]


def test_recursive_types_terminate():
    node = record({"name": "next", "type": ["null", "com.example.Node"], "default": None}, name="Node")
    assert codes(node, node) == []


def test_an_invalid_schema_is_an_error_not_a_verdict():
    with pytest.raises(ValueError, match="not a valid Avro schema"):
        incompatibilities({"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}, "int")


def test_backward_catches_a_field_added_without_a_default_and_forward_does_not():
    new = copy.deepcopy(ORDER)
    new["fields"].append({"name": "loyaltyTier", "type": "string"})
    previous = [Version("abc123 (base)", json.dumps(ORDER))]
    breaks = check_versions("AVRO", "BACKWARD", json.dumps(new), previous)
    assert [(b.path, b.rule, b.direction) for b in breaks] == [
        ("loyaltyTier", "field added without a default", "backward")
    ]
    assert check_versions("AVRO", "FORWARD", json.dumps(new), previous) == []


def test_forward_catches_a_removed_field_without_a_default():
    new = copy.deepcopy(ORDER)
    new["fields"] = [f for f in new["fields"] if f["name"] != "customerId"]
    breaks = check_versions("AVRO", "FULL", json.dumps(new), [Version("v1", json.dumps(ORDER))])
    assert [(b.path, b.rule, b.direction) for b in breaks] == [
        ("customerId", "field removed that has no default in the previous version", "forward")
    ]


def test_an_optional_field_with_a_default_is_fully_compatible():
    new = copy.deepcopy(ORDER)
    new["fields"].append({"name": "giftNote", "type": ["null", "string"], "default": None})
    assert check_versions("AVRO", "FULL_ALL", json.dumps(new), [Version("v1", json.dumps(ORDER))]) == []


def test_all_modes_check_every_earlier_version_and_plain_modes_only_the_latest():
    v1 = record({"name": "a", "type": "int"})
    v2 = record({"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": 0})
    v3 = record({"name": "a", "type": "int"}, {"name": "b", "type": "int"})  # b lost its default
    history = [Version("v2", json.dumps(v2)), Version("v1", json.dumps(v1))]
    assert check_versions("AVRO", "BACKWARD", json.dumps(v3), history) == []
    assert [(b.path, b.against) for b in check_versions("AVRO", "BACKWARD_ALL", json.dumps(v3), history)] == [
        ("b", "v1")
    ]


def test_disabled_rejects_any_new_version_and_none_accepts_anything():
    previous = [Version("v1", json.dumps(ORDER))]
    assert [b.direction for b in check_versions("AVRO", "DISABLED", '"string"', previous)] == ["versioning"]
    assert check_versions("AVRO", "NONE", '"string"', previous) == []
