"""``StagingNamespace``: the namespace staging's apps run in, closed by default.

- Pod Security ``restricted`` enforced, audited and warned about, pinned to the cluster's minor version:
  no privileged, root or privilege-escalating pods, RuntimeDefault seccomp, capabilities dropped.
- NetworkPolicies: ``default-deny`` (every pod, ingress and egress, no rule) plus explicit allows, each its
  own object so a reviewer sees what is open: ``allow-dns`` (kube-dns, 53), ``allow-from-edge`` (Envoy
  Gateway's proxies, the only way in), ``allow-data-tier`` (the data stores' subnets on their ports only),
  ``allow-aws-apis`` (the VPC interface endpoints' own subnets on 443 and the EKS Pod Identity agent). The
  egress allows select every pod but the mail sink's, which may resolve names and nothing else. Their
  ``ipBlock``s are the data tier's and the endpoints' subnets, never the private tier, where the VPC CNI
  gives every node and pod its address. Mail leaves the namespace only to the mail sink (``MailSink`` adds
  that policy); no SMTP port is open to the outside.
- A ResourceQuota (CPU, memory, pods; no LoadBalancer or NodePort Services: the edge is the only way in)
  and a LimitRange (defaults for containers that set none, a per-container maximum).

Kubernetes docs: "Pod Security Admission", "Network Policies", "Resource Quotas", "Limit Ranges".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.core.v1 import LimitRange, ResourceQuota

from components.common import StagingComponent
from components.kubernetes_common import (
    MAIL_SINK_POD,
    PART_OF,
    every_pod_except,
    hardened_namespace,
    k8s_opts,
    namespace_selector,
    network_policy,
    tcp_ports,
)

#: Where the EKS Pod Identity agent answers on every node (EKS User Guide, "EKS Pod Identity agent":
#: 169.254.170.23, port 80).
POD_IDENTITY_AGENT = "169.254.170.23/32"
#: The pods Envoy Gateway runs as proxies (labels its infrastructure manager sets on them).
ENVOY_PROXY_PODS = {"app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy"}


@dataclass(frozen=True)
class DataTierEgress:
    """Where apps may connect in the data tier.

    Attributes:
        label: what it is, e.g. ``postgres`` (shown in the rule's position only; NetworkPolicy rules are
            unnamed).
        cidrs: the data stores' subnet CIDRs (IPv4): a list, or an output that resolves to one (a PR
            slice reads them from its baseline stack, where their number is known only at deployment).
        ports: their TCP ports, e.g. ``(5432,)``.
    """

    label: str
    cidrs: Sequence[str] | pulumi.Output[Sequence[str]]
    ports: Sequence[int]


@dataclass(frozen=True, kw_only=True)
class StagingNamespaceArgs:
    """Arguments of ``StagingNamespace``.

    Attributes:
        namespace: the namespace name (DNS-1123 label).
        pod_security_version: Pod Security version label value, e.g. ``v1.35`` (the cluster's minor).
        quota: ResourceQuota ``hard`` entries, e.g. ``{"requests.cpu": "8", "pods": "100"}``;
            ``services.loadbalancers`` and ``services.nodeports`` are always 0.
        container_defaults: LimitRange container entry: ``defaultRequest``, ``default`` and ``max``, each
            ``{"cpu": ..., "memory": ...}``.
        data_tier: data stores apps may reach.
        aws_api_cidrs: the VPC interface endpoints' own subnets (``Network.endpoint_subnet_cidrs``), reached
            on 443; a list or an output that resolves to one.
        edge_namespace: namespace of Envoy Gateway's proxies (default ``envoy-gateway-system``).
    """

    namespace: str
    pod_security_version: str
    quota: Mapping[str, str]
    container_defaults: Mapping[str, Mapping[str, str]]
    data_tier: Sequence[DataTierEgress] = ()
    aws_api_cidrs: Sequence[str] | pulumi.Output[Sequence[str]] = ()
    edge_namespace: str = "envoy-gateway-system"


def ip_blocks(cidrs: Sequence[str] | pulumi.Output[Sequence[str]]) -> Any:
    """NetworkPolicy peers for ``cidrs`` (``[{"ipBlock": {"cidr": ...}}, ...]``), as an output when the
    CIDRs are one."""
    if isinstance(cidrs, pulumi.Output):
        return cidrs.apply(lambda resolved: [{"ipBlock": {"cidr": c}} for c in resolved])
    return [{"ipBlock": {"cidr": c}} for c in cidrs]


class StagingNamespace(StagingComponent):
    """The staging namespace: Pod Security ``restricted``, default-deny plus explicit allows, quota, limits.

    Outputs:
        namespace: the namespace's name (resolves once it exists: depend on it through this output).
    """

    namespace: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: StagingNamespaceArgs,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, opts)
        created = hardened_namespace(
            name,
            namespace=args.namespace,
            pod_security_version=args.pod_security_version,
            opts=k8s_opts(self, provider),
        )
        self.namespace = created.metadata.apply(lambda m: m.name or args.namespace)
        opts_ = k8s_opts(self, provider, depends_on=[created])
        self._allows(name, args, opts_)
        quota: Any = {"hard": {**args.quota, "services.loadbalancers": "0", "services.nodeports": "0"}}
        ResourceQuota(f"{name}-quota", metadata=self._metadata("staging-quota", args), spec=quota, opts=opts_)
        limits: Any = {
            "limits": [{"type": "Container", **{k: dict(v) for k, v in args.container_defaults.items()}}]
        }
        LimitRange(
            f"{name}-limits", metadata=self._metadata("container-defaults", args), spec=limits, opts=opts_
        )
        self.register()

    @staticmethod
    def _metadata(object_name: str, args: StagingNamespaceArgs) -> Any:
        return {"name": object_name, "namespace": args.namespace, "labels": PART_OF}

    def _allows(self, name: str, args: StagingNamespaceArgs, opts: pulumi.ResourceOptions) -> None:
        """The explicit allows on top of ``default-deny`` (each one a NetworkPolicy of its own)."""
        ns, apps = args.namespace, every_pod_except(MAIL_SINK_POD)
        edge = {
            "namespaceSelector": namespace_selector(args.edge_namespace),
            "podSelector": {"matchLabels": ENVOY_PROXY_PODS},
        }
        network_policy(
            f"{name}-allow-from-edge",
            policy_name="allow-from-edge",
            namespace=ns,
            opts=opts,
            ingress=[{"from": [edge]}],
        )
        data = [
            {"to": ip_blocks(tier.cidrs), "ports": tcp_ports(*tier.ports)}
            for tier in args.data_tier
            if tier.cidrs and tier.ports
        ]
        if data:
            network_policy(
                f"{name}-allow-data-tier",
                policy_name="allow-data-tier",
                namespace=ns,
                opts=opts,
                pod_selector=apps,
                egress=data,
            )
        apis = [{"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": tcp_ports(80)}]
        if args.aws_api_cidrs:
            apis.insert(0, {"to": ip_blocks(args.aws_api_cidrs), "ports": tcp_ports(443)})
        network_policy(
            f"{name}-allow-aws-apis",
            policy_name="allow-aws-apis",
            namespace=ns,
            opts=opts,
            pod_selector=apps,
            egress=apis,
        )
