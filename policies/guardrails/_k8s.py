"""Reading Kubernetes objects the way the engine delivers them: pulumi-kubernetes resources carry the object
as ``apiVersion``/``kind``/``metadata``/``spec`` properties (camelCase, as in a manifest).

Gateway API objects refer to each other by name within a namespace: a route names its Gateways in
``spec.parentRefs``, a policy names its targets in ``spec.targetRefs`` (or the older single ``targetRef``).
The helpers resolve those references inside one ``AnalyzeStack`` call. Schemas (and kubernetes-validate)
carry no enums for these fields, so the values are checked here (``GATEWAY_GROUP``, kinds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from ._props import as_list, lower_all, peek

GATEWAY_GROUP = "gateway.networking.k8s.io"
ENVOY_GROUP = "gateway.envoyproxy.io"
#: Route kinds a policy can target (a policy on one of them overrides the Gateway's for it).
ROUTE_KINDS = frozenset({"HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute"})
ROBOTS_HEADER = "x-robots-tag"


def name_of(props: Any) -> str | None:
    """``metadata.name`` (None when not set or not known yet)."""
    name = peek(props, "metadata", "name")
    return name if isinstance(name, str) else None


def namespace_of(props: Any) -> str:
    """``metadata.namespace``; Kubernetes puts namespaced objects without one in ``default``."""
    namespace = peek(props, "metadata", "namespace")
    return namespace if isinstance(namespace, str) and namespace else "default"


def ref_key(res: PolicyResource) -> tuple[str, str | None]:
    """``(namespace, name)`` of an object, what references resolve to."""
    return namespace_of(res.props), name_of(res.props)


def parent_gateways(route: PolicyResource) -> list[tuple[str, str]]:
    """``(namespace, name)`` of the Gateways a route attaches to (``spec.parentRefs``; group and kind
    default to the Gateway API's Gateway, the namespace to the route's own)."""
    found = []
    for ref in as_list(peek(route.props, "spec", "parentRefs")):
        if not isinstance(ref, Mapping):
            continue
        group, kind = peek(ref, "group") or GATEWAY_GROUP, peek(ref, "kind") or "Gateway"
        name = peek(ref, "name")
        if group == GATEWAY_GROUP and kind == "Gateway" and isinstance(name, str):
            found.append((peek(ref, "namespace") or namespace_of(route.props), name))
    return found


def policy_targets(props: Any) -> list[Mapping[str, Any]]:
    """The targets of an Envoy Gateway policy: ``spec.targetRefs`` plus the older ``spec.targetRef``."""
    refs = [r for r in as_list(peek(props, "spec", "targetRefs")) if isinstance(r, Mapping)]
    single = peek(props, "spec", "targetRef")
    return refs + ([single] if isinstance(single, Mapping) else [])


def targets_whole(policy: PolicyResource, kind: str, key: tuple[str, str | None]) -> bool:
    """Whether ``policy`` targets the whole object ``kind`` ``key`` (same namespace, no ``sectionName``)."""
    if namespace_of(policy.props) != key[0]:
        return False
    return any(
        peek(ref, "group") == GATEWAY_GROUP
        and peek(ref, "kind") == kind
        and peek(ref, "name") == key[1]
        and not peek(ref, "sectionName")
        for ref in policy_targets(policy.props)
    )


FilterIndex = Mapping[tuple[str, str | None], PolicyResource]


def route_filter(entry: Any, namespace: str, filters: FilterIndex) -> PolicyResource | None:
    """The Envoy Gateway HTTPRouteFilter of the stack that one entry of a route rule's ``filters``
    references (``type: ExtensionRef``, resolved in the route's ``namespace``); None for any other entry or a
    filter the stack does not hold. ``filters``: the stack's HTTPRouteFilters by ``ref_key``."""
    ref = peek(entry, "extensionRef")
    if peek(entry, "type") != "ExtensionRef" or peek(ref, "group") != ENVOY_GROUP:
        return None
    if peek(ref, "kind") != "HTTPRouteFilter":
        return None
    return filters.get((namespace, peek(ref, "name")))


def sets_noindex(headers: Iterable[Any]) -> bool:
    """Whether one of ``headers`` (``{name, value}`` entries) is X-Robots-Tag with noindex and nofollow."""
    for header in headers:
        if str(peek(header, "name")).lower() == ROBOTS_HEADER:
            directives = lower_all(str(peek(header, "value")).replace(" ", "").split(","))
            if {"noindex", "nofollow"} <= directives:
                return True
    return False
