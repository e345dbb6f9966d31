"""The emulated AWS account the moto-backed engine deploys into: in-process (``mock_aws``, for tests) or a
moto server on loopback (``ThreadedMotoServer``, for ``make verify-local``).

Either way the engine talks to it through ordinary boto3 clients with fake credentials, so a deployment
can never reach a real account: in-process clients are only handed out while ``mock_aws`` is active, and
server clients only for an ``http://127.0.0.1:<port>`` endpoint.

Lambda runs without Docker in both modes (moto's ``{"lambda": {"use_docker": False}}``): creating a
function stores it, and nothing can ever pass because a Docker daemon was missing or failing.

In server mode moto answers an operation it does not implement with a bare HTTP 500 page (the
``NotImplementedError`` escapes its WSGI app), indistinguishable from a crash. The server here answers it
with ``501 Not Implemented`` and the message instead, so ``verify`` reports "not emulated" for exactly
those calls and keeps failing closed on every other error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from moto import mock_aws
from moto.core.config import DefaultConfig, default_user_config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

#: moto settings of every emulated account (moto docs, "Configuration": Lambda without Docker).
#: Lambda without Docker; IAM with AWS's managed policies loaded, so attaching e.g.
#: ``arn:aws:iam::aws:policy/AmazonEKSClusterPolicy`` works as in a real account.
MOTO_CONFIG: DefaultConfig = {"lambda": {"use_docker": False}, "iam": {"load_aws_managed_policies": True}}
#: Credentials of the emulated account's clients: never real ones, whatever the environment holds.
FAKE_CREDENTIALS = {"aws_access_key_id": "moto-engine", "aws_secret_access_key": "moto-engine"}
LOOPBACK = "127.0.0.1"


class EmulatorError(Exception):
    """The emulated account cannot be used as asked (e.g. an endpoint that is not on loopback)."""


def check_loopback(endpoint_url: str) -> str:
    """``endpoint_url`` if it is ``http://127.0.0.1:<port>``.

    Raises:
        EmulatorError: any other scheme or host (the engine only ever deploys into a local emulator).
    """
    parts = urlsplit(endpoint_url)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or parts.port is None:
        raise EmulatorError(
            f"moto endpoint {endpoint_url!r}: the engine deploys only into a moto server on "
            f"http://{LOOPBACK}:<port>"
        )
    return endpoint_url


@dataclass
class AwsClients:
    """boto3 clients of one emulated account and region, created once per service (thread-safe).

    Attributes:
        region: the region every client uses, e.g. ``eu-west-1``.
        endpoint_url: the moto server's URL, or None in-process (moto intercepts every call).
    """

    region: str
    endpoint_url: str | None = None
    _session: Any = field(init=False, repr=False)
    _clients: dict[str, Any] = field(init=False, default_factory=dict, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # AWS_PROFILE is not read: the engine never uses the caller's profile (or needs it to exist).
        core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
        self._session = boto3.session.Session(
            botocore_session=core, region_name=self.region, **FAKE_CREDENTIALS
        )
        self._session.events.register("before-parameter-build", _omit_unset)

    @property
    def partition(self) -> str:
        """The region's partition (``aws``, ``aws-cn``, ``aws-us-gov``), from botocore's endpoint data."""
        return str(self._session.get_partition_for_region(self.region))

    def __call__(self, service: str) -> Any:
        """The boto3 client of ``service`` (e.g. ``"ec2"``)."""
        with self._lock:  # boto3 sessions are not thread-safe; the mocks run in executor threads
            if service not in self._clients:
                self._clients[service] = self._session.client(service, endpoint_url=self.endpoint_url)
            return self._clients[service]


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _omit_unset(params: dict[str, Any], **_kwargs: Any) -> None:
    """Drop parameters that are None (inputs the program left unset), as the provider omits them."""
    cleaned = _without_none(params)
    params.clear()
    params.update(cleaned)


@contextlib.contextmanager
def emulated_account(region: str) -> Iterator[AwsClients]:
    """An in-process moto account (``mock_aws``) for the duration of the block; its state is dropped at the
    end. Inside the block every boto3 client (the engine's and ``verify``'s) talks to moto."""
    with mock_aws(config=MOTO_CONFIG):
        yield AwsClients(region)


@dataclass(frozen=True)
class MotoServer:
    """A running moto server. ``endpoint_url`` is ``http://127.0.0.1:<port>``."""

    endpoint_url: str

    def clients(self, region: str) -> AwsClients:
        return AwsClients(region, check_loopback(self.endpoint_url))


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def explicit_not_implemented(app: WsgiApp) -> WsgiApp:
    """``app``, answering an unimplemented operation with ``501`` and an AWS-style JSON error."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except NotImplementedError as exc:
            body = json.dumps({"__type": "NotImplemented", "message": str(exc)}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "NotImplemented")]
            start_response("501 Not Implemented", [*headers, ("Content-Length", str(len(body)))])
            return [body]

    return wrapped


class _Server(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose app says 501 for unimplemented operations (moto 5.2's ``_server_entry``
    with the app wrapped)."""

    def _server_entry(self) -> None:
        app = explicit_not_implemented(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@contextlib.contextmanager
def moto_server() -> Iterator[MotoServer]:
    """A moto server on 127.0.0.1 and a free port, configured with ``MOTO_CONFIG``; always stopped at the
    end of the block, whatever happens in it. Its request log is silenced (werkzeug's logger)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = _Server(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = check_loopback(f"http://{host}:{port}")
        _configure(endpoint)
        yield MotoServer(endpoint)
    finally:
        server.stop()


def _configure(endpoint_url: str) -> None:
    """Apply ``MOTO_CONFIG`` through the server's ``/moto-api/config`` (moto docs, "Server mode").

    That endpoint takes the ``batch``, ``lambda`` and ``stepfunctions`` sections only (moto 5.2,
    ``moto_api/_internal/models.py``); the ``iam`` section is set in this process, which runs the
    ``ThreadedMotoServer``, before any IAM call creates the backend that reads it.
    """
    default_user_config["iam"] = MOTO_CONFIG["iam"]
    request = urllib.request.Request(
        f"{endpoint_url}/moto-api/config",
        data=json.dumps(MOTO_CONFIG).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
