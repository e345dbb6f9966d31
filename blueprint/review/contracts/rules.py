"""What the format checkers report: one ``Incompatibility`` per way a reader fails on a writer's data.

Both checkers (``avro``, ``json_schema``) answer the same question: can a consumer holding the *reader*
schema read every message produced with the *writer* schema? They report reader-relative codes; a
compatibility mode (``modes``) knows which side is the new schema and names the change from there: a
reader field without a default is "a field added without a default" when the reader is the new schema
(BACKWARD) and "a field removed that had no default" when it is the previous version (FORWARD).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Incompatibility:
    """One reason the reader cannot read the writer's data.

    Attributes:
        path: where, as a field path from the root: ``lines[].quantity``, ``customer.address{}``;
            ``(root)`` for the top level.
        code: key of ``RULES``.
        detail: the specifics (types, names, values), one sentence.
    """

    path: str
    code: str
    detail: str


#: code -> (the change when the reader is the new schema, the change when the reader is the previous
#: version, the source of the rule).
RULES: dict[str, tuple[str, str, str]] = {
    "avro-field-no-default": (
        "field added without a default",
        "field removed that has no default in the previous version",
        "Avro 1.11 spec, Schema Resolution: a reader field absent from the writer must have a default",
    ),
    "avro-type": (
        "type changed incompatibly",
        "type changed incompatibly",
        "Avro 1.11 spec, Schema Resolution: types must match or be a listed promotion "
        "(int->long/float/double, long->float/double, float->double, string<->bytes)",
    ),
    "avro-name": (
        "named type renamed without an alias",
        "named type renamed without an alias",
        "Avro 1.11 spec, Schema Resolution: records, enums and fixed must have the same unqualified name "
        "(or the reader an alias for the writer's full name)",
    ),
    "avro-fixed-size": (
        "fixed size changed",
        "fixed size changed",
        "Avro 1.11 spec, Schema Resolution: fixed types must have the same size",
    ),
    "avro-enum-symbol": (
        "enum symbols removed and the enum has no default",
        "enum symbols added that the previous version cannot read (it has no enum default)",
        "Avro 1.11 spec, Schema Resolution: a writer symbol unknown to the reader needs the reader's "
        "enum default",
    ),
    "avro-union": (
        "union narrowed",
        "union widened",
        "Avro 1.11 spec, Schema Resolution: every writer union branch must match a reader branch",
    ),
    "json-type": (
        "type narrowed",
        "type widened",
        "JSON Schema compatibility (Confluent, Glue): the reader must accept every type the writer allows",
    ),
    "json-enum": (
        "enum values removed",
        "enum values added",
        "JSON Schema compatibility (Confluent, Glue): the reader's enum/const must include the writer's",
    ),
    "json-required": (
        "required property added",
        "required property removed",
        "JSON Schema compatibility (Confluent, Glue): the reader may require only what the writer requires",
    ),
    "json-closed-property": (
        "property removed from a closed content model",
        "property added while the previous version's content model is closed",
        "JSON Schema compatibility (Confluent, Glue): with additionalProperties false the reader rejects "
        "properties it does not declare",
    ),
    "json-open-property": (
        "property added to an open content model",
        "property removed from an open content model",
        "JSON Schema compatibility (Confluent, Glue): an open writer (additionalProperties absent or true) "
        "may already carry that property with any type",
    ),
    "json-content-model": (
        "content model closed or additionalProperties narrowed",
        "content model opened or additionalProperties widened",
        "JSON Schema compatibility (Confluent, Glue): undeclared properties the writer allows must be "
        "allowed by the reader",
    ),
    "json-constraint": (
        "constraint tightened",
        "constraint relaxed",
        "JSON Schema compatibility (Confluent, Glue): the reader's bounds, pattern and format must accept "
        "every value the writer's accept",
    ),
    "json-combinator": (
        "anyOf/oneOf alternatives narrowed",
        "anyOf/oneOf alternatives widened",
        "JSON Schema compatibility (Confluent, Glue): every writer alternative must fit a reader alternative",
    ),
    "json-unverifiable": (
        "change this checker cannot prove compatible",
        "change this checker cannot prove compatible",
        "not, if/then/else, dependencies, propertyNames, contains and remote $ref are compared "
        "literally: any change is reported",
    ),
}


def describe(code: str, reader_is_new: bool) -> tuple[str, str]:
    """The change a code stands for, seen from the new schema, and the rule's source."""
    as_new, as_old, source = RULES[code]
    return (as_new if reader_is_new else as_old), source
