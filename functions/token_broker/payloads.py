"""Request bodies of the token routes, validated strictly (unknown fields are errors).

``POST /v1/aws-credentials``: ``{"role": "<alias>", "durationSeconds": 900}`` -- ``role`` required
(1..128 characters), ``durationSeconds`` optional integer seconds (range checked once the role is
known, see ``credentials.py``).

``POST /v1/db-token``: ``{"database": "<name>"}`` -- ``database`` required (1..128 characters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .responses import ApiError

MAX_NAME_CHARS = 128
_SHOWN_UNKNOWN = 5


@dataclass(frozen=True)
class CredentialsRequest:
    role: str
    duration_seconds: int | None


@dataclass(frozen=True)
class DbTokenRequest:
    database: str


def credentials_request(body: dict[str, Any]) -> CredentialsRequest:
    """Validate an aws-credentials body; raises ApiError 400 naming the problem."""
    _reject_unknown(body, ("role", "durationSeconds"))
    duration = body.get("durationSeconds")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)):
        raise ApiError(400, "invalid_request", "durationSeconds must be an integer number of seconds")
    return CredentialsRequest(role=_name(body, "role"), duration_seconds=duration)


def db_token_request(body: dict[str, Any]) -> DbTokenRequest:
    """Validate a db-token body; raises ApiError 400 naming the problem."""
    _reject_unknown(body, ("database",))
    return DbTokenRequest(database=_name(body, "database"))


def _name(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS:
        raise ApiError(
            400, "invalid_request", f"{field} must be a string of 1 to {MAX_NAME_CHARS} characters"
        )
    return value


def _reject_unknown(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        shown = ", ".join(repr(key[:40]) for key in unknown[:_SHOWN_UNKNOWN])
        more = f" and {len(unknown) - _SHOWN_UNKNOWN} more" if len(unknown) > _SHOWN_UNKNOWN else ""
        raise ApiError(
            400, "invalid_request", f"unknown field(s) {shown}{more}; allowed fields: {', '.join(allowed)}"
        )
