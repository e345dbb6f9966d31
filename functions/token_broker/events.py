"""Reading API Gateway HTTP API (payload format 2.0) events defensively.

Shape used (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html)::

    {"routeKey": "POST /v1/aws-credentials", "rawPath": "/v1/aws-credentials",
     "body": "{...}", "isBase64Encoded": false,
     "requestContext": {"requestId": "...", "stage": "$default",
                        "http": {"method": "POST", "sourceIp": "203.0.113.7"},
                        "authorizer": {"jwt": {"claims": {"sub": "...", "groups": "[a b]"}}}}}

Nothing here trusts the shape: a missing or mistyped part reads as absent.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .responses import ApiError

MAX_BODY_BYTES = 8192
"""Request bodies are tiny JSON objects; anything larger is refused with 413."""


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...`` or None when any level is missing or not a dict."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def route_key(event: Any, known: frozenset[str]) -> str:
    """``"<METHOD> <path>"``: the event's routeKey when it is one of ``known`` routes, else built
    from ``requestContext.http.method`` and ``rawPath`` (for ``$default`` or proxy routes), with
    a named stage's prefix removed. Empty when neither is present."""
    key = dig(event, "routeKey")
    if isinstance(key, str) and key in known:
        return key
    method = dig(event, "requestContext", "http", "method")
    path = dig(event, "rawPath")
    if not isinstance(method, str) or not isinstance(path, str):
        return ""
    stage = dig(event, "requestContext", "stage")
    if isinstance(stage, str) and stage not in ("", "$default") and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]
    return f"{method.upper()} {path.rstrip('/') or '/'}"


def text_field(event: Any, *keys: str) -> str | None:
    """A string field of the event, or None."""
    value = dig(event, *keys)
    return value if isinstance(value, str) else None


def json_body(event: Any) -> dict[str, Any]:
    """The request body as a JSON object; raises ApiError 400/413 when it is not one."""
    raw = dig(event, "body")
    if not isinstance(raw, str) or not raw:
        raise ApiError(400, "invalid_request", "request body must be a JSON object")
    text = _decode(raw) if dig(event, "isBase64Encoded") is True else raw
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "request body must be a JSON object")
    return body


def _decode(raw: str) -> str:
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise ApiError(400, "invalid_request", "base64 request body is not valid UTF-8 text") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
