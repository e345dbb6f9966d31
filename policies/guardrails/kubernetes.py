"""Namespaces, Services and NetworkPolicies: what is admitted into a namespace and what can get out of it.

- ``namespace-default-deny``: every namespace of the stack holds a NetworkPolicy that selects every pod
  (``podSelector: {}``) for both ``Ingress`` and ``Egress`` and allows nothing; everything else is an
  explicit allow (Kubernetes docs, "Network Policies": "Default deny all ingress and all egress traffic").
- ``namespace-pod-security-restricted``: the Pod Security labels ``enforce``, ``audit`` and ``warn`` are
  all ``restricted`` (Kubernetes docs, "Pod Security Admission").
- ``k8s-service-not-exposed``: no Service of type LoadBalancer or NodePort (the edge's own Service is
  created by Envoy Gateway from its EnvoyProxy, see ``edge.py``), no ``externalIPs``.
- ``network-policy-no-smtp-egress``: no NetworkPolicy opens TCP 25, 465 or 587 to addresses outside the
  cluster (``ipBlock``, or any destination): staging's mail goes to the mail sink only.
- ``network-policy-egress-within-vpc``: in app namespaces (all but the system namespaces and the one the
  stack installs Envoy Gateway into), no egress rule without ``to`` and no ``ipBlock`` beyond the stack's
  VPC CIDRs (the EKS Pod Identity agent's node-local addresses aside), on any port. Egress rules are read by
  ``_netpol.py``.

The Kubernetes OpenAPI schemas (and so kubernetes-validate) list no enum values for ``Service.spec.type``
or ``NetworkPolicy.spec.policyTypes``; the rules check them, since a misspelt value would be rejected by the
API server only at ``pulumi up``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._k8s import name_of, namespace_of
from ._netpol import NODE_LOCAL_AGENTS, covers_tcp_port, egress_rules, helm_chart_namespaces
from ._network import PRIVATE_RANGES, network, within_any
from ._props import as_list, known, peek
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, resource_rule, stack_rule
from ._stack import StackIndex

POLICY_TYPES = ("Ingress", "Egress")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
POD_SECURITY_MODES = ("enforce", "audit", "warn")
#: SMTP submission and relay ports (RFC 5321 25, RFC 8314 465, RFC 6409 587).
SMTP_PORTS = (25, 465, 587)
_MANDATORY = EnforcementLevel.MANDATORY

DEFAULT_DENY = RuleSpec(
    name="namespace-default-deny",
    concern="isolation",
    description="Every namespace must hold a default-deny NetworkPolicy for ingress and egress.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Add a NetworkPolicy with podSelector: {}, policyTypes: [Ingress, Egress] and no rules to "
    "the namespace, then allow what is needed in separate policies (StagingNamespace does).",
)


def _empty_selector(selector: Any) -> bool:
    labels, expressions = peek(selector, "matchLabels"), peek(selector, "matchExpressions")
    return not (isinstance(labels, Mapping) and list(labels)) and not as_list(expressions)


def _denied_directions(props: Any) -> set[str]:
    """The directions a policy closes for every pod of its namespace: it selects all pods and lists that
    direction in ``policyTypes`` without allowing anything in it."""
    spec = peek(props, "spec")
    if not _empty_selector(peek(spec, "podSelector")):
        return set()
    rules = {"Ingress": peek(spec, "ingress"), "Egress": peek(spec, "egress")}
    return {d for d in as_list(peek(spec, "policyTypes")) if d in rules and not as_list(rules[d])}


def _check_default_deny(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    by_namespace: dict[str, list[PolicyResource]] = defaultdict(list)
    for policy in index.of_type(t.NETWORK_POLICY):
        by_namespace[namespace_of(policy.props)].append(policy)
        bad = [v for v in as_list(peek(policy.props, "spec", "policyTypes")) if v not in POLICY_TYPES]
        if bad:
            yield Finding(policy, f"spec.policyTypes has {bad[0]!r}; the values are Ingress and Egress.")
    for namespace in index.of_type(t.K8S_NAMESPACE):
        name = name_of(namespace.props)
        denied = {d for p in by_namespace[name or ""] for d in _denied_directions(p.props)}
        if name is not None and denied != set(POLICY_TYPES):
            yield Finding(
                namespace,
                "no NetworkPolicy in it selects every pod (podSelector: {}) for Ingress and Egress without "
                "rules: its pods accept and open any connection.",
            )


POD_SECURITY = RuleSpec(
    name="namespace-pod-security-restricted",
    concern="isolation",
    description="Every namespace must enforce, audit and warn about the Pod Security 'restricted' level.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Label the namespace pod-security.kubernetes.io/enforce, /audit and /warn: restricted, each "
    "with a -version label pinned to the cluster's minor version (StagingNamespace does).",
)


def _check_pod_security(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    labels = known(props, "metadata", "labels") or {}
    for mode in POD_SECURITY_MODES:
        level = peek(labels, f"pod-security.kubernetes.io/{mode}")
        if level != "restricted":
            shown = "not set (privileged)" if level is None else repr(level)
            yield f"pod-security.kubernetes.io/{mode} is {shown}, not 'restricted'."


SERVICE_EXPOSURE = RuleSpec(
    name="k8s-service-not-exposed",
    concern="isolation",
    description="Services must not be of type LoadBalancer or NodePort or carry externalIPs: the edge is the "
    "only way in.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Use type ClusterIP and reach the Service through the edge (an HTTPRoute from "
    "Edge.app_route). A second load balancer needs an exemption with a reason, owner and expiry.",
    equivalents=Equivalents(kyverno=("restrict-external-ips",)),
)


def _check_service(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    kind = known(props, "spec", "type") or "ClusterIP"
    if kind not in SERVICE_TYPES:
        yield f"spec.type {kind!r} is not one of {', '.join(SERVICE_TYPES)}."
    elif kind in ("LoadBalancer", "NodePort"):
        yield f"spec.type is {kind}: the Service is reachable without the edge's authentication and robots."
    if as_list(known(props, "spec", "externalIPs")):
        yield "spec.externalIPs is set: nodes accept traffic for those addresses (CVE-2020-8554)."


SMTP_EGRESS = RuleSpec(
    name="network-policy-no-smtp-egress",
    concern="isolation",
    description="No NetworkPolicy may allow SMTP (TCP 25, 465, 587) to addresses outside the cluster.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Send mail to the mail sink (mailpit.<namespace>.svc.cluster.local:1025, a pod selector); "
    "list explicit non-SMTP ports in egress rules to ipBlocks.",
)


def _check_smtp_egress(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for rule in egress_rules(props):
        smtp = not rule.ports or any(covers_tcp_port(p, port) for p in rule.ports for port in SMTP_PORTS)
        if rule.leaves_cluster and smtp:
            yield f"{rule.where} allows SMTP (TCP 25/465/587) to addresses outside the cluster."


#: Namespaces whose pods are the cluster's own (Kubernetes docs, "Namespaces": the initial namespaces).
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
#: The Envoy Gateway chart (``components/edge.py`` installs it): its namespace runs the edge's data plane,
#: which calls the OIDC issuer's token endpoint, and its controller, which calls the Kubernetes API server
#: (on an existing cluster possibly a public endpoint). Both are outside the VPC by design.
EDGE_CHART = "gateway-helm"

EGRESS_WITHIN_VPC = RuleSpec(
    name="network-policy-egress-within-vpc",
    concern="isolation",
    description="NetworkPolicies of app namespaces may allow egress only to the stack's VPC and the cluster "
    "(pod and namespace selectors), on any port: nothing to the internet or another environment's ranges.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Name the peers: namespace/pod selectors for in-cluster services (kube-dns for DNS), "
    "ipBlocks inside the VPC's CIDRs for data stores and endpoints (StagingNamespace's allow-data-tier and "
    "allow-aws-apis). An egress rule needs a `to`; an ipBlock's `except` does not make 0.0.0.0/0 acceptable. "
    "System namespaces and the Envoy Gateway namespace (its proxies call the OIDC issuer) are exempt; an app "
    "that must call an outside API gets an exemption naming the policy, with a reason, owner and expiry. A "
    "stack without its own VPC (a PR slice) sets vpcCidrs; until then only private ranges are accepted.",
    settings={
        "vpcCidrs": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "CIDRs of the VPC the cluster runs in, besides those of the stack's own VPCs",
        },
        "infrastructureNamespaces": {
            "type": "array",
            "items": {"type": "string"},
            "default": list(SYSTEM_NAMESPACES),
            "description": "namespaces not checked (besides the one the stack installs Envoy Gateway into)",
        },
    },
)


def _vpc_ranges(index: StackIndex, ctx: RuleContext) -> list[str]:
    """The VPC CIDRs a pod may reach: the stack's VPCs (primary, IPv6, secondary blocks) plus ``vpcCidrs``."""
    ranges = [str(c) for c in as_list(ctx.setting("vpcCidrs"))]
    owners = index.of_type(t.VPC, t.VPC_IPV4_CIDR_ASSOCIATION, t.VPC_IPV6_CIDR_ASSOCIATION)
    for res in owners:
        for key in ("cidrBlock", "ipv6CidrBlock"):
            value = peek(res.props, key)
            if isinstance(value, str) and network(value) is not None:
                ranges.append(value)
    return ranges


