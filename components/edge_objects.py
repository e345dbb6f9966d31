"""The specs of the Edge's Gateway API and Envoy Gateway objects, as plain dicts (camelCase, exactly as the
CRDs name the fields): the ``Edge`` component registers them as ``CustomResource`` objects, and the tests
validate them against the upstream CRD schemas.

Field names follow Gateway API v1.6 (``gateway.networking.k8s.io/v1``) and Envoy Gateway v1.9
(``gateway.envoyproxy.io/v1alpha1``): ``ClientTrafficPolicy.spec.headers.lateResponseHeaders`` (response
headers added on every response of the Gateway's listeners, after routing, so no route can forget them),
``HTTPRouteFilter.spec.directResponse`` (a fixed response served by Envoy itself), ``SecurityPolicy``
``basicAuth``/``oidc``/``authorization`` and ``EnvoyProxy.spec.provider.kubernetes.envoyService``.
The NLB annotations are the AWS Load Balancer Controller's ("Network Load Balancer" annotations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GATEWAY_API = "gateway.networking.k8s.io/v1"
ENVOY_GATEWAY_API = "gateway.envoyproxy.io/v1alpha1"
CONTROLLER_NAME = "gateway.envoyproxy.io/gatewayclass-controller"
#: What every response of the edge carries, and what ``/robots.txt`` says: no indexing, no crawling.
ROBOTS_HEADER = "X-Robots-Tag"
ROBOTS_DIRECTIVES = "noindex, nofollow"
ROBOTS_PATH = "/robots.txt"
ROBOTS_TXT = "User-agent: *\nDisallow: /\n"
#: The name of the route rule that answers ``/robots.txt`` (Gateway API named rules; unique per route).
ROBOTS_RULE = "robots-txt"
#: The Gateway's one listener: HTTPS, TLS terminated by Envoy (the NLB passes TCP through).
LISTENER = "https"
LISTENER_PORT = 443
#: The AWS Load Balancer Controller's NLB class and annotations (its docs, "Service annotations").
NLB_CLASS = "service.k8s.aws/nlb"
_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"
#: Secret keys Envoy Gateway reads: ``.htpasswd`` (basic auth, SHA hashes only) and ``client-secret`` (OIDC).
HTPASSWD_KEY = ".htpasswd"
OIDC_SECRET_KEY = "client-secret"
#: Requests carrying this header (exactly) get 401 from an OIDC edge instead of a redirect to the IdP
#: (Envoy Gateway API, ``OIDCDenyRedirect``: "useful for AJAX or machine requests"). Browsers' scripts send
#: it (``X-Requested-With: XMLHttpRequest``), and so does ``python -m blueprint verify --url``: a
#: non-browser client learns it is not logged in instead of following a login page it cannot use.
OIDC_DENY_REDIRECT_HEADER = ("X-Requested-With", "XMLHttpRequest")


@dataclass(frozen=True)
class Oidc:
    """OIDC login settings (``SecurityPolicy.spec.oidc``); the client secret is in the ``client-secret``
    key of the Secret ``secret_name``."""

    issuer: str
    client_id: str
    secret_name: str
    scopes: Sequence[str] = field(default=("openid", "email"))


def gateway_ref(gateway: str) -> dict[str, str]:
    """A policy target (``targetRefs`` entry) naming the Gateway."""
    return {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway}


def gateway_spec(*, class_name: str, proxy_name: str, hostname: str, tls_secret: str) -> dict[str, Any]:
    """The Gateway: one HTTPS listener for ``hostname`` accepting routes from its own namespace only, its
    data plane shaped by the EnvoyProxy ``proxy_name``."""
    listener = {
        "name": LISTENER,
        "protocol": "HTTPS",
        "port": LISTENER_PORT,
        "hostname": hostname,
        "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": tls_secret}]},
        "allowedRoutes": {"namespaces": {"from": "Same"}},
    }
    return {
        "gatewayClassName": class_name,
        "infrastructure": {
            "parametersRef": {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": proxy_name}
        },
        "listeners": [listener],
    }


def load_balancer_annotations(public: bool) -> dict[str, str]:
    """NLB in IP mode (pods are targets, no NodePorts), internal unless ``public``, PROXY protocol v2 so
    Envoy sees the client's address (for ``clientCIDRs`` and logs)."""
    return {
        f"{_ANNOTATION}scheme": "internet-facing" if public else "internal",
        f"{_ANNOTATION}nlb-target-type": "ip",
        f"{_ANNOTATION}proxy-protocol": "*",
    }


def envoy_proxy_spec(*, public: bool, source_ranges: Sequence[str], replicas: int) -> dict[str, Any]:
    """The EnvoyProxy: the proxies' Service is an NLB of the AWS Load Balancer Controller, internal unless
    ``public`` (and then it admits ``source_ranges`` only); no NodePorts are allocated."""
    service: dict[str, Any] = {
        "type": "LoadBalancer",
        "loadBalancerClass": NLB_CLASS,
        "allocateLoadBalancerNodePorts": False,
        "annotations": load_balancer_annotations(public),
    }
    if public:
        service["loadBalancerSourceRanges"] = list(source_ranges)
    return {
        "provider": {
            "type": "Kubernetes",
            "kubernetes": {"envoyService": service, "envoyDeployment": {"replicas": replicas}},
        }
    }


