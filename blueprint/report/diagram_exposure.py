"""How people reach the stack, for the diagram (part of ``diagram``): the Kubernetes cluster, its
namespaces, and the path internet or internal network -> load balancer -> edge (Gateway) -> routes.

- The EKS cluster is a subgraph in the private tier (its nodes run there) holding its API endpoint: public
  when ``vpcConfig.endpointPublicAccess`` is true (an arrow from the internet labelled with
  ``publicAccessCidrs``), and the owner of the cluster security group, so its ingress rules point at it.
- Each namespace with a Gateway or HTTPRoute is a subgraph inside the cluster.
- A Gateway's load balancer comes from its ``EnvoyProxy`` (``spec.provider.kubernetes.envoyService``) or
  a Kubernetes ``Service`` of type ``LoadBalancer``: ``service.beta.kubernetes.io/aws-load-balancer-scheme:
  internet-facing`` puts it in the public tier behind the internet; otherwise it is internal (the AWS Load
  Balancer Controller's default scheme) and reached from inside the VPC.
- Routes hang off their parent Gateway, labelled with their hostnames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from blueprint.engine.graph import dig
from blueprint.report.diagram_nodes import Placed, node_id

SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
_ROUTE_SUFFIXES = (":HTTPRoute", ":GRPCRoute", ":TLSRoute")


@dataclass
class Exposure:
    """What the cluster part of the diagram draws.

    Attributes:
        cluster: (subgraph id, title) of the cluster, or None when the stack has no Kubernetes side.
        api: the API endpoint node, if an EKS cluster is in the stack.
        namespaces: namespace -> nodes drawn in it (Gateways, routes).
        balancers: load-balancer nodes (``place`` is the tier).
        edges: (source, target, arrow, text); sources ``internet`` / ``vpc`` stand for those nodes.
        public: nodes reachable from the internet.
        owners: security group id -> nodes owning it (the cluster security group -> the API endpoint).
    """

    cluster: tuple[str, str] | None = None
    api: Placed | None = None
    namespaces: dict[str, list[Placed]] = field(default_factory=dict)
    balancers: list[Placed] = field(default_factory=list)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)
    public: set[str] = field(default_factory=set)
    owners: dict[str, list[str]] = field(default_factory=dict)


def _eks(r: Mapping[str, Any], found: Exposure) -> None:
    vpc_config = r["inputs"].get("vpcConfig") or {}
    found.cluster = (node_id("cluster", r["name"]), f"EKS cluster {r['id'] or r['name']}")
    public = bool(vpc_config.get("endpointPublicAccess"))
    node = Placed(
        node_id("cluster_api", r["name"]), f"Kubernetes API {r['id'] or r['name']}", "api", "cluster"
    )
    found.api = Placed(node.node, node.text, node.kind, node.place, "tcp 443" if public else "")
    if public:
        cidrs = vpc_config.get("publicAccessCidrs") or ["0.0.0.0/0"]
        found.edges.append(("internet", node.node, "-->", f"tcp 443 from {', '.join(map(str, cidrs))}"))
        found.public.add(node.node)
    for group in vpc_config.get("securityGroupIds") or []:
        found.owners.setdefault(str(group), []).append(node.node)


def _service_scheme(service: Mapping[str, Any]) -> str:
    annotations = service.get("annotations") or dig(service, "metadata", "annotations") or {}
    return str(annotations.get(SCHEME) or "internal")


def _balancer(gateway: Mapping[str, Any], proxies: Mapping[str, Mapping[str, Any]], found: Exposure) -> None:
    ref = dig(gateway["inputs"], "spec", "infrastructure", "parametersRef") or {}
    proxy = proxies.get(str(ref.get("name", "")))
    service = dig(proxy["inputs"], "spec", "provider", "kubernetes", "envoyService") if proxy else None
    if not isinstance(service, Mapping) or service.get("type", "LoadBalancer") != "LoadBalancer":
        return
    scheme = _service_scheme(service)
    public = scheme == "internet-facing"
    ports = [int(p["port"]) for p in dig(gateway["inputs"], "spec", "listeners") or [] if "port" in p]
    text = f"tcp {', '.join(map(str, sorted(set(ports)))) or 'listener ports'}"
    node = node_id("lb", gateway["name"])
    found.balancers.append(
        Placed(
            node,
            f"NLB {scheme}\nfor Gateway {gateway['name']}",
            "load-balancer",
            "public" if public else "private",
        )
    )
    found.edges.append(("internet" if public else "vpc", node, "-->", text))
    found.edges.append((node, node_id(gateway["name"]), "-->", "to the edge"))
    if public:
        found.public |= {node, node_id(gateway["name"])}


def exposure(resources: list[Mapping[str, Any]]) -> Exposure:
    """The cluster, namespaces, load balancers, Gateways and routes of ``resources`` (see the module)."""
    found = Exposure()
    for r in resources:
        if r["type"] == "aws:eks/cluster:Cluster":
            _eks(r, found)
    proxies = {
        str(dig(r["inputs"], "metadata", "name") or r["name"]): r
        for r in resources
        if r["type"].endswith(":EnvoyProxy")
    }
    gateways = {}
    for r in resources:
        namespace = str(dig(r["inputs"], "metadata", "namespace") or "default")
        if r["type"].startswith("kubernetes:gateway.networking.k8s.io/") and r["type"].endswith(":Gateway"):
            found.namespaces.setdefault(namespace, []).append(
                Placed(node_id(r["name"]), f"Gateway {r['name']} (edge)", "edge", namespace)
            )
            gateways[(namespace, str(dig(r["inputs"], "metadata", "name") or r["name"]))] = r
            _balancer(r, proxies, found)
    for r in resources:
        if r["type"].startswith("kubernetes:gateway.networking.k8s.io/") and r["type"].endswith(
            _ROUTE_SUFFIXES
        ):
            namespace = str(dig(r["inputs"], "metadata", "namespace") or "default")
            hosts = dig(r["inputs"], "spec", "hostnames") or ["(the Gateway's hostnames)"]
            node = node_id("route", r["name"])
            found.namespaces.setdefault(namespace, []).append(
                Placed(node, f"route {r['name']}\n{', '.join(map(str, hosts))}", "route", namespace)
            )
            for parent in dig(r["inputs"], "spec", "parentRefs") or []:
                gateway = gateways.get((str(parent.get("namespace") or namespace), str(parent.get("name"))))
                if gateway is not None:
                    found.edges.append((node_id(gateway["name"]), node, "-->", "routes"))
                    if node_id(gateway["name"]) in found.public:
                        found.public.add(node)
    if found.cluster is None and found.namespaces:
        found.cluster = (node_id("cluster", "existing"), "Kubernetes cluster (outside the stack)")
    return found
