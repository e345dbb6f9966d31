"""Security facts of the Kubernetes side for the preview: every Kubernetes object's kind and namespace,
plus what a reviewer must see per kind (the edge's robots header, robots.txt, authentication and load
balancer scheme; Pod Security levels; default-deny policies; images and users of workloads) and the EKS
cluster's endpoint, encryption, logs and access mode.

Facts are read from the recorded inputs (what the program asked for); secret values are never facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from blueprint.engine.graph import ResourceRecord, dig

_SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
_AUTH_METHODS = {
    "basicAuth": "basic",
    "oidc": "OIDC",
    "jwt": "JWT",
    "extAuth": "external",
    "apiKeyAuth": "API key",
}


def _text(value: Any) -> str:
    """Numbers arrive as floats on the wire: ``443.0`` reads ``443``."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _envoy_proxy(spec: Any) -> dict[str, str]:
    service = dig(spec, "provider", "kubernetes", "envoyService") or {}
    kind = service.get("type", "LoadBalancer")
    if kind != "LoadBalancer":
        return {"service": kind}
    nlb = service.get("loadBalancerClass") == "service.k8s.aws/nlb"
    scheme = (
        (dig(service, "annotations", _SCHEME) or "internal") if nlb else "internet-facing (legacy controller)"
    )
    facts = {
        "load balancer": "NLB (AWS Load Balancer Controller)" if nlb else "cloud provider default",
        "scheme": scheme,
    }
    ranges = _list(service.get("loadBalancerSourceRanges"))
    if ranges:
        facts["source ranges"] = ", ".join(map(str, ranges))
    return facts


def _client_traffic(spec: Any) -> dict[str, str]:
    late = dig(spec, "headers", "lateResponseHeaders") or {}
    headers = [*_list(late.get("set")), *_list(late.get("add"))]
    robots = [
        str(h.get("value"))
        for h in headers
        if isinstance(h, Mapping) and str(h.get("name")).lower() == "x-robots-tag"
    ]
    return {"robots header": robots[0] if robots else "none"}


def _route_filter(spec: Any) -> dict[str, str]:
    direct = dig(spec, "directResponse")
    if not isinstance(direct, Mapping):
        return {}
    body = str(dig(direct, "body", "inline") or "")
    lines = {line.strip().lower() for line in body.splitlines() if line.strip()}
    facts = {"direct response": _text(direct.get("statusCode", 200))}
    if any(line.startswith("user-agent") for line in lines):
        facts["robots.txt"] = (
            "disallow all" if lines == {"user-agent: *", "disallow: /"} else "NOT disallow-all"
        )
    return facts


def _target(ref: Mapping[str, Any]) -> str:
    """``Kind/name``, plus the route rule or listener a ``sectionName`` narrows it to."""
    kind, section = ref.get("kind"), ref.get("sectionName")
    if not section:
        return f"{kind}/{ref.get('name')}"
    part = "listener" if kind in ("Gateway", "ListenerSet") else "rule"
    return f"{kind}/{ref.get('name')} {part} {section}"


def _security_policy(spec: Any) -> dict[str, str]:
    methods = [label for key, label in _AUTH_METHODS.items() if dig(spec, key)]
    targets = [_target(t) for t in _list(dig(spec, "targetRefs")) if isinstance(t, Mapping)]
    facts = {"auth": " + ".join(methods) or "NONE", "targets": ", ".join(targets)}
    cidrs = [
        c
        for rule in _list(dig(spec, "authorization", "rules"))
        for c in _list(dig(rule, "principal", "clientCIDRs"))
    ]
    if cidrs:
        facts["client CIDRs"] = ", ".join(map(str, cidrs))
    return facts


def _gateway(spec: Any) -> dict[str, str]:
    listeners = [
        f"{li.get('protocol')}:{_text(li.get('port'))} {li.get('hostname', '*')}"
        for li in _list(dig(spec, "listeners"))
        if isinstance(li, Mapping)
    ]
    return {"listeners": "; ".join(listeners)}


def _http_route(spec: Any) -> dict[str, str]:
    parents = [str(p.get("name")) for p in _list(dig(spec, "parentRefs")) if isinstance(p, Mapping)]
    return {
        "hostnames": ", ".join(map(str, _list(dig(spec, "hostnames")))) or "(listener's)",
        "gateways": ", ".join(parents),
    }