def client_traffic_spec(gateway: str) -> dict[str, Any]:
    """The ClientTrafficPolicy of the Gateway: ``X-Robots-Tag: noindex, nofollow`` set (not appended, so a
    backend cannot weaken it) on every response, the PROXY protocol header required (the NLB sends it),
    TLS 1.2 at least."""
    return {
        "targetRefs": [gateway_ref(gateway)],
        "headers": {"lateResponseHeaders": {"set": [{"name": ROBOTS_HEADER, "value": ROBOTS_DIRECTIVES}]}},
        "proxyProtocol": {"optional": False},
        "tls": {"minVersion": "1.2"},
    }


def robots_filter_spec() -> dict[str, Any]:
    """The HTTPRouteFilter answering ``/robots.txt`` itself: 200, text/plain, disallow everything."""
    body = {"type": "Inline", "inline": ROBOTS_TXT}
    return {"directResponse": {"contentType": "text/plain; charset=utf-8", "statusCode": 200, "body": body}}


def _client_authorization(client_cidrs: Sequence[str]) -> dict[str, Any]:
    """``SecurityPolicy.spec.authorization`` admitting ``client_cidrs`` only (all clients when empty)."""
    if not client_cidrs:
        return {"defaultAction": "Allow"}
    allow = {"name": "allowed-clients", "action": "Allow", "principal": {"clientCIDRs": list(client_cidrs)}}
    return {"defaultAction": "Deny", "rules": [allow]}


def robots_public_spec(route: str, client_cidrs: Sequence[str]) -> dict[str, Any]:
    """The SecurityPolicy that lets crawlers read ``/robots.txt`` without logging in: it targets only the
    ``robots-txt`` rule of ``route`` (``sectionName``), so it replaces the Gateway's authentication for that
    fixed response and nothing else; ``client_cidrs`` still apply.

    Why: a crawler that gets 401 or 403 for ``/robots.txt`` treats the site as having no robots.txt and may
    crawl everything (RFC 9309, section 2.3.1.3, "Unavailable" status); ``verify --url`` checks this.
    Envoy Gateway lets a policy on a route rule override the Gateway's (Envoy Gateway docs, "SecurityPolicy",
    policy attachment by ``sectionName``; Gateway API named route rules).
    """
    target = {
        "group": "gateway.networking.k8s.io",
        "kind": "HTTPRoute",
        "name": route,
        "sectionName": ROBOTS_RULE,
    }
    return {"targetRefs": [target], "authorization": _client_authorization(client_cidrs)}


def security_policy_spec(
    gateway: str, *, basic_auth_secret: str | None, oidc: Oidc | None, client_cidrs: Sequence[str]
) -> dict[str, Any]:
    """The Gateway-level SecurityPolicy: basic auth (htpasswd in ``basic_auth_secret``) or an OIDC login
    (redirecting browsers to the IdP; 401 for requests with ``OIDC_DENY_REDIRECT_HEADER``), and with
    ``client_cidrs`` an authorization that denies every other client address.

    Raises:
        ValueError: neither or both of basic auth and OIDC.
    """
    if (basic_auth_secret is None) == (oidc is None):
        raise ValueError("the edge needs exactly one of basic auth and OIDC")
    spec: dict[str, Any] = {"targetRefs": [gateway_ref(gateway)]}
    if basic_auth_secret is not None:
        spec["basicAuth"] = {"users": {"kind": "Secret", "name": basic_auth_secret}}
    if oidc is not None:
        spec["oidc"] = {
            "provider": {"issuer": oidc.issuer},
            "clientID": oidc.client_id,
            "clientSecret": {"kind": "Secret", "name": oidc.secret_name},
            "scopes": list(oidc.scopes),
            "denyRedirect": {
                "headers": [
                    {
                        "name": OIDC_DENY_REDIRECT_HEADER[0],
                        "type": "Exact",
                        "value": OIDC_DENY_REDIRECT_HEADER[1],
                    }
                ]
            },
        }
    if client_cidrs:
        spec["authorization"] = _client_authorization(client_cidrs)
    return spec


def robots_rule(filter_name: str) -> dict[str, Any]:
    """An HTTPRoute rule named ``robots-txt`` (``ROBOTS_RULE``) answering ``/robots.txt`` with the robots
    HTTPRouteFilter (no backend)."""
    extension = {"group": "gateway.envoyproxy.io", "kind": "HTTPRouteFilter", "name": filter_name}
    return {
        "name": ROBOTS_RULE,
        "matches": [{"path": {"type": "Exact", "value": ROBOTS_PATH}}],
        "filters": [{"type": "ExtensionRef", "extensionRef": extension}],
    }


def backend_rule(service: str, port: int, path_prefix: str = "/") -> dict[str, Any]:
    """An HTTPRoute rule sending ``path_prefix`` to a Service port of the route's namespace."""
    return {
        "matches": [{"path": {"type": "PathPrefix", "value": path_prefix}}],
        "backendRefs": [{"name": service, "port": port}],
    }


def http_route_spec(
    gateway: str, rules: Sequence[Mapping[str, Any]], hostnames: Sequence[str] = ()
) -> dict[str, Any]:
    """An HTTPRoute attached to the Gateway's HTTPS listener."""
    spec: dict[str, Any] = {
        "parentRefs": [
            {
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
                "name": gateway,
                "sectionName": LISTENER,
            }
        ],
        "rules": [dict(rule) for rule in rules],
    }
    if hostnames:
        spec["hostnames"] = list(hostnames)
    return spec
