"""Building blocks shared by every stack-config model: the base model, problems, and the error they raise.

Config keys are camelCase in ``Pulumi.<stack>.yaml`` (Pulumi's convention) and snake_case in Python; the
alias generator maps one to the other, so a key path in an error is always the one the user typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

#: The Pulumi config namespace of this project (the project name in ``Pulumi.yaml``).
NAMESPACE = "staging-blueprint"
#: What a problem shows instead of a secret value, or of text that contains one.
REDACTED = "[secret]"
#: Secrets shorter than this are not searched for in messages (they would blank out ordinary words);
#: their keys' values are hidden all the same.
MIN_REDACTED_LENGTH = 4


class ConfigModel(BaseModel):
    """Base of every config model: camelCase keys, unknown keys rejected, immutable after loading."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        validate_default=True,
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config.

    Attributes:
        path: key path below the namespace, e.g. ``network.cidr`` or ``databases[0].engineVersion``; a
            key of another namespace is written in full (``aws:region``).
        value: the offending value (shown shortened, after redaction).
        message: what is wrong and what is allowed, phrased as the fix.
        hidden: never show the value (unknown keys and secrets: their values may be anything).
        shown: the value as text once redacted (``redacted`` sets it); None renders ``repr(value)``.
    """

    path: str
    value: Any
    message: str
    hidden: bool = False
    shown: str | None = None

    def render(self) -> str:
        """``staging-blueprint:<path>: <message> (got <value>)`` on one line (no ``got`` when hidden)."""
        if ":" in self.path.split(".", 1)[0]:
            key = self.path
        else:
            key = f"{NAMESPACE}:{self.path}" if self.path else NAMESPACE
        if self.hidden:
            return f"{key}: {self.message}"
        return f"{key}: {self.message} (got {self._value_text()})"

    def _value_text(self) -> str:
        if self.shown is not None:
            return self.shown
        shown = repr(self.value)
        return shown if len(shown) <= 80 else shown[:77] + "..."

    def redacted(self, secrets: Iterable[str]) -> Problem:
        """This problem with every occurrence of a secret value replaced by ``[secret]`` in its path,
        message and value: the one redaction step every problem passes through before it is shown."""
        values = sorted({s for s in secrets if len(s) >= MIN_REDACTED_LENGTH}, key=len, reverse=True)
        return replace(
            self,
            path=_scrub(self.path, values),
            message=_scrub(self.message, values),
            shown=None if self.hidden else _scrub(self._value_text(), values),
        )


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
        text = text.replace(repr(secret)[1:-1], REDACTED)  # as it appears inside a repr()
    return text


class ConfigError(Exception):
    """The stack config is invalid; ``problems`` lists every problem found, one line each."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p.render()}" for p in problems)
        super().__init__(f"invalid stack config ({len(problems)} problem(s)):\n{lines}")


def join_path(*parts: str | int) -> str:
    """Join key-path parts: ``("databases", 0, "engineVersion")`` -> ``databases[0].engineVersion``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def decode_value(value: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text; decode it, keep plain strings as they are."""
    if not isinstance(value, str):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list) else value


def leaf_strings(value: Any) -> list[str]:
    """Every scalar inside a (decoded) config value, as text: what a redaction must search for."""
    if isinstance(value, dict):
        return [text for v in value.values() for text in leaf_strings(v)]
    if isinstance(value, list):
        return [text for v in value for text in leaf_strings(v)]
    return [] if value is None else [str(value)]
