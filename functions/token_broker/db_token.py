"""``POST /v1/db-token``: an RDS IAM authentication token for a database the caller's group allows.

Request ``{"database": "<name>"}``. Response 200::

    {"token": "<host>:<port>/?Action=connect&...", "database": "<name>", "hostname": "...",
     "port": 5432, "username": "...", "region": "eu-west-1",
     "expiration": "2024-01-01T00:15:00Z", "durationSeconds": 900}

Use ``token`` as the password, over TLS. The token is signed locally with the broker's own
credentials (``generate_db_auth_token``, no AWS call) and is valid for 15 minutes
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.html), so the broker's
execution role needs ``rds-db:connect`` on each mapped ``dbuser``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from . import clients
from .audit import AuditRecord
from .claims import Identity
from .config import BrokerConfig
from .grants import find_grant
from .payloads import db_token_request
from .responses import iso_utc

DB_TOKEN_LIFETIME_SECONDS = 900
"""RDS IAM auth tokens are valid for 15 minutes."""


def issue(
    config: BrokerConfig, identity: Identity, body: dict[str, Any], audit: AuditRecord
) -> dict[str, Any]:
    """Validate, authorize and sign a token; returns the 200 body, raises ApiError otherwise."""
    request = db_token_request(body)
    audit.target = request.database
    grant = find_grant(config.databases, identity, request.database, "database")
    audit.granted_by = grant.group
    issued_at = datetime.now(UTC)
    try:
        token = clients.client("rds", grant.region).generate_db_auth_token(
            DBHostname=grant.hostname, Port=grant.port, DBUsername=grant.username, Region=grant.region
        )
    except clients.AWS_ERRORS as error:
        raise clients.upstream_error("RDS generate_db_auth_token", error) from None
    audit.duration_seconds = DB_TOKEN_LIFETIME_SECONDS
    audit.expiration = iso_utc(issued_at + timedelta(seconds=DB_TOKEN_LIFETIME_SECONDS))
    return {
        "token": token,
        "database": grant.name,
        "hostname": grant.hostname,
        "port": grant.port,
        "username": grant.username,
        "region": grant.region,
        "expiration": audit.expiration,
        "durationSeconds": DB_TOKEN_LIFETIME_SECONDS,
    }
