"""The audit trail: exactly one JSON line on stdout per token request (issued or refused).

Lambda sends stdout to the function's CloudWatch log group. Line shape::

    {"event": "token_broker.audit", "kind": "aws-credentials" | "db-token",
     "decision": "issued" | "denied" | "error", "status": 200, "reason": "...",
     "subject": "<sub>" | null, "groups": ["..."],
     "role": "<alias>" | null,            # "database" instead of "role" for kind db-token
     "grantedBy": "<group that granted it>" | null,
     "durationSeconds": 900 | null, "expiration": "2024-01-01T00:15:00Z" | null,
     "requestId": "..." | null, "sourceIp": "203.0.113.7" | null}

``denied`` is any 4xx, ``error`` any 5xx. The line never holds secret material: no secret access
key, session token, access key id, database token or JWT -- only the fields above.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .events import text_field

AUDIT_EVENT = "token_broker.audit"
KIND_TARGET_FIELD = {"aws-credentials": "role", "db-token": "database"}


@dataclass
class AuditRecord:
    """What is known about a request so far; the flow fills it in as it learns more."""

    kind: str
    request_id: str | None
    source_ip: str | None
    subject: str | None = None
    groups: tuple[str, ...] = ()
    target: str | None = None
    granted_by: str | None = None
    duration_seconds: int | None = None
    expiration: str | None = None

    @classmethod
    def start(cls, kind: str, event: Any) -> AuditRecord:
        """A record for a request of ``kind`` with the event's request id and source IP."""
        return cls(
            kind=kind,
            request_id=text_field(event, "requestContext", "requestId"),
            source_ip=text_field(event, "requestContext", "http", "sourceIp"),
        )

    def emit(self, status: int, reason: str) -> None:
        """Print the audit line for the request's outcome."""
        print(json.dumps(self.line(status, reason)), flush=True)

    def line(self, status: int, reason: str) -> dict[str, Any]:
        """The audit line as a dict (see the module docstring)."""
        return {
            "event": AUDIT_EVENT,
            "kind": self.kind,
            "decision": "issued" if status < 400 else "denied" if status < 500 else "error",
            "status": status,
            "reason": reason,
            "subject": self.subject,
            "groups": list(self.groups),
            KIND_TARGET_FIELD[self.kind]: self.target,
            "grantedBy": self.granted_by,
            "durationSeconds": self.duration_seconds,
            "expiration": self.expiration,
            "requestId": self.request_id,
            "sourceIp": self.source_ip,
        }
