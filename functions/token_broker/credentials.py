"""``POST /v1/aws-credentials``: short-lived STS credentials for a role the caller's group allows.

Request ``{"role": "<alias>", "durationSeconds": 900}``; ``durationSeconds`` (seconds) is optional,
default ``DEFAULT_DURATION_SECONDS`` and allowed range 900..min(role ``maxDurationSeconds``,
``MAX_DURATION_SECONDS``). Response 200::

    {"accessKeyId": "ASIA...", "secretAccessKey": "...", "sessionToken": "...",
     "expiration": "2024-01-01T00:15:00Z", "durationSeconds": 900, "role": "<alias>"}

(A ``credential_process`` wrapper maps these to ``{"Version": 1, "AccessKeyId", "SecretAccessKey",
"SessionToken", "Expiration"}``.)

The STS AssumeRole call sets ``RoleSessionName`` and ``SourceIdentity`` from the JWT ``sub`` and the
session tags ``subject`` and ``group`` (see ``names.py`` for the limits), so CloudTrail shows who
used the session. The role's trust policy must therefore allow the broker's execution role
``sts:AssumeRole``, ``sts:TagSession`` and ``sts:SetSourceIdentity``.
"""

from __future__ import annotations

from typing import Any

from . import clients
from .audit import AuditRecord
from .claims import Identity
from .config import MIN_DURATION_SECONDS, BrokerConfig, RoleGrant
from .grants import find_grant
from .names import sts_name, tag_value
from .payloads import credentials_request
from .responses import ApiError, iso_utc


def issue(
    config: BrokerConfig, identity: Identity, body: dict[str, Any], audit: AuditRecord
) -> dict[str, Any]:
    """Validate, authorize and assume the role; returns the 200 body, raises ApiError otherwise."""
    request = credentials_request(body)
    audit.target = request.role
    grant = find_grant(config.roles, identity, request.role, "role")
    audit.granted_by = grant.group
    duration = session_duration(request.duration_seconds, grant, config)
    audit.duration_seconds = duration
    credentials = _assume_role(grant, identity, duration)
    audit.expiration = iso_utc(credentials["Expiration"])
    return {
        "accessKeyId": credentials["AccessKeyId"],
        "secretAccessKey": credentials["SecretAccessKey"],
        "sessionToken": credentials["SessionToken"],
        "expiration": audit.expiration,
        "durationSeconds": duration,
        "role": grant.alias,
    }


def session_duration(requested: int | None, grant: RoleGrant, config: BrokerConfig) -> int:
    """The session length in seconds; raises ApiError 400 stating the range when out of it."""
    upper = min(grant.max_duration_seconds, config.max_duration_seconds)
    if requested is None:
        return min(config.default_duration_seconds, upper)
    if not MIN_DURATION_SECONDS <= requested <= upper:
        raise ApiError(
            400,
            "invalid_duration",
            f"durationSeconds must be between {MIN_DURATION_SECONDS} and {upper} for role {grant.alias!r}",
        )
    return requested


def _assume_role(grant: RoleGrant, identity: Identity, duration: int) -> dict[str, Any]:
    try:
        response = clients.client("sts").assume_role(
            RoleArn=grant.role_arn,
            RoleSessionName=sts_name(identity.subject),
            SourceIdentity=sts_name(identity.subject),
            DurationSeconds=duration,
            Tags=[
                {"Key": "subject", "Value": tag_value(identity.subject)},
                {"Key": "group", "Value": tag_value(grant.group)},
            ],
        )
    except clients.AWS_ERRORS as error:
        raise clients.upstream_error("STS AssumeRole", error) from None
    return response["Credentials"]
