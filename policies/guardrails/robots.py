"""Robots: staging must never show up in search results. No peer rule set has these guardrails.

The Edge routes traffic with the Gateway API on Envoy Gateway:

- ``gateway-noindex-header``: every Gateway is the target of a ``ClientTrafficPolicy`` whose
  ``spec.headers.lateResponseHeaders`` sets (``set`` or ``add``) ``X-Robots-Tag: noindex, nofollow``:
  Envoy adds it to every response of the Gateway, errors and direct responses included;
- ``http-route-noindex-header``: every HTTPRoute attaches only to such Gateways, or sets the header on each
  of its rules itself (a ``ResponseHeaderModifier`` filter; rules that only redirect are exempt). An
  ``Ingress`` is an entry point outside the edge, which adds no header: it is flagged;
- ``robots-txt-disallow-all``: for each set of hostnames the routes serve, a rule matching ``/robots.txt``
  references (``ExtensionRef``) an Envoy Gateway ``HTTPRouteFilter`` in the route's namespace whose
  ``spec.directResponse`` answers 200 (the default) with a body of exactly ``User-agent: *`` /
  ``Disallow: /``. Envoy matches hostnames before paths, so a catch-all route's robots rule does not
  answer for a route with its own hostnames. A 4xx answer would mean "crawl everything" to Google
  (Google Search Central, "How Google interprets the robots.txt specification"). An ``Ingress`` cannot
  serve the edge's robots.txt: it is flagged.

Resources are pulumi-kubernetes custom resources (``apiVersion``/``kind``/``metadata``/``spec`` inputs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._k8s import (
    FilterIndex,
    namespace_of,
    parent_gateways,
    ref_key,
    route_filter,
    sets_noindex,
    targets_whole,
)
from ._props import as_list, peek
from ._rule import Finding, RuleContext, RuleSpec, stack_rule
from ._stack import StackIndex

ROBOTS_PATH = "/robots.txt"
_INGRESS = "an Ingress is served by an ingress controller outside the edge"

GATEWAY_HEADER = RuleSpec(
    name="gateway-noindex-header",
    concern="robots",
    description="Every Gateway must add X-Robots-Tag: noindex, nofollow to all its responses through a "
    "ClientTrafficPolicy.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Target the Gateway with an Envoy Gateway ClientTrafficPolicy whose spec.headers."
    "lateResponseHeaders.set is [{name: X-Robots-Tag, value: 'noindex, nofollow'}] (the Edge component "
    "does).",
)


def _late_noindex(policy: PolicyResource) -> bool:
    late = peek(policy.props, "spec", "headers", "lateResponseHeaders")
    removed = {str(h).lower() for h in as_list(peek(late, "remove"))}
    headers = [*as_list(peek(late, "set")), *as_list(peek(late, "add"))]
    return "x-robots-tag" not in removed and sets_noindex(headers)


def _covered_gateways(index: StackIndex) -> set[tuple[str, str | None]]:
    """Gateways of the stack that a ClientTrafficPolicy gives the robots header."""
    policies = index.of_type(t.CLIENT_TRAFFIC_POLICY)
    return {
        ref_key(gw)
        for gw in index.of_type(*sorted(t.GATEWAY_TYPES))
        if any(_late_noindex(p) and targets_whole(p, "Gateway", ref_key(gw)) for p in policies)
    }


def _check_gateway_header(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    covered = _covered_gateways(index)
    for gw in index.of_type(*sorted(t.GATEWAY_TYPES)):
        if ref_key(gw) not in covered:
            yield Finding(
                gw, "no ClientTrafficPolicy targeting it sets X-Robots-Tag: noindex, nofollow in "
                "spec.headers.lateResponseHeaders: its responses may be indexed."
            )  # fmt: skip


ROUTE_HEADER = RuleSpec(
    name="http-route-noindex-header",
    concern="robots",
    description="Every HTTPRoute must be served with X-Robots-Tag: noindex, nofollow (by its Gateway or on "
    "each rule), and no Ingress may bypass the edge.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Attach the route to the edge's Gateway (Edge.app_route does), whose ClientTrafficPolicy "
    "sets the header, or add to each rule's filters {type: ResponseHeaderModifier, responseHeaderModifier: "
    "{set: [{name: X-Robots-Tag, value: 'noindex, nofollow'}]}}. Replace an Ingress with an HTTPRoute on "
    "the edge.",
)


def _rule_sets_noindex(rule: Any) -> bool:
    for entry in as_list(peek(rule, "filters")):
        if isinstance(entry, Mapping) and peek(entry, "type") == "ResponseHeaderModifier":
            modifier = peek(entry, "responseHeaderModifier")
            if sets_noindex([*as_list(peek(modifier, "set")), *as_list(peek(modifier, "add"))]):
                return True
    return False


def _redirects_only(rule: Any) -> bool:
    return any(peek(f, "type") == "RequestRedirect" for f in as_list(peek(rule, "filters")))


def _route_header_problems(route: PolicyResource, covered: set[tuple[str, str | None]]) -> Iterator[str]:
    bare = [f"{ns}/{name}" for ns, name in parent_gateways(route) if (ns, name) not in covered]
    if not bare:
        return
    for i, rule in enumerate(as_list(peek(route.props, "spec", "rules"))):
        if not _redirects_only(rule) and not _rule_sets_noindex(rule):
            yield (
                f"spec.rules[{i}] does not set X-Robots-Tag: noindex, nofollow, and neither does its "
                f"Gateway {', '.join(bare)} (no ClientTrafficPolicy of the stack gives it the header)."
            )


def _check_route_header(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    covered = _covered_gateways(index)
    for route in index.of_type(*sorted(t.HTTP_ROUTE_TYPES)):
        for problem in _route_header_problems(route, covered):
            yield Finding(route, problem)
    for ingress in index.of_type(*sorted(t.INGRESS_TYPES)):
        yield Finding(ingress, f"{_INGRESS}, which adds no X-Robots-Tag: its responses may be indexed.")


ROBOTS_TXT = RuleSpec(
    name="robots-txt-disallow-all",
    concern="robots",
    description="The edge must answer /robots.txt with 'User-agent: *' and 'Disallow: /' for every hostname "
    "it serves.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Give every HTTPRoute (or one route per set of hostnames) a rule matching path /robots.txt "
    "whose filters reference (ExtensionRef) an Envoy Gateway HTTPRouteFilter with spec.directResponse "
    "{statusCode: 200, body: {type: Inline, inline: 'User-agent: *\\nDisallow: /\\n'}} (Edge.app_route "
    "does). Serve nothing but those two lines; replace an Ingress with an HTTPRoute on the edge.",
)


def _matches_robots(rule: Any) -> bool:
    return any(peek(m, "path", "value") == ROBOTS_PATH for m in as_list(peek(rule, "matches")))


def _disallows_all(body: Any) -> bool:
    """Exactly ``User-agent: *`` and ``Disallow: /`` (comments and blank lines aside): any other group or
    line could let some crawler in."""
    lines = {
        re.sub(r"\s*:\s*", ": ", line.split("#", 1)[0].strip().lower()) for line in str(body).splitlines()
    }
    return lines - {""} == {"user-agent: *", "disallow: /"}


def _response_problem(directive: Any) -> str | None:
    status, content_type = peek(directive, "statusCode"), peek(directive, "contentType")
    if status not in (None, 200):
        return f"its {ROBOTS_PATH} answers with status {status}: crawlers read a 4xx as 'crawl everything'."
    if content_type is not None and not str(content_type).startswith("text/plain"):
        return f"its {ROBOTS_PATH} answers with content type {content_type}, not text/plain."
    body = peek(directive, "body")
    if (peek(body, "type") or "Inline") != "Inline" or not _disallows_all(peek(body, "inline")):
        return f"its {ROBOTS_PATH} response is not exactly 'User-agent: *' and 'Disallow: /' (inline)."
    return None


def _filter_problem(route: PolicyResource, rule: Any, filters: FilterIndex) -> str | None:
    namespace = namespace_of(route.props)
    entries = as_list(peek(rule, "filters"))
    found = [f for f in (route_filter(e, namespace, filters) for e in entries) if f is not None]
    if not found:
        return f"its {ROBOTS_PATH} rule references no HTTPRouteFilter of the stack in {namespace}."
    problems = [_response_problem(peek(f.props, "spec", "directResponse")) for f in found]
    return None if any(p is None for p in problems) else problems[0]


def _hostname_groups(routes: list[PolicyResource]) -> dict[Any, list[PolicyResource]]:
    groups: dict[Any, list[PolicyResource]] = defaultdict(list)
    for route in routes:
        hostnames = frozenset(
            h for h in as_list(peek(route.props, "spec", "hostnames")) if isinstance(h, str)
        )
        groups[(namespace_of(route.props), hostnames)].append(route)
    return groups


def _check_robots_txt(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    filters = {ref_key(f): f for f in index.of_type(t.ENVOY_ROUTE_FILTER)}
    for (_, hostnames), routes in _hostname_groups(index.of_type(*sorted(t.HTTP_ROUTE_TYPES))).items():
        robots = [
            (r, rule)
            for r in routes
            for rule in as_list(peek(r.props, "spec", "rules"))
            if _matches_robots(rule)
        ]
        if not robots:
            names = ", ".join(sorted(hostnames)) or "the listener's hostnames"
            for route in routes:
                yield Finding(
                    route, f"no HTTPRoute for {names} answers {ROBOTS_PATH}: crawlers may index staging."
                )
        for route, rule in robots:
            problem = _filter_problem(route, rule, filters)
            if problem:
                yield Finding(route, problem)
    for ingress in index.of_type(*sorted(t.INGRESS_TYPES)):
        yield Finding(ingress, f"{_INGRESS}, which does not answer {ROBOTS_PATH} with Disallow: /.")


_ENTRY_POINTS = t.HTTP_ROUTE_TYPES | t.INGRESS_TYPES
POLICIES = [
    stack_rule(GATEWAY_HEADER, t.GATEWAY_TYPES, _check_gateway_header),
    stack_rule(ROUTE_HEADER, _ENTRY_POINTS, _check_route_header),
    stack_rule(ROBOTS_TXT, _ENTRY_POINTS, _check_robots_txt),
]
