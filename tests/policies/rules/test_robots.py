"""Robots rules (``guardrails/robots.py``): the noindex header and a disallow-all robots.txt.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import (
    header_filter,
    route_rules,
)
from tests.policies.stack import (
    APP_RULE,
    HTTP_ROUTE,
    ROBOTS_REF,
    ROBOTS_RULE,
)

CASES = [
    case(
        route_rules({**APP_RULE, "filters": []}),
        ("http-route-noindex-header", "app-route"),
        ("robots-txt-disallow-all", "app-route"),
        id="route-without-header-or-robots",
    ),
    case(
        route_rules(APP_RULE, {**ROBOTS_RULE, "filters": [ROBOTS_REF]}),
        ("http-route-noindex-header", "app-route"),
        id="robots-rule-without-header",
    ),
    case(
        route_rules({**APP_RULE, "filters": [header_filter("add", "x-robots-tag", "noindex")]}, ROBOTS_RULE),
        ("http-route-noindex-header", "app-route"),
        id="header-without-nofollow",
    ),
    case(
        route_rules(
            {**APP_RULE, "filters": [header_filter("set", "X-Robots-Tag", "nofollow,noindex")]}, ROBOTS_RULE
        ),
        id="header-directives-in-any-order-ok",
    ),
    case(
        lambda s: s.add(
            HTTP_ROUTE,
            "redirect-route",
            {
                "spec": {
                    "rules": [
                        {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}}]}
                    ]
                }
            },
        ),
        id="redirect-only-route-ok",
    ),
    case(
        lambda s: s.set(
            "robots-txt",
            spec={"directResponse": {"body": {"type": "Inline", "inline": "User-agent: *\nAllow: /\n"}}},
        ),
        ("robots-txt-disallow-all", "app-route"),
        id="robots-txt-allows",
    ),
    case(
        lambda s: s.remove("robots-txt"), ("robots-txt-disallow-all", "app-route"), id="robots-filter-missing"
    ),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_robots_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
