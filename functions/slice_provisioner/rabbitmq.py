"""Create and drop a slice's RabbitMQ virtual host and user through the broker's management HTTP API
(RabbitMQ docs, "Management HTTP API": ``PUT/DELETE /api/vhosts/{vhost}``, ``/api/users/{user}``,
``/api/permissions/{vhost}/{user}``). Standard library only; the HTTP call is injected for tests."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

#: (method, path, body or None) -> HTTP status.
Call = Callable[[str, str, dict[str, Any] | None], int]


def management_call(base_url: str, username: str, password: str, timeout: float = 10.0) -> Call:
    """A ``Call`` against ``base_url`` (``https://b-....mq.<region>.amazonaws.com``) with basic auth."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()

    def call(method: str, path: str, body: dict[str, Any] | None) -> int:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method)
        request.add_header("Authorization", f"Basic {token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    return call


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _expect(status: int, allowed: tuple[int, ...], what: str) -> None:
    if status not in allowed:
        raise RuntimeError(f"RabbitMQ management API: {what} answered HTTP {status}")


def create_vhost(call: Call, vhost: str, user: str, password: str) -> None:
    """The vhost, the user (no management tags) and its rights on that vhost only; idempotent."""
    _expect(call("PUT", f"/api/vhosts/{_q(vhost)}", {}), (201, 204), f"create vhost {vhost}")
    _expect(
        call("PUT", f"/api/users/{_q(user)}", {"password": password, "tags": ""}), (201, 204), "create user"
    )
    rights = {"configure": ".*", "write": ".*", "read": ".*"}
    _expect(call("PUT", f"/api/permissions/{_q(vhost)}/{_q(user)}", rights), (201, 204), "grant")


def drop_vhost(call: Call, vhost: str, user: str) -> None:
    """Delete the vhost (and every queue in it) and the user; absent ones are fine."""
    _expect(call("DELETE", f"/api/vhosts/{_q(vhost)}", None), (204, 404), f"delete vhost {vhost}")
    _expect(call("DELETE", f"/api/users/{_q(user)}", None), (204, 404), f"delete user {user}")
