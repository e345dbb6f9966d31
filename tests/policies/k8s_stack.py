"""The Kubernetes side of the compliant baseline (part of ``stack.baseline()``), shaped like the objects the
Cluster, StagingNamespace, Edge and MailSink components author.

An EKS cluster ``eks``; the namespace ``apps`` (resource ``apps-ns``) with its default-deny policy
``apps-default-deny`` and an allow ``apps-allow-data``; a workload ``app-deploy`` behind the ClusterIP Service
``app-k8s-svc``; the edge: Gateway ``edge-gw`` (object ``edge``), its ClientTrafficPolicy ``edge-ctp``,
SecurityPolicy ``edge-auth``, EnvoyProxy ``edge-proxy``, the robots HTTPRouteFilter ``robots-txt``, the
route ``app-route`` and the SecurityPolicy ``app-robots`` that serves its robots-txt rule without a login.
Each violating case of ``rules/test_{robots,edge,kubernetes,workloads,eks}.py`` changes one thing here.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.stack import ACCOUNT, KEY_ARN, Stack

GATEWAY_API = "gateway.networking.k8s.io/v1"
ENVOY_API = "gateway.envoyproxy.io/v1alpha1"
HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE_FILTER = "kubernetes:gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter"
CLIENT_TRAFFIC = "kubernetes:gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy"
SECURITY_POLICY = "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy"
ENVOY_PROXY = "kubernetes:gateway.envoyproxy.io/v1alpha1:EnvoyProxy"
NAMESPACE = "kubernetes:core/v1:Namespace"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SERVICE = "kubernetes:core/v1:Service"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
EKS = "aws:eks/cluster:Cluster"
NS = "apps"

NOINDEX = {"name": "X-Robots-Tag", "value": "noindex, nofollow"}
NOINDEX_FILTER = {"type": "ResponseHeaderModifier", "responseHeaderModifier": {"set": [NOINDEX]}}
EDGE_REF = {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge"}
ROBOTS_REF = {
    "type": "ExtensionRef",
    "extensionRef": {"group": "gateway.envoyproxy.io", "kind": "HTTPRouteFilter", "name": "robots-txt"},
}
APP_RULE = {
    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
    "backendRefs": [{"name": "app", "port": 80}],
}
ROBOTS_RULE = {
    "name": "robots-txt",
    "matches": [{"path": {"type": "Exact", "value": "/robots.txt"}}],
    "filters": [ROBOTS_REF],
}
#: The SecurityPolicy that serves the route's robots-txt rule without a login (crawlers read a 401 there as
#: "no robots.txt").
ROBOTS_PUBLIC = {
    "targetRefs": [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "HTTPRoute",
            "name": "app",
            "sectionName": "robots-txt",
        }
    ],
    "authorization": {"defaultAction": "Allow"},
}
ROBOTS_BODY = {"type": "Inline", "inline": "User-agent: *\nDisallow: /\n"}
INTERNAL_NLB = {
    "type": "LoadBalancer",
    "loadBalancerClass": "service.k8s.aws/nlb",
    "annotations": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
}


def meta(name: str, namespace: str | None = NS, **extra: Any) -> dict[str, Any]:
    return {"name": name, **({"namespace": namespace} if namespace else {}), **extra}


def k8s(s: Stack, type_: str, logical: str, name: str, spec: dict[str, Any], **metadata: Any) -> Any:
    """Add a Kubernetes object ``name`` (in ``apps`` unless ``namespace`` says otherwise) as ``logical``."""
    namespace = metadata.pop("namespace", NS)
    group_version, kind = type_.removeprefix("kubernetes:").rsplit(":", 1)
    api_version = group_version.removeprefix("core/")
    inputs = {"apiVersion": api_version, "kind": kind, "metadata": meta(name, namespace, **metadata)}
    return s.add(type_, logical, {**inputs, "spec": copy.deepcopy(spec)})


def route(rules: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"parentRefs": [{"name": "edge", "sectionName": "https"}], "rules": rules, **spec}


def pod_template(**container: Any) -> dict[str, Any]:
    """A Deployment spec whose pod passes every workload rule (as MailSink's does)."""
    main = {
        "name": "app",
        "image": f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "capabilities": {"drop": ["ALL"]},
        },
        **container,
    }
    pod = {"securityContext": {"runAsNonRoot": True, "runAsUser": 65534}, "containers": [main]}
    labels = {"app.kubernetes.io/name": "app"}
    return {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod}}


def _cluster(s: Stack) -> None:
    s.add(
        EKS,
        "eks",
        {
            "name": "staging",
            "vpcConfig": {
                "endpointPrivateAccess": True,
                "endpointPublicAccess": False,
                "subnetIds": ["subnet-app-0"],
            },
            "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": KEY_ARN}},
            "enabledClusterLogTypes": ["api", "audit", "authenticator"],
            "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
        },
    )


def _namespace(s: Stack) -> None:
    labels = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "audit", "warn")}
    s.add(
        NAMESPACE,
        "apps-ns",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(NS, None, labels=labels)},
    )
    k8s(
        s,
        NETWORK_POLICY,
        "apps-default-deny",
        "default-deny",
        {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    )
    data = {"to": [{"ipBlock": {"cidr": "10.42.128.0/21"}}], "ports": [{"protocol": "TCP", "port": 5432}]}
    k8s(
        s,
        NETWORK_POLICY,
        "apps-allow-data",
        "allow-data-tier",
        {"podSelector": {}, "policyTypes": ["Egress"], "egress": [data]},
    )
    k8s(s, DEPLOYMENT, "app-deploy", "app", pod_template())
    service = {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": "app"}, "ports": [{"port": 80}]}
    k8s(s, SERVICE, "app-k8s-svc", "app", service)


def _edge(s: Stack) -> None:
    listener = {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "*.staging.example.com"}
    k8s(s, GATEWAY, "edge-gw", "edge", {"gatewayClassName": "staging-edge", "listeners": [listener]})
    headers = {"lateResponseHeaders": {"set": [NOINDEX]}}
    k8s(s, CLIENT_TRAFFIC, "edge-ctp", "edge-client-traffic", {"targetRefs": [EDGE_REF], "headers": headers})
    auth = {"targetRefs": [EDGE_REF], "basicAuth": {"users": {"name": "edge-basic-auth"}}}
    k8s(s, SECURITY_POLICY, "edge-auth", "edge-auth", auth)
    proxy = {"provider": {"type": "Kubernetes", "kubernetes": {"envoyService": copy.deepcopy(INTERNAL_NLB)}}}
    k8s(s, ENVOY_PROXY, "edge-proxy", "edge-proxy", proxy)
    robots = {"directResponse": {"contentType": "text/plain", "body": ROBOTS_BODY}}
    k8s(s, ROUTE_FILTER, "robots-txt", "robots-txt", robots)
    k8s(
        s,
        HTTP_ROUTE,
        "app-route",
        "app",
        route([APP_RULE, ROBOTS_RULE], hostnames=["app.staging.example.com"]),
    )
    k8s(s, SECURITY_POLICY, "app-robots", "app-robots", copy.deepcopy(ROBOTS_PUBLIC))


def add_kubernetes(s: Stack) -> None:
    """Add the Kubernetes side to a stack."""
    for build in (_cluster, _namespace, _edge):
        build(s)
