"""Isolation inside the cluster, for what teams add to it: pods that reach into the node, Services that alias
outside hosts and routes that skip the edge's HTTP authentication. (RBAC that hands out power:
``rbac-least-privilege`` in ``access.py``.)

- ``pod-no-host-access``: no ``hostPath`` volume, no ``hostPort``, no capability added beyond
  ``NET_BIND_SERVICE`` (Pod Security Standards: baseline "HostPath Volumes" and "Host Ports", restricted
  "Capabilities"), in every pod spec kind and in init and ephemeral containers. The pack checks it itself:
  a namespace the stack does not label admits such pods.
- ``k8s-service-no-external-alias``: no ``ExternalName`` Service (a cluster DNS name for a host outside;
  ``externalIPs`` are ``k8s-service-not-exposed``'s).
- ``route-not-bypassing-edge-auth``: no TCPRoute, TLSRoute, UDPRoute or GRPCRoute attached to a Gateway of
  the stack: the edge authenticates HTTP only, so those would reach apps without a login.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._k8s import namespace_of
from ._props import as_list, peek
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex
from .workloads import containers, pod_spec

_MANDATORY = EnforcementLevel.MANDATORY
#: The one capability Pod Security ``restricted`` lets a container add.
ALLOWED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})

HOST_ACCESS = RuleSpec(
    name="pod-no-host-access",
    concern="isolation",
    description="Pods must not mount host paths, bind host ports or add capabilities beyond "
    "NET_BIND_SERVICE, in any container (init and ephemeral included).",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Use emptyDir, ConfigMap, Secret or persistent volumes instead of hostPath; expose ports "
    "through a ClusterIP Service and the edge instead of hostPort; drop ALL capabilities and add at most "
    "NET_BIND_SERVICE.",
    equivalents=Equivalents(
        checkov=("CKV_K8S_25", "CKV_K8S_26", "CKV_K8S_27"),
        kyverno=(
            "disallow-host-path",
            "disallow-host-ports",
            "disallow-capabilities-strict",
            "pss:baseline/host-path-volumes",
            "pss:baseline/host-ports",
            "pss:restricted/capabilities",
        ),
    ),
)


def _check_host_access(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    spec = pod_spec(props, ctx.resource_type)
    for i, volume in enumerate(as_list(peek(spec, "volumes"))):
        if peek(volume, "hostPath") is not None:
            path = peek(volume, "hostPath", "path")
            yield f"volumes[{i}] {peek(volume, 'name') or ''} mounts the node's {path!r} (hostPath)."
    for label, container in containers(spec):
        for port in as_list(peek(container, "ports")):
            host_port = peek(port, "hostPort")
            if host_port not in (None, 0):
                yield f"{label} binds host port {host_port}: it is reachable on the node's address."
        added = {str(c) for c in as_list(peek(container, "securityContext", "capabilities", "add"))}
        extra = sorted(c for c in added if c.upper().removeprefix("CAP_") not in ALLOWED_CAPABILITIES)
        if extra:
            yield f"{label} adds capabilities {', '.join(extra)} (only NET_BIND_SERVICE is allowed)."


EXTERNAL_ALIAS = RuleSpec(
    name="k8s-service-no-external-alias",
    concern="isolation",
    description="Services must not be of type ExternalName: a cluster DNS name for an outside host.",
    level=_MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Call the outside service by its own name (and open egress to it explicitly), or run a "
    "staging double of it in the namespace.",
    equivalents=Equivalents(kyverno=("no-localhost-service",)),
)


def _check_external_alias(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    if peek(props, "spec", "type") == "ExternalName":
        target = peek(props, "spec", "externalName")
        yield f"spec.type is ExternalName ({target!r}): a cluster name for an outside host."


ROUTE_BYPASS = RuleSpec(
    name="route-not-bypassing-edge-auth",
    concern="isolation",
    description="TCP, TLS, UDP and gRPC routes must not attach to the stack's Gateways: the edge "
    "authenticates HTTP requests only.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Serve the app over an HTTPRoute (authenticated by the Gateway's SecurityPolicy); a "
    "protocol the edge cannot authenticate needs its own listener and an exemption with a reason.",
)
_ROUTE_KINDS = ("TCPRoute", "TLSRoute", "UDPRoute", "GRPCRoute")
_VERSIONS = ("v1", "v1beta1", "v1alpha2", "v1alpha3")
NON_HTTP_ROUTES = frozenset(
    f"kubernetes:gateway.networking.k8s.io/{v}:{kind}" for v in _VERSIONS for kind in _ROUTE_KINDS
)


def _check_route_bypass(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    gateways = {
        (namespace_of(g.props), peek(g.props, "metadata", "name"))
        for g in index.of_type(*sorted(t.GATEWAY_TYPES))
    }
    for route in index.of_type(*sorted(NON_HTTP_ROUTES)):
        own = namespace_of(route.props)
        for ref in as_list(peek(route.props, "spec", "parentRefs")):
            key = (peek(ref, "namespace") or own, peek(ref, "name"))
            if peek(ref, "kind") in (None, "Gateway") and key in gateways:
                kind = route.resource_type.rsplit(":", 1)[1]
                yield Finding(
                    route, f"a {kind} attached to Gateway {key[1]}: it reaches apps without a login."
                )


POLICIES = [
    resource_rule(HOST_ACCESS, set(t.WORKLOADS), _check_host_access),
    resource_rule(EXTERNAL_ALIAS, {t.K8S_SERVICE}, _check_external_alias),
    stack_rule(ROUTE_BYPASS, NON_HTTP_ROUTES | t.GATEWAY_TYPES, _check_route_bypass),
]
