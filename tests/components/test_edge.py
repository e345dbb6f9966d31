"""Edge: Envoy Gateway from a pinned Helm release, and every edge object as a custom resource the preview
and the pack can read: an internal NLB, the robots header on the Gateway, a disallow-all robots.txt, basic
auth or OIDC on the Gateway (credentials only as Pulumi secrets), and app routes inheriting all of it."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from blueprint.engine import ProgramError
from blueprint.engine.graph import StackGraph, is_secret
from components.edge import BasicAuth, Edge, EdgeArgs, OidcAuth
from components.edge_objects import ROBOTS_TXT
from tests.support import inputs, one, record

SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
HTPASSWD = "staging:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="


def build(auth: Any = None, route: bool = False, **overrides: Any) -> StackGraph:
    args = {
        "namespace": "apps",
        "hostname": "*.staging.example.com",
        "tls_secret_name": "edge-tls",
        "auth": auth or BasicAuth(HTPASSWD),
        "pod_security_version": "v1.35",
        **overrides,
    }

    def program() -> None:
        edge = Edge("edge", EdgeArgs(**args), k8s.Provider("kube", kubeconfig="{}"))
        if route:
            edge.app_route("shop", hostnames=["shop.staging.example.com"], service="shop", port=8080)

    return record(program)


def custom(graph: StackGraph, kind: str, name: str | None = None) -> dict[str, Any]:
    """The object of ``kind`` (and metadata name) the edge registered, as the API server gets it."""
    found = [inputs(r) for r in graph.resources if r.inputs.get("kind") == kind]
    found = [o for o in found if name is None or o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def graph() -> StackGraph:
    return build(route=True)


def _release(graph: StackGraph, chart: str) -> Any:
    [found] = [r for r in graph.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == chart]
    return found


def test_envoy_gateway_is_a_pinned_helm_release_in_its_own_hardened_namespace(graph):
    release = inputs(_release(graph, "oci://docker.io/envoyproxy/gateway-helm"))
    assert (release["chart"], release["version"]) == ("oci://docker.io/envoyproxy/gateway-helm", "v1.9.2")
    assert release["namespace"] == "envoy-gateway-system"
    namespace = custom(graph, "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    names = {
        custom(graph, "NetworkPolicy", n)["metadata"]["namespace"] for n in ("default-deny", "allow-dns")
    }
    assert names == {"envoy-gateway-system"}


def test_the_crds_come_from_the_crd_chart_at_the_same_version_so_an_upgrade_upgrades_them():
    # Helm installs a chart's crds/ once and never upgrades them; the CRD-only chart's are templates.
    for version in ("v1.9.2", "v1.10.0"):
        graph = build(envoy_gateway_version=version)
        crds = inputs(_release(graph, "oci://docker.io/envoyproxy/gateway-crds-helm"))
        controller = _release(graph, "oci://docker.io/envoyproxy/gateway-helm")
        assert crds["version"] == version == inputs(controller)["version"]
        assert crds["values"]["crds"]["gatewayAPI"]["enabled"] is True
        assert crds["values"]["crds"]["envoyGateway"]["enabled"] is True
        assert inputs(controller)["skipCrds"] is True
        crd_release = _release(graph, "oci://docker.io/envoyproxy/gateway-crds-helm")
        assert crd_release.urn in controller.dependencies


def test_every_edge_object_waits_for_the_release_that_installs_its_crd(graph):
    release = _release(graph, "oci://docker.io/envoyproxy/gateway-helm")
    customs = [r for r in graph.resources if r.type.split(":")[1].startswith("gateway.")]
    # GatewayClass, EnvoyProxy, Gateway, ClientTrafficPolicy, HTTPRouteFilter, the Gateway's SecurityPolicy,
    # two routes and their robots.txt SecurityPolicies
    assert len(customs) == 10
    assert all(release.urn in r.dependencies for r in customs)


def test_the_proxies_sit_behind_an_internal_nlb_without_node_ports(graph):
    service = custom(graph, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    assert (service["type"], service["loadBalancerClass"]) == ("LoadBalancer", "service.k8s.aws/nlb")
    assert service["annotations"][SCHEME] == "internal"
    assert service["allocateLoadBalancerNodePorts"] is False
    assert "loadBalancerSourceRanges" not in service


def test_a_public_edge_admits_its_source_ranges_only():
    graph = build(public=True, source_ranges=["203.0.113.0/24"])
    service = custom(graph, "EnvoyProxy")["spec"]["provider"]["kubernetes"]["envoyService"]
    assert service["annotations"][SCHEME] == "internet-facing"
    assert service["loadBalancerSourceRanges"] == ["203.0.113.0/24"]
    with pytest.raises(ValueError, match="source_ranges"):
        EdgeArgs(
            namespace="apps",
            hostname="x.example.com",
            tls_secret_name="t",
            auth=BasicAuth("x"),
            pod_security_version="v1.35",
            public=True,
        )


def test_every_response_carries_the_robots_header(graph):
    policy = custom(graph, "ClientTrafficPolicy")["spec"]
    assert policy["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"}]
    assert policy["headers"]["lateResponseHeaders"] == {
        "set": [{"name": "X-Robots-Tag", "value": "noindex, nofollow"}]
    }


def test_robots_txt_disallows_everything(graph):
    direct = custom(graph, "HTTPRouteFilter")["spec"]["directResponse"]
    assert (
        direct["body"]
        == {"type": "Inline", "inline": "User-agent: *\nDisallow: /\n"}
        == {"type": "Inline", "inline": ROBOTS_TXT}
    )
    assert direct["statusCode"] == 200


def test_basic_auth_on_the_gateway_from_a_secret_htpasswd(graph):
    spec = custom(graph, "SecurityPolicy", "edge-auth")["spec"]
    assert spec["basicAuth"] == {"users": {"kind": "Secret", "name": "edge-basic-auth"}}
    assert spec["targetRefs"][0]["kind"] == "Gateway" and "authorization" not in spec
    secret = one(graph, "kubernetes:core/v1:Secret")
    assert is_secret(secret.inputs["stringData"])
    assert inputs(secret)["stringData"] == {".htpasswd": HTPASSWD}


def test_oidc_and_a_client_allowlist():
    graph = build(
        OidcAuth("https://idp.example.com/realms/staging", "edge", "s3cret"), client_cidrs=["10.0.0.0/8"]
    )
    spec = custom(graph, "SecurityPolicy", "edge-auth")["spec"]
    assert spec["oidc"]["provider"] == {"issuer": "https://idp.example.com/realms/staging"}
    assert (spec["oidc"]["clientID"], spec["oidc"]["clientSecret"]["name"]) == ("edge", "edge-oidc-client")
    assert spec["authorization"] == {
        "defaultAction": "Deny",
        "rules": [
            {"name": "allowed-clients", "action": "Allow", "principal": {"clientCIDRs": ["10.0.0.0/8"]}}
        ],
    }
    secret = one(graph, "kubernetes:core/v1:Secret")
    assert is_secret(secret.inputs["stringData"]) and inputs(secret)["stringData"] == {
        "client-secret": "s3cret"
    }


def test_app_routes_serve_robots_txt_and_attach_to_the_gateway(graph):
    route = custom(graph, "HTTPRoute", "shop")["spec"]
    assert route["parentRefs"] == [
        {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge", "sectionName": "https"}
    ]
    assert route["hostnames"] == ["shop.staging.example.com"]
    robots, app = route["rules"]
    assert robots["name"] == "robots-txt" and "name" not in app
    assert robots["matches"] == [{"path": {"type": "Exact", "value": "/robots.txt"}}]
    assert robots["filters"][0]["extensionRef"]["name"] == "robots-txt"
    assert app["backendRefs"] == [{"name": "shop", "port": 8080}]
    catch_all = custom(graph, "HTTPRoute", "edge-robots")["spec"]
    assert "hostnames" not in catch_all and len(catch_all["rules"]) == 1


@pytest.mark.parametrize("route", ["shop", "edge-robots"])
def test_crawlers_read_robots_txt_without_logging_in_and_nothing_else(graph, route):
    spec = custom(graph, "SecurityPolicy", f"{route}-robots")["spec"]
    # only the route's robots-txt rule: the rest of the route keeps the Gateway's authentication
    assert spec["targetRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "HTTPRoute",
            "name": route,
            "sectionName": "robots-txt",
        }
    ]
    assert spec["authorization"] == {"defaultAction": "Allow"}
    assert not {"basicAuth", "oidc", "jwt", "extAuth", "apiKeyAuth", "mergeType"} & set(spec)


def test_robots_txt_without_a_login_still_only_for_the_allowed_clients():
    graph = build(client_cidrs=["10.0.0.0/8"])
    spec = custom(graph, "SecurityPolicy", "edge-robots-robots")["spec"]
    assert spec["authorization"] == {
        "defaultAction": "Deny",
        "rules": [
            {"name": "allowed-clients", "action": "Allow", "principal": {"clientCIDRs": ["10.0.0.0/8"]}}
        ],
    }


def test_a_route_needs_a_backend():
    with pytest.raises(ProgramError, match="app_route 'bad' needs service and port"):
        record(
            lambda: Edge(
                "edge",
                EdgeArgs(
                    namespace="apps",
                    hostname="x.example.com",
                    tls_secret_name="t",
                    auth=BasicAuth("x"),
                    pod_security_version="v1.35",
                ),
                k8s.Provider("kube", kubeconfig="{}"),
            ).app_route("bad")
        )
