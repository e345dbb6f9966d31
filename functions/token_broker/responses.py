"""HTTP API (payload format 2.0) responses and the error type the broker raises.

Every response is JSON with ``Cache-Control: no-store`` (credentials must never be cached).
Errors have the body ``{"error": "<code>", "message": "<what to do>"}``; messages are written by
the broker, never copied from an exception, so no stack trace or boto text reaches a caller.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

_HEADERS = {"content-type": "application/json", "cache-control": "no-store"}


class ApiError(Exception):
    """A refusal with an HTTP status, a stable error code and a message for the caller.

    ``reason`` is what the audit line records; it defaults to the message and may add detail
    that is safe to log but not useful to the caller (e.g. the AWS error code of a failed call).
    """

    def __init__(self, status: int, code: str, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.reason = reason or message


def json_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """An API Gateway HTTP API proxy response with a JSON body."""
    return {"statusCode": status, "headers": dict(_HEADERS), "body": json.dumps(body)}


def error_response(error: ApiError) -> dict[str, Any]:
    """The JSON error response for ``error``."""
    return json_response(error.status, {"error": error.code, "message": error.message})


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO-8601 UTC with second precision, e.g. ``2024-01-01T00:15:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
