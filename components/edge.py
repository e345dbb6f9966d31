"""``Edge``: the only way into staging's apps, and one that search engines and strangers cannot use.

Envoy Gateway (Helm release of ``oci://docker.io/envoyproxy/gateway-helm``, pinned, its ``crds/`` skipped)
runs in its own hardened namespace; a release of the CRD-only chart ``gateway-crds-helm`` at the same
version installs the Gateway API v1.6 and Envoy Gateway CRDs, so raising the version upgrades them too.
Every object that decides what the edge does is authored here as a ``CustomResource``
(``components/edge_objects.py`` holds the specs), so the preview and the policy pack see each one:

- ``GatewayClass`` and a ``Gateway`` in the staging namespace with one HTTPS listener (TLS ends at Envoy);
- an ``EnvoyProxy`` whose Service is an internal NLB (``loadBalancerClass: service.k8s.aws/nlb``, scheme
  ``internal``); internet-facing only with ``public`` and then admitting ``source_ranges`` only;
- a ``ClientTrafficPolicy`` setting ``X-Robots-Tag: noindex, nofollow`` on every response of the Gateway;
- an ``HTTPRouteFilter`` answering ``/robots.txt`` with ``User-agent: *`` / ``Disallow: /``, served by the
  route ``edge-robots`` and by every route ``app_route`` creates;
- a ``SecurityPolicy`` on the Gateway requiring basic auth (htpasswd from secret config) or an OIDC login,
  optionally only from ``client_cidrs``; routes inherit it, except each route's ``robots-txt`` rule, which a
  rule-level ``SecurityPolicy`` serves without a login (a crawler reads a 401 for ``/robots.txt`` as "crawl
  everything", RFC 9309 section 2.3.1.3).

Prerequisites outside this stack: the AWS Load Balancer Controller (it provisions NLBs for
``service.k8s.aws/nlb``) and the TLS Secret ``tls_secret_name`` in the staging namespace (cert-manager or
your PKI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import Secret
from pulumi_kubernetes.helm.v3 import Release

from components.common import StagingComponent
from components.edge_objects import (
    CONTROLLER_NAME,
    ENVOY_GATEWAY_API,
    GATEWAY_API,
    HTPASSWD_KEY,
    OIDC_SECRET_KEY,
    Oidc,
    backend_rule,
    client_traffic_spec,
    envoy_proxy_spec,
    gateway_spec,
    http_route_spec,
    robots_filter_spec,
    robots_public_spec,
    robots_rule,
    security_policy_spec,
)
from components.kubernetes_common import PART_OF, hardened_namespace, k8s_opts, network_policy, tcp_ports

CHART = "oci://docker.io/envoyproxy/gateway-helm"
#: Envoy Gateway's CRD-only chart (Envoy Gateway docs, "Gateway Crds Helm Chart": values
#: ``crds.gatewayAPI.enabled``, ``crds.gatewayAPI.channel`` (default ``experimental``),
#: ``crds.envoyGateway.enabled``, both ``false`` by default). Its CRDs are templates, so ``helm upgrade``
#: (a new ``envoyGatewayVersion``) applies them; Helm never upgrades a chart's ``crds/`` directory (Helm
#: docs, "Custom Resource Definitions": "There is no support at this time for upgrading or deleting CRDs
#: using Helm"), which is why the controller's release skips its own.
CRDS_CHART = "oci://docker.io/envoyproxy/gateway-crds-helm"
CRDS_VALUES = {"crds": {"gatewayAPI": {"enabled": True}, "envoyGateway": {"enabled": True}}}
#: Envoy maps a listener port below 1024 to container port + 10000 (Envoy Gateway's infrastructure
#: manager): the HTTPS listener on 443 is served on 10443 in the proxy pods.
PROXY_HTTPS_PORT = 10443
ENVOY_PROXY_PODS = {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy"}
#: Every pod of the controller namespace but the proxies: the controller and the chart's certgen job, which
#: talk to the Kubernetes API (a selector with ``NotIn`` also matches pods without the label).
NOT_PROXIES = {
    "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["envoy"]}]
}


@dataclass(frozen=True)
class BasicAuth:
    """Basic auth: htpasswd lines (SHA hashes) as a Pulumi secret."""

    htpasswd: pulumi.Input[str]


@dataclass(frozen=True)
class OidcAuth:
    """OIDC login: issuer, client id, client secret (a Pulumi secret), scopes."""

    issuer: str
    client_id: str
    client_secret: pulumi.Input[str]
    scopes: Sequence[str] = ("openid", "email")


@dataclass(frozen=True, kw_only=True)
class EdgeArgs:
    """Arguments of ``Edge``.

    Attributes:
        namespace: the staging namespace (Gateway, policies and routes live there).
        hostname: the listener hostname, e.g. ``*.staging.example.com``.
        tls_secret_name: kubernetes.io/tls Secret in ``namespace`` with the listener's certificate.
        auth: ``BasicAuth`` or ``OidcAuth``.
        pod_security_version: Pod Security version of the controller namespace, e.g. ``v1.35``.
        client_cidrs: if set, only these client networks get in (after authentication).
        public: internet-facing NLB (the pack flags it unless exempted); default internal.
        source_ranges: with ``public``: the only CIDRs the NLB admits.
        envoy_gateway_version: Envoy Gateway chart version, e.g. ``v1.9.2``.
        replicas: Envoy proxy replicas (default 2).
        controller_namespace: Envoy Gateway's namespace (default ``envoy-gateway-system``).

    Raises:
        ValueError: ``public`` without ``source_ranges``.
    """

    namespace: pulumi.Input[str]
    hostname: str
    tls_secret_name: str
    auth: BasicAuth | OidcAuth
    pod_security_version: str
    client_cidrs: Sequence[str] = ()
    public: bool = False
    source_ranges: Sequence[str] = ()
    envoy_gateway_version: str = "v1.9.2"
    replicas: int = 2
    controller_namespace: str = "envoy-gateway-system"

    def __post_init__(self) -> None:
        if self.public and not self.source_ranges:
            raise ValueError("a public edge needs source_ranges (who may reach it)")


class Edge(StagingComponent):
    """Envoy Gateway, every edge object authored as a custom resource, and ``app_route`` for teams.

    A route from ``app_route`` inherits the robots rule, the robots header and the authentication.

    Outputs:
        gateway_name: the Gateway's name (``edge``).
        scheme: ``internal`` or ``internet-facing`` (the NLB's).
        hostname: the listener hostname.
        controller_namespace: where Envoy Gateway and its proxies run.
    """

    gateway_name: str
    scheme: str
    hostname: str
    controller_namespace: str

    def __init__(
        self, name: str, args: EdgeArgs, provider: k8s.Provider, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts)
        self._name, self._args, self._k8s = name, args, provider
        self.gateway_name, self.hostname = "edge", args.hostname
        self.scheme = "internet-facing" if args.public else "internal"
        self.controller_namespace = args.controller_namespace
        release = self._controller()
        self._objects: list[pulumi.Resource] = [release]
        self._robots_filter = "robots-txt"
        self._custom(
            "gateway-class",
            "GatewayClass",
            "staging-edge",
            {"controllerName": CONTROLLER_NAME},
            GATEWAY_API,
            cluster_scoped=True,
        )
        proxy = envoy_proxy_spec(public=args.public, source_ranges=args.source_ranges, replicas=args.replicas)
        self._custom("proxy", "EnvoyProxy", "edge-proxy", proxy)
        gateway = gateway_spec(
            class_name="staging-edge",
            proxy_name="edge-proxy",
            hostname=args.hostname,
            tls_secret=args.tls_secret_name,
        )
        self._custom("gateway", "Gateway", self.gateway_name, gateway, GATEWAY_API)
        self._custom(
            "client-traffic",
            "ClientTrafficPolicy",
            "edge-client-traffic",
            client_traffic_spec(self.gateway_name),
        )
        self._custom("robots-txt", "HTTPRouteFilter", self._robots_filter, robots_filter_spec())
        self._custom("auth", "SecurityPolicy", "edge-auth", self._security_policy())
        self.app_route("robots", route_name="edge-robots", rules_only_robots=True)
        self.register()

    def _opts(self, **kwargs: object) -> pulumi.ResourceOptions:
        return k8s_opts(self, self._k8s, **kwargs)

    def _custom(
        self,
        role: str,
        kind: str,
        object_name: str,
        spec: dict,
        api_version: str = ENVOY_GATEWAY_API,
        *,
        cluster_scoped: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> CustomResource:
        """Register an edge object; it waits for the Helm release (which installs its CRD) and the
        Secrets the policies name."""
        metadata: dict = {"name": object_name, "labels": PART_OF}
        if not cluster_scoped:
            metadata["namespace"] = self._args.namespace
        return CustomResource(
            f"{self._name}-{role}",
            api_version=api_version,
            kind=kind,
            metadata=metadata,
            spec=spec,
            opts=pulumi.ResourceOptions.merge(self._opts(depends_on=list(self._objects)), opts),
        )

    def _controller(self) -> Release:
        """Envoy Gateway's namespace (restricted, default-deny, explicit allows) and its Helm release."""
        args, name = self._args, self._name
        ns = args.controller_namespace
        created = hardened_namespace(
            f"{name}-controller-ns",
            namespace=ns,
            pod_security_version=args.pod_security_version,
            opts=self._opts(),
        )
        opts = self._opts(depends_on=[created])
        same: dict[str, Any] = {"podSelector": {}}
        network_policy(
            f"{name}-allow-same-namespace",
            policy_name="allow-same-namespace",
            namespace=ns,
            opts=opts,
            ingress=[{"from": [same]}],
            egress=[{"to": [same]}],
        )
        proxies = {"matchLabels": ENVOY_PROXY_PODS}
        network_policy(
            f"{name}-allow-proxy-traffic",
            policy_name="allow-proxy-traffic",
            namespace=ns,
            opts=opts,
            pod_selector=proxies,
            ingress=[{"ports": tcp_ports(PROXY_HTTPS_PORT)}],  # any source: the NLB decides who gets this far
            egress=self._proxy_egress(),
        )
        network_policy(
            f"{name}-allow-controller-api",
            policy_name="allow-controller-api",
            namespace=ns,
            opts=opts,
            pod_selector=NOT_PROXIES,
            egress=[{"ports": tcp_ports(443)}],  # the Kubernetes API server
        )
        crds = Release(
            f"{name}-envoy-gateway-crds",
            chart=CRDS_CHART,
            version=args.envoy_gateway_version,  # same version: an upgrade upgrades the CRDs first
            namespace=ns,
            create_namespace=False,
            values=CRDS_VALUES,
            opts=opts,
        )
        return Release(
            f"{name}-envoy-gateway",
            chart=CHART,
            version=args.envoy_gateway_version,
            namespace=ns,
            create_namespace=False,
            skip_crds=True,  # installed and upgraded by the CRD chart's release
            values={"topologyInjector": {"enabled": False}},
            opts=self._opts(depends_on=[created, crds]),
        )

    def _proxy_egress(self) -> list[dict]:
        """Proxies reach the apps in the staging namespace and, for OIDC, the IdP on 443."""
        apps = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": self._args.namespace}}}
        rules: list[dict] = [{"to": [apps]}]
        if isinstance(self._args.auth, OidcAuth):
            rules.append({"ports": tcp_ports(443)})  # token exchange with the IdP
        return rules

    def _security_policy(self) -> dict:
        auth, args = self._args.auth, self._args
        if isinstance(auth, BasicAuth):
            self._auth_secret("edge-basic-auth", HTPASSWD_KEY, auth.htpasswd)
            return security_policy_spec(
                self.gateway_name,
                basic_auth_secret="edge-basic-auth",
                oidc=None,
                client_cidrs=args.client_cidrs,
            )
        self._auth_secret("edge-oidc-client", OIDC_SECRET_KEY, auth.client_secret)
        oidc = Oidc(auth.issuer, auth.client_id, "edge-oidc-client", tuple(auth.scopes))
        return security_policy_spec(
            self.gateway_name, basic_auth_secret=None, oidc=oidc, client_cidrs=args.client_cidrs
        )

    def _auth_secret(self, secret_name: str, key: str, value: pulumi.Input[str]) -> None:
        secret = Secret(
            f"{self._name}-{secret_name.removeprefix('edge-')}",
            metadata={"name": secret_name, "namespace": self._args.namespace, "labels": PART_OF},
            type="Opaque",
            string_data={key: pulumi.Output.secret(value)},
            opts=self._opts(),
        )
        self._objects.append(secret)

    def app_route(
        self,
        name: str,
        *,
        route_name: str | None = None,
        hostnames: Sequence[str] = (),
        service: str | None = None,
        port: int | None = None,
        path_prefix: str = "/",
        rules_only_robots: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> CustomResource:
        """An HTTPRoute on the edge for a team's Service: ``/robots.txt`` answered by the robots filter,
        everything else under ``path_prefix`` sent to ``service:port``. The Gateway adds the robots header
        and requires authentication for it, as for every route; do not attach a route-level SecurityPolicy
        without an auth method (it would replace the Gateway's). A SecurityPolicy ``<route>-robots`` on the
        route's ``robots-txt`` rule only serves ``/robots.txt`` without a login (crawlers read a 401 there
        as "no robots.txt", RFC 9309 section 2.3.1.3), still from ``client_cidrs`` only when they are set.

        Args:
            name: logical name suffix (``<edge>-route-<name>``); also the route's name unless ``route_name``.
            hostnames: names under the listener hostname, e.g. ``["app.staging.example.com"]``.
            service, port: the backend Service (same namespace) and its port.
            path_prefix: what the backend serves (default ``/``).
            opts: extra options (e.g. ``depends_on`` the Service), merged into the edge's.
            rules_only_robots: only the ``/robots.txt`` rule (the edge's own catch-all route).

        Raises:
            ValueError: neither a backend nor ``rules_only_robots``.
        """
        rules = [robots_rule(self._robots_filter)]
        if not rules_only_robots:
            if service is None or port is None:
                raise ValueError(f"app_route {name!r} needs service and port")
            rules.append(backend_rule(service, port, path_prefix))
        spec = http_route_spec(self.gateway_name, rules, hostnames)
        route_name = route_name or name
        route = self._custom(f"route-{name}", "HTTPRoute", route_name, spec, GATEWAY_API, opts=opts)
        public = robots_public_spec(route_name, self._args.client_cidrs)
        self._custom(f"route-{name}-robots", "SecurityPolicy", f"{route_name}-robots", public, opts=opts)
        return route
