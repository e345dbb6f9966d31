"""Robots: staging must never show up in search results.

The Edge routes traffic with the Gateway API (Envoy Gateway). Two guardrails, no peer rule set has them:

- every HTTPRoute rule adds ``X-Robots-Tag: noindex, nofollow`` to responses (a
  ``ResponseHeaderModifier`` filter, ``set`` or ``add``); rules that only redirect are exempt;
- the stack answers ``/robots.txt`` with ``User-agent: *`` / ``Disallow: /``: an HTTPRoute rule matching
  that path references (``ExtensionRef``) an Envoy Gateway ``HTTPRouteFilter`` whose
  ``spec.directResponse.body.inline`` holds those lines.

Resources are pulumi-kubernetes custom resources (``apiVersion``/``kind``/``metadata``/``spec`` inputs).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._props import as_list, known, lower_all, peek
from ._rule import Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

ROBOTS_HEADER = "x-robots-tag"
ROBOTS_PATH = "/robots.txt"

NOINDEX_HEADER = RuleSpec(
    name="http-route-noindex-header",
    concern="robots",
    description="Every HTTPRoute rule must add the response header X-Robots-Tag: noindex, nofollow.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Add to each rule's filters {type: ResponseHeaderModifier, responseHeaderModifier: "
    "{set: [{name: X-Robots-Tag, value: 'noindex, nofollow'}]}} (the Edge component does).",
)


def _filters(rule: Any, kind: str) -> list[Mapping[str, Any]]:
    return [f for f in as_list(peek(rule, "filters")) if isinstance(f, Mapping) and peek(f, "type") == kind]


def _sets_noindex(rule: Any) -> bool:
    for modifier in _filters(rule, "ResponseHeaderModifier"):
        headers = [
            *as_list(peek(modifier, "responseHeaderModifier", "set")),
            *as_list(peek(modifier, "responseHeaderModifier", "add")),
        ]
        for header in headers:
            if str(peek(header, "name")).lower() == ROBOTS_HEADER:
                directives = lower_all(str(peek(header, "value")).replace(" ", "").split(","))
                if {"noindex", "nofollow"} <= directives:
                    return True
    return False


def _check_noindex(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for i, rule in enumerate(as_list(known(props, "spec", "rules"))):
        if _filters(rule, "RequestRedirect"):
            continue  # a redirect's target answers with the header
        if not _sets_noindex(rule):
            yield f"spec.rules[{i}] does not set X-Robots-Tag: noindex, nofollow on responses."


ROBOTS_TXT = RuleSpec(
    name="robots-txt-disallow-all",
    concern="robots",
    description="The edge must answer /robots.txt with 'User-agent: *' and 'Disallow: /'.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Add an HTTPRoute rule matching path /robots.txt whose filters reference (ExtensionRef) an "
    "Envoy Gateway HTTPRouteFilter with spec.directResponse.body.inline 'User-agent: *\\nDisallow: /\\n'.",
)


def _matches_robots(rule: Any) -> bool:
    return any(peek(m, "path", "value") == ROBOTS_PATH for m in as_list(peek(rule, "matches")))


def _disallows_all(body: Any) -> bool:
    lines = {line.strip().lower() for line in str(body).splitlines()}
    return {"user-agent: *", "disallow: /"} <= lines


def _filter_problem(route: PolicyResource, rule: Any, filters: dict[str, PolicyResource]) -> str | None:
    refs = [peek(f, "extensionRef", "name") for f in _filters(rule, "ExtensionRef")]
    found = [filters[name] for name in refs if name in filters]
    if not found:
        return f"its {ROBOTS_PATH} rule references no HTTPRouteFilter of this stack (ExtensionRef)."
    if not any(_disallows_all(peek(f.props, "spec", "directResponse", "body", "inline")) for f in found):
        return f"its {ROBOTS_PATH} response does not contain 'User-agent: *' and 'Disallow: /'."
    return None


def _check_robots_txt(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    routes = index.of_type(*sorted(t.HTTP_ROUTE_TYPES))
    filters = {peek(f.props, "metadata", "name"): f for f in index.of_type(t.ENVOY_ROUTE_FILTER)}
    robots = [
        (r, rule) for r in routes for rule in as_list(peek(r.props, "spec", "rules")) if _matches_robots(rule)
    ]
    if routes and not robots:
        for route in routes:
            yield Finding(
                route, f"no HTTPRoute in the stack answers {ROBOTS_PATH}: crawlers may index staging."
            )
    for route, rule in robots:
        problem = _filter_problem(route, rule, filters)
        if problem:
            yield Finding(route, problem)


POLICIES = [
    resource_rule(NOINDEX_HEADER, t.HTTP_ROUTE_TYPES, _check_noindex),
    stack_rule(ROBOTS_TXT, t.HTTP_ROUTE_TYPES, _check_robots_txt),
]
