"""API checks: every route of the token broker's HTTP API requires its authorizer, except the health
check (``components/token_broker_args.py`` ROUTES, the one list the component deploys from), and each
authorizer a route uses exists and is a JWT authorizer with an issuer.

The API id comes from ``tokenBrokerUrl``, the API's default endpoint
``https://{api-id}.execute-api.{region}.amazonaws.com`` (API Gateway Developer Guide, "Invoking an HTTP
API"); any other form fails the check rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from blueprint.verify.registry import Check, Context, Subject, one
from blueprint.verify.results import NOT_CONFIGURED, SkipError, Verdict, require
from components.token_broker_args import ROUTES

AREA = "api"
#: Routes that may be called without a token: the broker's health check.
ANONYMOUS_ROUTES = frozenset(route for route, authenticated in ROUTES.items() if not authenticated)
_DEFAULT_ENDPOINT = re.compile(
    r"^https://(?P<id>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/?$"
)


def api_id(url: str) -> str | None:
    """The API id in a default ``execute-api`` endpoint URL, or None."""
    match = _DEFAULT_ENDPOINT.match(url)
    return match.group("id") if match else None


def _authorizer(ctx: Context, api: str, authorizer_id: str) -> list[str]:
    found = ctx.aws("apigatewayv2").get_authorizer(ApiId=api, AuthorizerId=authorizer_id)
    where = f"authorizer {authorizer_id}"
    kind = require(found, "AuthorizerType", where)
    if kind == "JWT":
        issuer = require(found, "JwtConfiguration.Issuer", where)
        return [] if issuer else [f"{where}: JWT without an issuer"]
    return [] if kind == "REQUEST" else [f"{where}: type {kind}"]


def _route_problem(route: dict[str, Any]) -> str | None:
    key = route.get("RouteKey", "?")
    kind = route.get("AuthorizationType")
    if kind is None:
        return f"{key}: AuthorizationType absent"
    if key in ANONYMOUS_ROUTES:
        return None
    if kind == "NONE":
        return f"{key}: no authorization"
    if kind in ("JWT", "CUSTOM") and not route.get("AuthorizerId"):
        return f"{key}: {kind} without an authorizer"
    return None


def _routes(ctx: Context, api: str) -> Verdict:
    client = ctx.aws("apigatewayv2")
    routes = [r for page in client.get_paginator("get_routes").paginate(ApiId=api) for r in page["Items"]]
    if not routes:
        return Verdict([f"API {api} has no routes"])
    problems = [p for route in routes if (p := _route_problem(route))]
    for authorizer_id in sorted({str(r["AuthorizerId"]) for r in routes if r.get("AuthorizerId")}):
        problems += _authorizer(ctx, api, authorizer_id)
    facts = [
        f"{r.get('RouteKey')}: {r.get('AuthorizationType')}"
        for r in sorted(routes, key=lambda r: str(r.get("RouteKey")))
    ]
    return Verdict(problems, facts)


def route_subjects(ctx: Context) -> Iterator[Subject]:
    url = ctx.outputs.token_broker_url
    if not url:
        raise SkipError(NOT_CONFIGURED, "the stack exports no tokenBrokerUrl (no token broker)")
    found = api_id(url)
    if found is None:
        yield (
            "token broker API",
            lambda: Verdict([f"tokenBrokerUrl {url} is not a default execute-api endpoint"]),
        )
        return
    yield one(f"token broker API {found}", _routes, ctx, found)


CHECKS = (
    Check(
        "api.routes-authorized",
        AREA,
        "Every token broker route requires the JWT authorizer, except the health check",
        ("apigateway:GET",),
        route_subjects,
    ),
)
