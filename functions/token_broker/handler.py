"""Lambda entry point of the token broker: ``handler(event, context)``.

Runs on Python 3.12 behind an API Gateway HTTP API (payload format 2.0) whose JWT authorizer has
verified the caller's token (see ``events.py`` for the event shape). Routes:

=========================  ==========================================================  ==========
route                      request body -> 200 response                                 auth
=========================  ==========================================================  ==========
POST /v1/aws-credentials   ``{"role", "durationSeconds"?}`` -> STS credentials          JWT
                           (``credentials.py``)
POST /v1/db-token          ``{"database"}`` -> RDS IAM auth token (``db_token.py``)     JWT
GET  /v1/healthz           none -> ``{"status": "ok"}``                                 none
=========================  ==========================================================  ==========

Errors are ``{"error": "<code>", "message": "..."}`` (``responses.py``):

- 400 ``invalid_json`` / ``invalid_request`` / ``invalid_duration``: malformed body, wrong types,
  unknown fields, duration out of range (the message states the allowed range);
- 401 ``unauthenticated``: no verified claims or no ``sub``;
- 403 ``forbidden``: no group of the caller grants the role/database (the message lists the groups seen);
- 404 ``not_found``: unknown route; 413 ``body_too_large``: body over 8 KiB;
- 500 ``broker_misconfigured``: invalid environment (``config.py``); 500 ``internal_error``: a bug;
- 502 ``upstream_error``: the STS or RDS call failed.

Each request to a token route prints exactly one audit line (``audit.py``). Configuration is read
from the environment on every call (``config.py``). Packaging: deploy the ``token_broker``
directory as a package (``token_broker/handler.py`` in the zip) with the handler
``token_broker.handler.handler``; its modules import each other relatively.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import credentials, db_token
from .audit import AuditRecord
from .claims import Identity, identity_from_event
from .config import BrokerConfig, ConfigError, load_config
from .events import json_body, route_key
from .responses import ApiError, error_response, json_response

logger = logging.getLogger(__name__)

HEALTHZ = "GET /v1/healthz"
Issuer = Callable[[BrokerConfig, Identity, dict[str, Any], AuditRecord], dict[str, Any]]
TOKEN_ROUTES: dict[str, tuple[str, Issuer]] = {
    "POST /v1/aws-credentials": ("aws-credentials", credentials.issue),
    "POST /v1/db-token": ("db-token", db_token.issue),
}
KNOWN_ROUTES = frozenset({HEALTHZ, *TOKEN_ROUTES})
NOT_FOUND = ApiError(404, "not_found", f"unknown route; the broker serves {', '.join(sorted(KNOWN_ROUTES))}")
INTERNAL_ERROR = ApiError(500, "internal_error", "unexpected token broker failure; contact the platform team")


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Serve one HTTP API request; always returns a JSON response, never raises."""
    route = route_key(event, KNOWN_ROUTES)
    if route == HEALTHZ:
        return json_response(200, {"status": "ok"})
    if route not in TOKEN_ROUTES:
        return error_response(NOT_FOUND)
    kind, issue = TOKEN_ROUTES[route]
    audit = AuditRecord.start(kind, event)
    try:
        body = _serve(event, issue, audit)
    except ApiError as error:
        audit.emit(error.status, error.reason)
        return error_response(error)
    except Exception:
        logger.exception("token broker bug while serving %s", route)
        audit.emit(INTERNAL_ERROR.status, INTERNAL_ERROR.reason)
        return error_response(INTERNAL_ERROR)
    audit.emit(200, "issued")
    return json_response(200, body)


def _serve(event: Any, issue: Issuer, audit: AuditRecord) -> dict[str, Any]:
    try:
        config = load_config()
    except ConfigError as error:
        logger.error("token broker misconfigured: %s", error)
        message = "the token broker is misconfigured; contact the platform team"
        raise ApiError(500, "broker_misconfigured", message, reason=str(error)) from None
    identity = identity_from_event(event, config.group_claim)
    audit.subject, audit.groups = identity.subject, identity.groups
    return issue(config, identity, json_body(event), audit)
