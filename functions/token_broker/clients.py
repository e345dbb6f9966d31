"""Lazily created, cached boto3 clients (one per service and region).

Clients are built on first use, not at import, so tests can start moto's ``mock_aws`` (and set
credentials) first; ``reset()`` empties the cache between tests. Retries use botocore's
``standard`` mode with short timeouts so a slow AWS call fails well inside the Lambda timeout.
``AWS_ERRORS`` are the exceptions an AWS call may raise; ``upstream_error`` turns them into a 502.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .responses import ApiError

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
AWS_ERRORS = (ClientError, BotoCoreError)
_cache: dict[tuple[str, str | None], Any] = {}


def client(service: str, region: str | None = None) -> Any:
    """The boto3 client for ``service`` in ``region`` (None: the default region from the environment)."""
    key = (service, region)
    if key not in _cache:
        _cache[key] = boto3.client(service, region_name=region, config=_CONFIG)
    return _cache[key]


def reset() -> None:
    """Forget all cached clients."""
    _cache.clear()


def upstream_error(operation: str, error: Exception) -> ApiError:
    """ApiError 502 for a failed AWS call; only the AWS error code reaches the audit reason."""
    detail = type(error).__name__
    if isinstance(error, ClientError):
        detail = str(error.response.get("Error", {}).get("Code") or detail)
    return ApiError(
        502,
        "upstream_error",
        f"{operation} failed; retry in a moment, and if it persists ask the platform team to check it",
        reason=f"{operation} failed: {detail}",
    )
