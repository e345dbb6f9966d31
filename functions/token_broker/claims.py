"""The caller's identity, from the claims API Gateway's JWT authorizer has already verified.

Claims live at ``event.requestContext.authorizer.jwt.claims``. The authorizer checked the token's
signature, issuer, audience and expiry; this module only reads ``sub`` and the group claim.
The raw JWT is never read or logged.

API Gateway flattens array claims into strings such as ``"[admins dev]"``, so the group claim is
accepted as a JSON list, a JSON-encoded list (``'["a","b"]'``), a bracketed list (``"[a b]"``),
or a comma- and/or space-separated string (``"a,b"``, ``"a b"``). Group names therefore cannot
contain spaces or commas. Anything else (numbers, objects, missing) means "no groups".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .events import dig
from .responses import ApiError

_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class Identity:
    """A verified caller: the JWT ``sub`` and the caller's groups (deduplicated, claim order)."""

    subject: str
    groups: tuple[str, ...]


def identity_from_event(event: Any, group_claim: str) -> Identity:
    """The caller's identity; raises ApiError 401 without verified claims or a usable ``sub``."""
    claims = dig(event, "requestContext", "authorizer", "jwt", "claims")
    if not isinstance(claims, dict) or not claims:
        raise ApiError(401, "unauthenticated", "no verified JWT claims; send a valid bearer token")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise ApiError(
            401, "unauthenticated", "the token has no 'sub' claim; use a token that identifies a user"
        )
    return Identity(subject=subject, groups=parse_groups(claims.get(group_claim)))


def parse_groups(value: Any) -> tuple[str, ...]:
    """Group names from a claim value in any of the shapes the module docstring lists."""
    if isinstance(value, list):
        names = [item.strip() for item in value if isinstance(item, str)]
    elif isinstance(value, str):
        names = _split(value.strip())
    else:
        names = []
    return tuple(dict.fromkeys(name for name in names if name))


def _split(text: str) -> list[str]:
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, list):
            return [item.strip() for item in parsed if isinstance(item, str)]
        text = text[1:-1] if text.endswith("]") else text[1:]
    return [part.strip("\"'") for part in _SEPARATORS.split(text)]
