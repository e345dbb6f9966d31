"""Read-only access to the account ``verify`` checks: boto3 clients with the default credential chain
(or an ``--endpoint-url``, e.g. a moto server), a record of every API call made, and the IAM action each
call needs.

Every call is recorded as its IAM action (``ec2:DescribeFlowLogs``): the report lists them, and a test
holds them to the checks' declared actions and so to the policy in docs/verify.md. API Gateway authorizes
by HTTP verb, not by operation: ``GetRoutes`` needs ``apigateway:GET`` (API Gateway Developer Guide, "Control
access to the API Gateway management API with IAM permissions").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

#: IAM service prefix where it differs from the boto3 service name.
_IAM_PREFIX = {"apigatewayv2": "apigateway"}
#: Operations that need no permission (STS API reference, GetCallerIdentity: "No permissions are required").
NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity"}
#: Error codes that mean the caller lacks a permission.
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "ForbiddenException"}
#: botocore settings: bounded retries and timeouts, so a broken endpoint fails the run instead of hanging.
CLIENT_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=30)


def iam_action(service: str, operation: str, http_method: str = "GET") -> str:
    """The IAM action an API call needs: ``ec2`` ``DescribeVpcs`` -> ``ec2:DescribeVpcs``;
    API Gateway v2 operations -> ``apigateway:<HTTP method>``."""
    prefix = _IAM_PREFIX.get(service, service)
    if prefix == "apigateway":
        return f"apigateway:{http_method}"
    return f"{prefix}:{operation}"


def not_implemented(exc: BaseException) -> bool:
    """True when the endpoint does not implement the operation (an emulator such as moto): moto answers
    ``404 Not yet implemented`` for unknown paths and raises ``NotImplementedError`` (in-process) or
    answers HTTP 500 "... has not been implemented" (server) for known paths without a handler.
    AWS itself never answers so."""
    if isinstance(exc, NotImplementedError):
        return True
    if not isinstance(exc, ClientError):
        return False
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    text = str(exc.response.get("Error", {}).get("Message", "")) + str(exc)
    return (status in (404, 500, 501) and "implemented" in text.lower()) or status == 501


def access_denied(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in ACCESS_DENIED


@dataclass
class AwsReader:
    """boto3 clients for one account and region, created once per service, recording every call.

    Attributes:
        region: e.g. ``eu-west-1``.
        endpoint_url: where to send every call instead of AWS (e.g. ``http://127.0.0.1:5000`` for a
            moto server); None for AWS.
        calls: IAM actions of the calls made so far (what the report lists).
    """

    region: str
    endpoint_url: str | None = None
    calls: set[str] = field(default_factory=set)
    _session: Any = field(init=False, repr=False)
    _clients: dict[str, Any] = field(init=False, default_factory=dict, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._session = boto3.session.Session(region_name=self.region)
        self._session.events.register("before-call", self._record)

    def _record(self, model: Any, **_kwargs: Any) -> None:
        service = model.service_model.service_name
        with self._lock:
            self.calls.add(iam_action(service, model.name, model.http.get("method", "GET")))

    def __call__(self, service: str) -> Any:
        """The boto3 client of ``service``."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service, endpoint_url=self.endpoint_url, config=CLIENT_CONFIG
                )
            return self._clients[service]
