"""Bounds and string constraints of JSON Schema: is the reader's constraint at least as loose as the
writer's? (Part of ``json_schema``; draft-04's boolean ``exclusiveMinimum``/``exclusiveMaximum`` and
draft-06/07's numeric ones are both understood.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blueprint.review.contracts.rules import Incompatibility

#: Keywords bounding a size from below / above (a reader bound must not be stricter than the writer's).
LOWER = ("minLength", "minItems", "minProperties")
UPPER = ("maxLength", "maxItems", "maxProperties")
#: Keywords whose reader value must equal the writer's whenever the reader sets one.
EXACT = ("pattern", "format", "multipleOf")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _minimum(schema: Mapping[str, Any]) -> tuple[float, bool] | None:
    """(bound, exclusive) of the lower numeric bound, or None."""
    exclusive = schema.get("exclusiveMinimum")
    bound = _number(exclusive)
    if bound is not None:  # draft-06/07: a number
        return bound, True
    value = _number(schema.get("minimum"))
    return None if value is None else (value, exclusive is True)


def _maximum(schema: Mapping[str, Any]) -> tuple[float, bool] | None:
    exclusive = schema.get("exclusiveMaximum")
    bound = _number(exclusive)
    if bound is not None:
        return bound, True
    value = _number(schema.get("maximum"))
    return None if value is None else (value, exclusive is True)


def _looser_lower(reader: tuple[float, bool] | None, writer: tuple[float, bool] | None) -> bool:
    """True when every value above ``writer``'s lower bound is above ``reader``'s."""
    if reader is None:
        return True
    if writer is None:
        return False
    return reader[0] < writer[0] or (reader[0] == writer[0] and (not reader[1] or writer[1]))


def _looser_upper(reader: tuple[float, bool] | None, writer: tuple[float, bool] | None) -> bool:
    if reader is None:
        return True
    if writer is None:
        return False
    return reader[0] > writer[0] or (reader[0] == writer[0] and (not reader[1] or writer[1]))


def bound_problems(reader: Mapping[str, Any], writer: Mapping[str, Any], where: str) -> list[Incompatibility]:
    """Reader constraints stricter than the writer's, one ``json-constraint`` each."""
    found = []
    if not _looser_lower(_minimum(reader), _minimum(writer)):
        found.append(_problem(where, "minimum", reader, writer))
    if not _looser_upper(_maximum(reader), _maximum(writer)):
        found.append(_problem(where, "maximum", reader, writer))
    for keyword in LOWER:
        if keyword in reader and (keyword not in writer or writer[keyword] < reader[keyword]):
            found.append(_problem(where, keyword, reader, writer))
    for keyword in UPPER:
        if keyword in reader and (keyword not in writer or writer[keyword] > reader[keyword]):
            found.append(_problem(where, keyword, reader, writer))
    for keyword in EXACT:
        if keyword in reader and reader[keyword] != writer.get(keyword):
            found.append(_problem(where, keyword, reader, writer))
    if reader.get("uniqueItems") is True and writer.get("uniqueItems") is not True:
        found.append(_problem(where, "uniqueItems", reader, writer))
    return found


def _problem(
    where: str, keyword: str, reader: Mapping[str, Any], writer: Mapping[str, Any]
) -> Incompatibility:
    def shown(schema: Mapping[str, Any]) -> str:
        values = {
            k: schema[k] for k in (keyword, f"exclusive{keyword[:1].upper()}{keyword[1:]}") if k in schema
        }
        return ", ".join(f"{k}={v!r}" for k, v in values.items()) or "unset"

    detail = f"{keyword}: reader {shown(reader)}, writer {shown(writer)}"
    return Incompatibility(where, "json-constraint", detail)
