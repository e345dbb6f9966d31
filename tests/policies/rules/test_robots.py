"""Robots rules (``guardrails/robots.py``): the Gateway's robots header (ClientTrafficPolicy
``lateResponseHeaders``), routes served with it, and a disallow-all ``/robots.txt`` (HTTPRouteFilter
``directResponse``) for every set of hostnames; Ingresses bypass all of it.

Each case mutates the compliant baseline (``k8s_stack``) and states the exact (policy, resource) findings of
the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.k8s_stack import (
    APP_RULE,
    HTTP_ROUTE,
    INGRESS,
    NOINDEX,
    NOINDEX_FILTER,
    ROBOTS_REF,
    ROBOTS_RULE,
    k8s,
    route,
)
from tests.policies.rules.helpers import set_in, with_spec
from tests.policies.stack import Stack

GATEWAY = "gateway-noindex-header"
ROUTE = "http-route-noindex-header"
ROBOTS = "robots-txt-disallow-all"
ROUTE_AUTH = "route-security-policy-authenticates"


def _late(**headers: Any) -> Mutation:
    return with_spec("edge-ctp", set_in("headers.lateResponseHeaders", headers))


def _robots(**direct: Any) -> Mutation:
    body = direct.pop("inline", None)
    change = {"contentType": "text/plain", "body": {"type": "Inline", "inline": body}, **direct}
    return with_spec("robots-txt", set_in("directResponse", change))


def _no_ctp_but_rules_set_it(s: Stack) -> None:
    s.remove("edge-ctp")
    rules = [
        {**APP_RULE, "filters": [NOINDEX_FILTER]},
        {**ROBOTS_RULE, "filters": [*ROBOTS_RULE["filters"], NOINDEX_FILTER]},
    ]
    s.set("app-route", spec=route(rules, hostnames=["app.staging.example.com"]))


def _robots_ref_of_another_kind(spec: dict[str, Any]) -> None:
    robots = next(rule for rule in spec["rules"] if rule.get("name") == "robots-txt")
    robots["filters"] = [
        {"type": "ExtensionRef", "extensionRef": {**ROBOTS_REF["extensionRef"], "kind": "Backend"}}
    ]


def _ingress(s: Stack) -> None:
    backend = {"service": {"name": "app", "port": {"number": 80}}}
    rule = {
        "host": "app.staging.example.com",
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }
    k8s(s, INGRESS, "legacy-ingress", "legacy", {"ingressClassName": "nginx", "rules": [rule]})


def _second_route(hostnames: list[str], robots: bool) -> Mutation:
    rules = [APP_RULE, ROBOTS_RULE] if robots else [APP_RULE]
    return lambda s: k8s(s, HTTP_ROUTE, "admin-route", "admin", route(rules, hostnames=hostnames))


HEADER_CASES = [
    case(
        lambda s: s.remove("edge-ctp"),
        (GATEWAY, "edge-gw"),
        (ROUTE, "app-route"),
        id="no-client-traffic-policy",
    ),
    case(
        _late(addIfAbsent=[NOINDEX]),
        (GATEWAY, "edge-gw"),
        (ROUTE, "app-route"),
        id="add-if-absent-lets-backend-win",
    ),
    case(
        _late(set=[{"name": "X-Robots-Tag", "value": "noindex"}]),
        (GATEWAY, "edge-gw"),
        (ROUTE, "app-route"),
        id="header-without-nofollow",
    ),
    case(_late(add=[{"name": "x-robots-tag", "value": "nofollow,noindex"}]), id="add-any-case-any-order-ok"),
    case(
        _late(set=[NOINDEX], remove=["X-Robots-Tag"]),
        (GATEWAY, "edge-gw"),
        (ROUTE, "app-route"),
        id="header-removed",
    ),
    case(
        with_spec(
            "edge-ctp",
            set_in(
                "targetRefs", [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "other"}]
            ),
        ),
        (GATEWAY, "edge-gw"),
        (ROUTE, "app-route"),
        id="policy-targets-another-gateway",
    ),
    case(_no_ctp_but_rules_set_it, (GATEWAY, "edge-gw"), id="route-rules-set-header-gateway-still-flagged"),
    case(_ingress, (ROUTE, "legacy-ingress"), (ROBOTS, "legacy-ingress"), id="ingress-bypasses-the-edge"),
]

ROBOTS_CASES = [
    case(_robots(inline="User-agent: *\nAllow: /\n"), (ROBOTS, "app-route"), id="robots-txt-allows"),
    case(
        _robots(inline="User-agent: *\nDisallow: /\nUser-agent: Googlebot\nAllow: /\n"),
        (ROBOTS, "app-route"),
        id="robots-txt-lets-one-crawler-in",
    ),
    case(
        _robots(inline="# staging\nUSER-AGENT:*\n\nDisallow : /   # everything\n"),
        id="comments-and-spacing-ok",
    ),
    case(
        _robots(inline="User-agent: *\nDisallow: /\n", statusCode=404),
        (ROBOTS, "app-route"),
        id="robots-txt-404",
    ),
    case(
        _robots(inline="User-agent: *\nDisallow: /\n", contentType="text/html"),
        (ROBOTS, "app-route"),
        id="robots-txt-html",
    ),
    # the SecurityPolicy that served the robots rule without a login now names no fixed response: flagged too
    case(
        lambda s: s.remove("robots-txt"),
        (ROBOTS, "app-route"),
        (ROUTE_AUTH, "app-robots"),
        id="robots-filter-missing",
    ),
    case(
        with_spec("app-route", _robots_ref_of_another_kind),
        (ROBOTS, "app-route"),
        (ROUTE_AUTH, "app-robots"),
        id="robots-rule-references-another-kind",
    ),
    case(
        lambda s: s.set("app-route", spec=route([APP_RULE], hostnames=["app.staging.example.com"])),
        (ROBOTS, "app-route"),
        (ROUTE_AUTH, "app-robots"),
        id="route-without-robots-rule",
    ),
    case(
        _second_route(["admin.staging.example.com"], robots=False),
        (ROBOTS, "admin-route"),
        id="own-hostnames-need-own-rule",
    ),
    case(_second_route(["app.staging.example.com"], robots=False), id="same-hostnames-share-the-rule-ok"),
    case(_second_route(["admin.staging.example.com"], robots=True), id="second-route-with-robots-rule-ok"),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*HEADER_CASES, *ROBOTS_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_robots_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
