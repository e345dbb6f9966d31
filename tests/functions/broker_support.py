"""Helpers for the token broker tests: API Gateway events, handler calls, audit lines."""

from __future__ import annotations

import json
from typing import Any

from functions.token_broker.handler import handler

Event = dict[str, Any]


def build_event(
    route: str = "POST /v1/aws-credentials",
    body: Any = None,
    claims: Any = None,
    raw_body: Any = None,
) -> Event:
    """An HTTP API payload 2.0 event; ``body`` is JSON-encoded unless ``raw_body`` is given."""
    method, _, path = route.partition(" ")
    event: Event = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "headers": {"authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.header-never-read.signature"},
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": "req-123",
            "stage": "$default",
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.7"},
        },
    }
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    return event


def call(event: Any) -> tuple[int, dict[str, Any]]:
    """Invoke the handler; returns the status and the decoded JSON body."""
    response = handler(event, None)
    assert response["headers"]["content-type"] == "application/json"
    assert response["headers"]["cache-control"] == "no-store"
    return response["statusCode"], json.loads(response["body"])


def audit_lines(output: str) -> list[dict[str, Any]]:
    """The audit records in captured stdout."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [record for record in records if record.get("event") == "token_broker.audit"]


class FailingClient:
    """A boto3 client stand-in whose calls raise ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def assume_role(self, **_: Any) -> dict[str, Any]:
        raise self.error

    def generate_db_auth_token(self, **_: Any) -> str:
        raise self.error