def _network_policy(spec: Any) -> dict[str, str]:
    types = [str(t) for t in _list(dig(spec, "policyTypes"))]
    rules = {"Ingress": _list(dig(spec, "ingress")), "Egress": _list(dig(spec, "egress"))}
    selector = dig(spec, "podSelector") or {}
    pods = (
        "all pods"
        if not selector.get("matchLabels") and not selector.get("matchExpressions")
        else "some pods"
    )
    denied = [t for t in types if not rules.get(t)]
    return {
        "applies to": pods,
        "denies": ", ".join(denied) or "-",
        "allows": ", ".join(t for t in types if rules.get(t)) or "-",
    }


def _workload(spec: Any, *path: str) -> dict[str, str]:
    pod = dig(spec, *path) or {}
    images = [str(c.get("image")) for c in _list(pod.get("containers")) if isinstance(c, Mapping)]
    non_root = dig(pod, "securityContext", "runAsNonRoot") is True
    return {"images": ", ".join(images), "runs as": "non-root" if non_root else "image's user"}


_BY_KIND: dict[str, Callable[[Any], dict[str, str]]] = {
    "EnvoyProxy": _envoy_proxy,
    "ClientTrafficPolicy": _client_traffic,
    "HTTPRouteFilter": _route_filter,
    "SecurityPolicy": _security_policy,
    "Gateway": _gateway,
    "HTTPRoute": _http_route,
    "NetworkPolicy": _network_policy,
    "Service": lambda spec: {"service type": str(dig(spec, "type") or "ClusterIP")},
    "Deployment": lambda spec: _workload(spec, "template", "spec"),
    "Pod": _workload,
}


def kubernetes_facts(rec: ResourceRecord) -> dict[str, str]:
    """Facts of a pulumi-kubernetes object: ``kind``, ``namespace`` and the per-kind ones above; a Helm
    release shows its chart and version, a Namespace its Pod Security levels (enforce/audit/warn)."""
    inputs = rec.inputs
    if rec.type == "kubernetes:helm.sh/v3:Release":
        return {
            "chart": f"{inputs.get('chart')}@{inputs.get('version')}",
            "namespace": str(inputs.get("namespace")),
        }
    kind = str(inputs.get("kind") or rec.type.rsplit(":", 1)[-1])
    facts = {"kind": kind}
    namespace = dig(inputs, "metadata", "namespace")
    if namespace:
        facts["namespace"] = str(namespace)
    labels = dig(inputs, "metadata", "labels") or {}
    if kind == "Namespace":
        facts["pod security"] = "/".join(
            str(labels.get(f"pod-security.kubernetes.io/{m}", "-")) for m in ("enforce", "audit", "warn")
        )
    derive = _BY_KIND.get(kind)
    return {**facts, **(derive(inputs.get("spec")) if derive else {})}


def eks_cluster_facts(rec: ResourceRecord) -> dict[str, str]:
    """The EKS cluster's version, endpoint exposure, access mode, Secrets encryption and logs."""
    inputs = rec.inputs
    vpc = inputs.get("vpcConfig") or {}
    public = vpc.get("endpointPublicAccess", True)
    cidrs = ", ".join(map(str, _list(vpc.get("publicAccessCidrs")))) or "0.0.0.0/0"
    access = inputs.get("accessConfig") or {}
    key = dig(inputs, "encryptionConfig", "provider", "keyArn")
    return {
        "version": str(inputs.get("version")),
        "endpoint": f"public ({cidrs}) + private" if public else "private",
        "auth mode": str(access.get("authenticationMode", "CONFIG_MAP")),
        "creator admin": "no" if access.get("bootstrapClusterCreatorAdminPermissions") is False else "YES",
        "secrets encryption": str(key).split(":", 5)[-1] if key else "none",
        "control-plane logs": ", ".join(map(str, _list(inputs.get("enabledClusterLogTypes")))) or "none",
    }


def eks_access_facts(rec: ResourceRecord) -> dict[str, str]:
    """An access policy association: which EKS access policy, over what scope."""
    scope = rec.inputs.get("accessScope") or {}
    where = (
        ", ".join(map(str, _list(scope.get("namespaces")))) if scope.get("type") == "namespace" else "cluster"
    )
    return {"access policy": str(rec.inputs.get("policyArn", "")).rsplit("/", 1)[-1], "scope": where}
