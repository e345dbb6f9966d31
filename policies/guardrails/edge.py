"""The edge: reachable only from where it should be, and never without authentication.

- ``edge-load-balancer-internal``: the Envoy proxies' Service (``EnvoyProxy.spec.provider.kubernetes.
  envoyService``) is an NLB of the AWS Load Balancer Controller (``loadBalancerClass: service.k8s.aws/nlb``)
  with scheme ``internal`` (the controller's default when the annotation is absent), or a ClusterIP;
  never a NodePort. Without that class the Kubernetes cloud provider's legacy controller makes an
  internet-facing Classic or Network Load Balancer. A public edge needs an exemption of this rule.
- ``edge-public-source-ranges``: an internet-facing load balancer (the edge's, or any Service's)
  admits only ``loadBalancerSourceRanges``, none of them everything.
- ``gateway-requires-authentication``: every Gateway is the target of a SecurityPolicy with an
  authentication method (``basicAuth``, ``oidc``, ``jwt``, ``extAuth``, ``apiKeyAuth``).
- ``route-security-policy-authenticates``: a SecurityPolicy on a route or a Gateway listener replaces the
  Gateway's for it (Envoy Gateway applies the most specific policy), so it needs an authentication method
  of its own unless it sets ``mergeType`` (then it is merged into the Gateway's). One exception: a policy
  on a route rule (``sectionName``) that only answers with a fixed response (no ``backendRefs``; an Envoy
  Gateway HTTPRouteFilter with ``directResponse``, header modifiers at most besides), which is how
  ``/robots.txt`` stays readable by crawlers: a 401 there reads as "no robots.txt, crawl everything"
  (RFC 9309, 2.3.1.3).

AWS Load Balancer Controller docs, "Service annotations"; Envoy Gateway docs, "SecurityPolicy" and
"Policy attachment" (precedence).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._k8s import (
    GATEWAY_GROUP,
    ROUTE_KINDS,
    FilterIndex,
    policy_targets,
    ref_key,
    route_filter,
    targets_whole,
)
from ._network import is_everything
from ._props import as_list, known, peek
from ._rule import Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

NLB_CLASS = "service.k8s.aws/nlb"
SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
AUTH_METHODS = ("basicAuth", "oidc", "jwt", "extAuth", "apiKeyAuth")
_MANDATORY = EnforcementLevel.MANDATORY

EDGE_INTERNAL = RuleSpec(
    name="edge-load-balancer-internal",
    concern="isolation",
    description="The edge's Envoy proxies must sit behind an internal NLB (or a ClusterIP Service), never a "
    "NodePort or an internet-facing load balancer.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set the EnvoyProxy's envoyService to type LoadBalancer, loadBalancerClass "
    "service.k8s.aws/nlb and the annotation service.beta.kubernetes.io/aws-load-balancer-scheme: internal "
    "(the Edge component's default). A staging edge that must face the internet records an exemption "
    "(reason, owner, expiry) and lists loadBalancerSourceRanges.",
)


def _envoy_service(props: Mapping[str, Any]) -> Any:
    return known(props, "spec", "provider", "kubernetes", "envoyService") or {}


def _internet_facing(service: Any) -> bool:
    """A LoadBalancer Service that is not internal: the legacy controller (no class) is internet-facing by
    default; the AWS Load Balancer Controller is internal unless the scheme annotation says otherwise."""
    if (peek(service, "type") or "LoadBalancer") != "LoadBalancer":
        return False
    if peek(service, "loadBalancerClass") != NLB_CLASS:
        return True
    return peek(service, "annotations", SCHEME) not in (None, "internal")


def _check_edge_internal(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    service = _envoy_service(props)
    kind = peek(service, "type") or "LoadBalancer"  # Envoy Gateway's default
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer"):
        yield f"envoyService.type {kind!r} is not ClusterIP, NodePort or LoadBalancer."
    elif kind == "NodePort":
        yield "envoyService.type is NodePort: every node exposes the proxies on a high port."
    elif kind == "ClusterIP":
        return
    elif peek(service, "loadBalancerClass") != NLB_CLASS:
        yield (
            "envoyService.loadBalancerClass is not service.k8s.aws/nlb: the cloud provider's legacy "
            "controller creates an internet-facing load balancer."
        )
    elif _internet_facing(service):
        yield f"the NLB is internet-facing ({SCHEME}: {peek(service, 'annotations', SCHEME)})."


SOURCE_RANGES = RuleSpec(
    name="edge-public-source-ranges",
    concern="isolation",
    description="An internet-facing load balancer of the cluster must admit only listed source ranges, none "
    "of them the whole internet.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="List the office and VPN egress CIDRs in loadBalancerSourceRanges (the EnvoyProxy's "
    "envoyService, or the Service's spec); never 0.0.0.0/0 or ::/0. Better: keep the load balancer internal.",
)


def _check_source_ranges(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    service = _envoy_service(props) if ctx.resource_type == t.ENVOY_PROXY else known(props, "spec") or {}
    if ctx.resource_type == t.K8S_SERVICE and peek(service, "type") != "LoadBalancer":
        return
    if not _internet_facing(service):
        return
    ranges = as_list(known(service, "loadBalancerSourceRanges"))
    if not ranges:
        yield "internet-facing without loadBalancerSourceRanges: anyone on the internet can connect."
    for cidr in ranges:
        if is_everything(cidr):
            yield f"loadBalancerSourceRanges includes {cidr}: the whole internet can connect."


GATEWAY_AUTH = RuleSpec(
    name="gateway-requires-authentication",
    concern="access",
    description="Every Gateway must require authentication through a Gateway-level SecurityPolicy.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Target the Gateway with an Envoy Gateway SecurityPolicy with basicAuth (an htpasswd "
    "Secret) or oidc (your IdP); the Edge component does, from the edge.auth config.",
)


def _authenticates(props: Any) -> bool:
    return any(peek(props, "spec", method) for method in AUTH_METHODS)


def _check_gateway_auth(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    policies = [p for p in index.of_type(t.SECURITY_POLICY) if _authenticates(p.props)]
    for gw in index.of_type(*sorted(t.GATEWAY_TYPES)):
        if not any(targets_whole(p, "Gateway", ref_key(gw)) for p in policies):
            yield Finding(
                gw,
                "no SecurityPolicy with an authentication method targets it: anyone who reaches it gets in.",
            )


ROUTE_AUTH = RuleSpec(
    name="route-security-policy-authenticates",
    concern="access",
    description="A SecurityPolicy on a route or a Gateway listener must authenticate (or merge into the "
    "Gateway's), since it replaces the Gateway's policy there; only a route rule that serves a fixed "
    "response (robots.txt) may go without.",
    level=_MANDATORY,
    severity=Severity.CRITICAL,
    remediation="Add the authentication method (basicAuth, oidc, jwt, extAuth or apiKeyAuth) to the "
    "route's SecurityPolicy, or set mergeType: StrategicMerge so it adds to the Gateway's policy instead of "
    "replacing it. To serve robots.txt without a login, target only its rule (sectionName) and give that "
    "rule no backendRefs, just an HTTPRouteFilter with directResponse (Edge.app_route does).",
)


def _narrow_targets(props: Any) -> list[Mapping[str, Any]]:
    """The targets (refs and label selectors) narrower than a whole Gateway: routes, route rules,
    listeners."""
    found = []
    for ref in policy_targets(props) + [
        s for s in as_list(peek(props, "spec", "targetSelectors")) if isinstance(s, Mapping)
    ]:
        kind, group = peek(ref, "kind"), peek(ref, "group") or GATEWAY_GROUP
        if group == GATEWAY_GROUP and (
            kind in ROUTE_KINDS or (kind in ("Gateway", "ListenerSet") and peek(ref, "sectionName"))
        ):
            found.append(ref)
    return found


#: Standard route filters that only change headers: harmless next to a fixed response.
_HEADER_FILTERS = frozenset({"RequestHeaderModifier", "ResponseHeaderModifier"})


def _serves_fixed_response(rule: Any, namespace: str, filters: FilterIndex) -> bool:
    """Whether a route rule only answers from Envoy itself: no backendRefs, at least one HTTPRouteFilter of
    the stack with ``directResponse``, and nothing else but header modifiers."""
    if as_list(peek(rule, "backendRefs")):
        return False
    fixed = 0
    for entry in as_list(peek(rule, "filters")):
        found = route_filter(entry, namespace, filters)
        if found is not None and known(found.props, "spec", "directResponse"):
            fixed += 1
        elif peek(entry, "type") not in _HEADER_FILTERS:
            return False
    return fixed > 0


def _fixed_response_rule(
    ref: Mapping[str, Any], namespace: str, routes: Mapping[Any, PolicyResource], filters: FilterIndex
) -> bool:
    """Whether ``ref`` names one rule (``sectionName``) of an HTTPRoute of the stack that serves a fixed
    response; an unknown route or rule counts as not (fail closed). ``routes``: by ``ref_key``."""
    section, route = peek(ref, "sectionName"), routes.get((namespace, peek(ref, "name")))
    if peek(ref, "kind") != "HTTPRoute" or not isinstance(section, str) or route is None:
        return False
    rules = [r for r in as_list(peek(route.props, "spec", "rules")) if peek(r, "name") == section]
    return len(rules) == 1 and _serves_fixed_response(rules[0], namespace, filters)


def _describe(ref: Mapping[str, Any]) -> str:
    rule = peek(ref, "sectionName") if peek(ref, "kind") in ROUTE_KINDS else None
    return f"{peek(ref, 'kind')} {peek(ref, 'name') or '(selected by labels)'}" + (
        f" rule {rule}" if rule else ""
    )


def _check_route_auth(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    routes = {ref_key(r): r for r in index.of_type(*sorted(t.HTTP_ROUTE_TYPES))}
    filters = {ref_key(f): f for f in index.of_type(t.ENVOY_ROUTE_FILTER)}
    for policy in index.of_type(t.SECURITY_POLICY):
        if _authenticates(policy.props) or known(policy.props, "spec", "mergeType"):
            continue
        namespace = ref_key(policy)[0]
        narrow = _narrow_targets(policy.props)
        open_targets = [
            _describe(r) for r in narrow if not _fixed_response_rule(r, namespace, routes, filters)
        ]
        if open_targets:
            yield Finding(
                policy,
                f"it targets {', '.join(open_targets)} with no authentication method and no mergeType: it "
                "replaces the Gateway's authentication there, leaving it open.",
            )


POLICIES = [
    resource_rule(EDGE_INTERNAL, {t.ENVOY_PROXY}, _check_edge_internal),
    resource_rule(SOURCE_RANGES, {t.ENVOY_PROXY, t.K8S_SERVICE}, _check_source_ranges),
    stack_rule(GATEWAY_AUTH, t.GATEWAY_TYPES, _check_gateway_auth),
    stack_rule(ROUTE_AUTH, {t.SECURITY_POLICY}, _check_route_auth),
]
