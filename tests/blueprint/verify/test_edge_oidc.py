"""An OIDC edge passes its own check: ``verify --url`` against a loopback server that answers like Envoy's
OAuth2 filter configured by the SecurityPolicy the ``existing-cluster`` example (``edge.auth: oidc``)
records: a request matching one of ``oidc.denyRedirect.headers`` gets 401, any other unauthenticated
request a 302 to the issuer's login (Envoy Gateway API, ``OIDCDenyRedirect``; Envoy's OAuth2 filter,
``deny_redirect_matcher``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from blueprint.engine import PROJECT_DIR, run_stack
from blueprint.engine.graph import unwrap
from blueprint.engine.stack_files import read_stack_file
from blueprint.verify.aws import AwsReader
from blueprint.verify.checks import edge as edge_checks
from blueprint.verify.registry import Context, run_checks
from tests.blueprint.verify.edge_servers import DISALLOW_ALL, serve_on_loopback
from tests.blueprint.verify.minimal_outputs import MINIMAL_OUTPUTS

EXAMPLE = PROJECT_DIR / "examples" / "Pulumi.existing-cluster.yaml"


@pytest.fixture(scope="module")
def oidc_spec() -> dict[str, Any]:
    graph = run_stack(read_stack_file(PROJECT_DIR, EXAMPLE))
    [policy] = [
        unwrap(r.inputs)["spec"]
        for r in graph.resources
        if r.inputs.get("kind") == "SecurityPolicy" and "oidc" in r.inputs.get("spec", {})
    ]
    return policy["oidc"]


def _matches(rule: Mapping[str, str], value: str | None) -> bool:
    """One ``OIDCDenyRedirectHeader`` (``type`` defaults to Exact, as in the CRD)."""
    if value is None:
        return False
    expected, kind = rule["value"], rule.get("type", "Exact")
    return {
        "Exact": value == expected,
        "Prefix": value.startswith(expected),
        "Suffix": value.endswith(expected),
        "RegularExpression": re.fullmatch(expected, value) is not None,
    }[kind]


def envoy_like(oidc: Mapping[str, Any]) -> type[BaseHTTPRequestHandler]:
    deny = (oidc.get("denyRedirect") or {}).get("headers") or []
    issuer = oidc["provider"]["issuer"]

    class Envoy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            extra: dict[str, str] = {}
            if self.path == "/robots.txt":
                status, body = 200, DISALLOW_ALL
            elif any(_matches(rule, self.headers.get(rule["name"])) for rule in deny):
                status, body = 401, "OAuth flow failed."
            else:
                status, body = 302, ""
                extra["Location"] = f"{issuer}/protocol/openid-connect/auth?client_id=edge&state=x"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Robots-Tag", "noindex, nofollow")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    return Envoy


@contextlib.contextmanager
def serve(oidc: Mapping[str, Any]) -> Iterator[str]:
    with serve_on_loopback(envoy_like(oidc)) as url:
        yield url


def _statuses(url: str) -> dict[str, str]:
    ctx = Context(MINIMAL_OUTPUTS, AwsReader("eu-west-1"), url=url, http_timeout=5)
    return {r.check: r.status.value for r in run_checks(ctx, edge_checks.CHECKS)}


def test_the_oidc_example_edge_passes_verify(oidc_spec):
    with serve(oidc_spec) as url:
        assert _statuses(url) == {
            "edge.auth-required": "pass",
            "edge.noindex": "pass",
            "edge.robots-txt": "pass",
        }


def test_an_oidc_edge_that_redirects_every_request_fails_verify(oidc_spec):
    redirecting = {k: v for k, v in oidc_spec.items() if k != "denyRedirect"}
    with serve(redirecting) as url:
        assert _statuses(url)["edge.auth-required"] == "fail"


def test_the_deny_redirect_header_is_one_verify_sends_and_browsers_navigating_do_not(oidc_spec):
    [rule] = oidc_spec["denyRedirect"]["headers"]
    sent = {k.lower(): v for k, v in edge_checks.REQUEST_HEADERS.items()}
    assert _matches(rule, sent.get(rule["name"].lower()))
    assert rule["name"].lower() not in ("user-agent", "accept", "host")  # a navigation still logs in
