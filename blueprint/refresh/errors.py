"""Errors of the data refresh, each mapped to one exit code of ``python -m blueprint data refresh``.

- ``InputError`` (exit 2): a rules file, plan file or argument is wrong. The message is one line per
  problem naming the key, the bad value and the fix; nothing has been done.
- ``RefreshError`` (exit 1): a masking assertion or an AWS step failed. Nothing was shared; the message
  names the step to resume from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


class DataModel(BaseModel):
    """Base of the rules and plan models: camelCase keys in YAML, unknown keys rejected, immutable."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True)


class InputError(Exception):
    """A rules file, plan file or command-line value is wrong (exit code 2).

    ``problems`` holds one line per problem; ``str()`` joins them with newlines.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class RefreshError(Exception):
    """A refresh step or a masking assertion failed (exit code 1); nothing was shared.

    Attributes:
        step: the step that failed (resume from it), e.g. ``mask``.
        reasons: what went wrong, one line each (never a secret or a production value).
    """

    def __init__(self, step: str, reasons: Iterable[str]) -> None:
        self.step = step
        self.reasons = list(reasons)
        super().__init__(f"step {step!r} failed: " + "; ".join(self.reasons))


def _path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the key path the user typed: ``tables["public.users"].columns.email``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in part or not part.replace("_", "").isalnum():
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_problems(source: str, exc: ValidationError) -> list[str]:
    """One ``<source>: <key path>: <message> (got <value>)`` line per pydantic error."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = err["msg"].removeprefix("Value error, ")
        got = "" if err["type"] == "missing" else f" (got {_shown(err.get('input'))})"
        lines.append(f"{source}: {_path(loc)}: {message}{got}")
    return lines


def read_yaml(path: Path, source: str) -> Any:
    """The YAML document in ``path``.

    Raises:
        InputError: the file cannot be read or is not valid YAML (one line naming ``source`` and the fix).
    """
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError([f"{source}: cannot read it ({exc.strerror}); pass an existing file"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError([f"{source}: not valid YAML{where}; fix the syntax"]) from None
