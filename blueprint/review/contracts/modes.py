"""Registry compatibility modes over the format checkers (AWS Glue ``Compatibility``; Confluent's
compatibility types are the same with ``_TRANSITIVE`` for ``_ALL``):

- ``BACKWARD``: consumers on the new version read data written with the previous one (reader = new,
  writer = previous); ``FORWARD``: consumers on the previous version read data written with the new one
  (reader = previous, writer = new); ``FULL``: both.
- ``BACKWARD_ALL``, ``FORWARD_ALL``, ``FULL_ALL``: the same against every earlier version, not just
  the latest.
- ``NONE``: no check. ``DISABLED``: Glue accepts no new version at all ("prevents versioning"), so any
  change of the definition is a break.

Sources: AWS Glue API ``CreateSchema`` (Compatibility); Confluent "Schema Evolution and Compatibility".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from blueprint.review.contracts import avro, json_schema
from blueprint.review.contracts.rules import Incompatibility, describe

Checker = Callable[[Any, Any], list[Incompatibility]]
#: Data format -> checker(reader, writer). Protobuf has none (reported as not checked).
CHECKERS: dict[str, Checker] = {"AVRO": avro.incompatibilities, "JSON": json_schema.incompatibilities}
#: Mode -> (check backward, check forward, against every earlier version).
MODES: dict[str, tuple[bool, bool, bool]] = {
    "NONE": (False, False, False),
    "BACKWARD": (True, False, False),
    "BACKWARD_ALL": (True, False, True),
    "FORWARD": (False, True, False),
    "FORWARD_ALL": (False, True, True),
    "FULL": (True, True, False),
    "FULL_ALL": (True, True, True),
}


@dataclass(frozen=True)
class Version:
    """An earlier version of a schema file: ``label`` names it (e.g. ``a1b2c3d (base)``)."""

    label: str
    text: str


@dataclass(frozen=True)
class Break:
    """One incompatibility of the new version with an earlier one.

    Attributes:
        path: field path (``lines[].quantity``; ``(root)`` for the top level).
        rule: the change, named from the new version's side (``field added without a default``).
        detail: the specifics.
        source: where the rule comes from (specification or registry documentation).
        against: the earlier version's label.
        direction: ``backward`` (new reads old) or ``forward`` (old reads new), or ``versioning``
            for ``DISABLED``.
    """

    path: str
    rule: str
    detail: str
    source: str
    against: str
    direction: str

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "rule": self.rule,
            "detail": self.detail,
            "source": self.source,
            "against": self.against,
            "direction": self.direction,
        }


def parse_definition(data_format: str, text: str) -> Any:
    """Decode a definition and check it is valid for its format.

    Raises:
        ValueError: not JSON, or (Avro) not a valid Avro schema.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if data_format == "AVRO":
        avro.parse(document)
    return document


def check_versions(data_format: str, mode: str, new_text: str, previous: Sequence[Version]) -> list[Break]:
    """Check ``new_text`` against the earlier versions ``previous`` (newest first) under ``mode``.

    Args:
        data_format: ``AVRO`` or ``JSON``.
        mode: a Glue compatibility mode (``NONE``, ``DISABLED``, ``BACKWARD``, ... ``FULL_ALL``).
        new_text: the new definition.
        previous: earlier versions, newest first; non-``_ALL`` modes use the first only.

    Returns:
        Every break found (empty: the new version is accepted under ``mode``).

    Raises:
        ValueError: an unknown mode or format, or a new definition that is not a valid schema. An
            earlier version that does not parse is skipped (it could never have been registered).
    """
    if mode == "DISABLED":
        return _disabled(new_text, previous)
    if mode not in MODES or data_format not in CHECKERS:
        raise ValueError(f"cannot check format {data_format!r} under mode {mode!r}")
    backward, forward, every = MODES[mode]
    new = parse_definition(data_format, new_text)
    checker = CHECKERS[data_format]
    breaks: list[Break] = []
    for version in previous if every else previous[:1]:
        try:
            old = parse_definition(data_format, version.text)
        except ValueError:
            continue
        if backward:
            breaks += _breaks(checker(new, old), True, version.label)
        if forward:
            breaks += _breaks(checker(old, new), False, version.label)
    return breaks


def _breaks(found: list[Incompatibility], reader_is_new: bool, against: str) -> list[Break]:
    direction = "backward" if reader_is_new else "forward"
    out = []
    for item in found:
        rule, source = describe(item.code, reader_is_new)
        out.append(Break(item.path, rule, item.detail, source, against, direction))
    return out


def _disabled(new_text: str, previous: Sequence[Version]) -> list[Break]:
    if not previous or previous[0].text == new_text:
        return []
    return [
        Break(
            "(root)",
            "new version of a schema whose compatibility is DISABLED",
            "Glue rejects every new version under DISABLED; change the mode first, in its own change",
            "AWS Glue API CreateSchema, Compatibility: DISABLED prevents versioning",
            previous[0].label,
            "versioning",
        )
    ]
