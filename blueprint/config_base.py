"""Building blocks shared by every stack-config model: the base model, problems, and the error they raise.

Config keys are camelCase in ``Pulumi.<stack>.yaml`` (Pulumi's convention) and snake_case in Python; the
alias generator maps one to the other, so a key path in an error is always the one the user typed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

#: The Pulumi config namespace of this project (the project name in ``Pulumi.yaml``).
NAMESPACE = "staging-blueprint"

#: Retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy API reference,
#: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
#: 0 (never expire) is deliberately absent: staging logs must age out.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip


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
        path: key path below the namespace, e.g. ``network.cidr`` or ``databases[0].engineVersion``.
        value: the offending value (shown shortened; never pass a secret here).
        message: what is wrong and what is allowed, phrased as the fix.
    """

    path: str
    value: Any
    message: str

    def render(self) -> str:
        """``staging-blueprint:<path>: <message> (got <value>)`` on one line."""
        shown = repr(self.value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        key = f"{NAMESPACE}:{self.path}" if self.path else NAMESPACE
        return f"{key}: {self.message} (got {shown})"


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