def _check_egress_within_vpc(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    ranges = _vpc_ranges(index, ctx)
    allowed = [*(ranges or PRIVATE_RANGES), *NODE_LOCAL_AGENTS]
    shown = ", ".join(ranges) if ranges else "unknown: no VPC in the stack and no vpcCidrs"
    skipped = {str(n) for n in as_list(ctx.setting("infrastructureNamespaces"))}
    skipped |= helm_chart_namespaces(resources, EDGE_CHART)
    for policy in index.of_type(t.NETWORK_POLICY):
        if namespace_of(policy.props) in skipped:
            continue
        for rule in egress_rules(policy.props):
            if rule.all_destinations:
                yield Finding(
                    policy,
                    f"{rule.where} has no `to`: it allows every address, the internet included, on "
                    f"{rule.port_text()}.",
                )
            for where, cidr in rule.cidrs:
                if not within_any(cidr, allowed):
                    yield Finding(
                        policy,
                        f"{where} ipBlock {cidr} reaches beyond the VPC ({shown}) on {rule.port_text()}.",
                    )


POLICIES = [
    stack_rule(DEFAULT_DENY, {t.K8S_NAMESPACE}, _check_default_deny),
    resource_rule(POD_SECURITY, {t.K8S_NAMESPACE}, _check_pod_security),
    resource_rule(SERVICE_EXPOSURE, {t.K8S_SERVICE}, _check_service),
    resource_rule(SMTP_EGRESS, {t.NETWORK_POLICY}, _check_smtp_egress),
    stack_rule(EGRESS_WITHIN_VPC, {t.NETWORK_POLICY}, _check_egress_within_vpc),
]
