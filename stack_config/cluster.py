"""Config of the Kubernetes cluster and the staging namespace: ``staging-blueprint:cluster`` and
``staging-blueprint:namespace``.

The cluster is an EKS cluster the stack creates (``mode: eks``) or one that exists already
(``mode: existing``, reached with a kubeconfig from secret config). Either way the stack deploys into one
namespace (``namespace``) with Pod Security ``restricted``, default-deny network policies, a ResourceQuota
and a LimitRange. Field rules live here; ``kubernetes_checks.py`` holds the rules over several keys.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.aws_limits import (
    EKS_NODEGROUP_SIZE,
    EKS_PUBLIC_ACCESS_CIDRS,
    K8S_DNS_LABEL,
    K8S_DNS_LABEL_PATTERN,
)
from stack_config.base import ConfigModel
from stack_config.kubernetes_versions import DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS, SOURCE

#: Namespaces the stack must not take: Kubernetes' own and the edge controller's.
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease", "envoy-gateway-system")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_INSTANCE_TYPE = re.compile(r"[a-z][a-z0-9-]*\.[a-z0-9]+")
#: Kubernetes quantities this config accepts: CPU in cores or millicores (``500m``), memory in bytes with a
#: binary or decimal suffix (``512Mi``, ``2Gi``, ``1G``). Kubernetes docs, "Resource units in Kubernetes".
_CPU = re.compile(r"(\d+(?:\.\d+)?)(m?)")
_MEMORY = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?")
_MEMORY_FACTORS = {
    None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}  # fmt: skip


def cpu_cores(value: str) -> Decimal:
    """``500m`` -> 0.5, ``2`` -> 2 (cores). Raises ValueError for anything else."""
    match = _CPU.fullmatch(value)
    if not match:
        raise ValueError("must be a CPU quantity in cores or millicores, e.g. 2, 0.5 or 500m")
    return Decimal(match.group(1)) / (1000 if match.group(2) else 1)


def memory_bytes(value: str) -> int:
    """``512Mi`` -> 536870912 (bytes). Raises ValueError for anything else."""
    match = _MEMORY.fullmatch(value)
    if not match:
        raise ValueError("must be a memory quantity, e.g. 512Mi, 2Gi or 1G")
    return int(match.group(1)) * _MEMORY_FACTORS[match.group(2)]


def _valid(check: Callable[[str], object]) -> AfterValidator:
    def run(value: str) -> str:
        check(value)
        return value

    return AfterValidator(run)


Cpu = Annotated[str, _valid(cpu_cores)]
Memory = Annotated[str, _valid(memory_bytes)]


def _check_version(value: str) -> str:
    if value not in KUBERNETES_VERSIONS:
        allowed = ", ".join(KUBERNETES_VERSIONS)
        raise ValueError(
            f"must be a Kubernetes minor version EKS offers under standard support: {allowed} ({SOURCE}); "
            "pin the version production runs"
        )
    return value


#: Ranges that cannot be a runner's public egress address: RFC 1918 private networks (10/8, 172.16/12,
#: 192.168/16), RFC 6598 shared address space (100.64/10), loopback (RFC 1122) and link-local (RFC 3927).
#: Python's ``is_private`` also counts the RFC 5737 documentation ranges (203.0.113.0/24, ...), which
#: rejected this file's own example, so the list is explicit.
_NOT_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
    )
)


def _check_public_cidrs(value: list[str]) -> list[str]:
    if len(value) > EKS_PUBLIC_ACCESS_CIDRS.high:
        raise ValueError(f"must list at most {EKS_PUBLIC_ACCESS_CIDRS.high} CIDR blocks (EKS quota)")
    for cidr in value:
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as exc:
            raise ValueError(f"{cidr!r} is not an IPv4 CIDR without host bits: {exc}") from None
        if network.prefixlen == 0 or any(network.overlaps(n) for n in _NOT_PUBLIC):
            raise ValueError(
                f"{cidr!r}: list the public CIDRs that may reach the API (e.g. your CI runners' egress "
                "addresses); 0.0.0.0/0 opens it to the internet, private ranges reach the private endpoint"
            )
    return value


def _check_role_arns(value: list[str]) -> list[str]:
    bad = [v for v in value if not _ROLE_ARN.fullmatch(v)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
    return value


def _check_instance_types(value: list[str]) -> list[str]:
    bad = [v for v in value if not _INSTANCE_TYPE.fullmatch(v)]
    if bad or not value:
        raise ValueError("must list EC2 instance types such as m7g.large")
    return value


AmiType = Literal[
    "AL2023_ARM_64_STANDARD", "AL2023_x86_64_STANDARD", "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64"
]
NodeCount = Annotated[int, Field(ge=EKS_NODEGROUP_SIZE.low, le=EKS_NODEGROUP_SIZE.high)]


class NodeGroupConfig(ConfigModel):
    """The cluster's managed node group, in the private subnet tier."""

    instance_types: Annotated[list[str], AfterValidator(_check_instance_types)] = Field(
        default=["m7g.large"],
        description="EC2 instance types of the nodes; Graviton types (m7g, c7g, t4g...) need an ARM_64 "
        "`amiType`, the others an x86_64 one.",
    )
    ami_type: AmiType = Field(
        default="AL2023_ARM_64_STANDARD", description="EKS-optimized AMI family of the nodes."
    )
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(
        default="ON_DEMAND",
        description="`ON_DEMAND` or `SPOT` (cheaper, may be reclaimed at 2 minutes' notice).",
    )
    min_size: NodeCount = Field(default=1, description="Fewest nodes (0-450).")
    desired_size: NodeCount = Field(
        default=2, description="Nodes to start with (between minSize and maxSize)."
    )
    max_size: Annotated[int, Field(ge=1, le=EKS_NODEGROUP_SIZE.high)] = Field(
        default=3, description="Most nodes (1-450; EKS quota: nodes per managed node group)."
    )
    disk_size_gib: int = Field(default=50, ge=20, le=1024, description="Root volume per node, in GiB (gp3).")


class ClusterConfig(ConfigModel):
    """``staging-blueprint:cluster``: where staging's apps run. Omit it to deploy no Kubernetes side."""

    mode: Literal["eks", "existing"] = Field(
        default="eks",
        description="`eks`: the stack creates an EKS cluster in the private tier. `existing`: the stack "
        "deploys into a cluster reached with the kubeconfig in `kubeconfigFromConfig`.",
    )
    version: Annotated[str, AfterValidator(_check_version)] = Field(
        default=DEFAULT_KUBERNETES_VERSION,
        description="Kubernetes minor version, pinned to what production runs (EKS standard support only; "
        "see stack_config/kubernetes_versions.py). In `existing` mode it sets the Pod Security version.",
    )
    public_access_cidrs: Annotated[list[str], AfterValidator(_check_public_cidrs)] = Field(
        default=[],
        description="Public CIDRs allowed to reach the EKS API endpoint (at most 40). Default: none, the "
        "endpoint is private (reachable from the VPC only).",
    )
    admin_role_arns: Annotated[list[str], AfterValidator(_check_role_arns)] = Field(
        default=[],
        description="IAM roles granted cluster admin through access entries: the role(s) `pulumi up` runs "
        "as. Required in `eks` mode: the cluster creator gets no implicit admin access.",
    )
    node_group: NodeGroupConfig = Field(
        default_factory=NodeGroupConfig, description="The managed node group (`eks` mode)."
    )
    deletion_protection: bool = Field(
        default=True, description="EKS deletion protection: the cluster cannot be deleted until it is off."
    )
    kubeconfig_from_config: str | None = Field(
        default=None,
        description="`existing` mode: name of a secret config key holding the kubeconfig "
        '(`pulumi config set --secret <key> "$(cat kubeconfig)"`). Never printed.',
    )
    kubeconfig_context: str | None = Field(
        default=None, description="`existing` mode: the kubeconfig context to use. Default: its current one."
    )


def _check_namespace(value: str) -> str:
    if len(value) > K8S_DNS_LABEL.high or not re.fullmatch(K8S_DNS_LABEL_PATTERN, value):
        raise ValueError(
            "must be a DNS-1123 label: 1-63 lowercase letters, digits or -, alphanumeric at both ends"
        )
    if value in RESERVED_NAMESPACES:
        raise ValueError(f"is reserved ({', '.join(RESERVED_NAMESPACES)}); pick a namespace of your own")
    return value


class ResourceQuotaConfig(ConfigModel):
    """The namespace's ResourceQuota: what all its pods together may request and use."""

    requests_cpu: Cpu = Field(default="8", description="Total CPU requests, in cores (or millicores: 500m).")
    requests_memory: Memory = Field(default="16Gi", description="Total memory requests (e.g. 16Gi).")
    limits_cpu: Cpu = Field(default="16", description="Total CPU limits, in cores.")
    limits_memory: Memory = Field(default="32Gi", description="Total memory limits.")
    pods: int = Field(default=100, ge=1, description="Most pods at a time.")


class LimitRangeConfig(ConfigModel):
    """The namespace's LimitRange: defaults for containers that set none, and a per-container maximum."""

    default_request_cpu: Cpu = Field(default="100m", description="CPU request of a container that sets none.")
    default_request_memory: Memory = Field(
        default="128Mi", description="Memory request of a container that sets none."
    )
    default_cpu: Cpu = Field(default="500m", description="CPU limit of a container that sets none.")
    default_memory: Memory = Field(default="512Mi", description="Memory limit of a container that sets none.")
    max_cpu: Cpu = Field(default="4", description="Largest CPU limit of one container.")
    max_memory: Memory = Field(default="8Gi", description="Largest memory limit of one container.")


class NamespaceConfig(ConfigModel):
    """``staging-blueprint:namespace``: the namespace staging's apps run in (with ``cluster``)."""

    name: Annotated[str, AfterValidator(_check_namespace)] = Field(
        default="apps", description="Namespace name (a DNS-1123 label, not a Kubernetes system namespace)."
    )
    quota: ResourceQuotaConfig = Field(default_factory=ResourceQuotaConfig, description="ResourceQuota.")
    limits: LimitRangeConfig = Field(default_factory=LimitRangeConfig, description="LimitRange.")

    def quota_hard(self) -> dict[str, str]:
        """The ResourceQuota's ``hard`` entries, e.g. ``{"requests.cpu": "8", ..., "pods": "100"}``."""
        q = self.quota
        return {
            "requests.cpu": q.requests_cpu,
            "requests.memory": q.requests_memory,
            "limits.cpu": q.limits_cpu,
            "limits.memory": q.limits_memory,
            "pods": str(q.pods),
        }

    def container_defaults(self) -> dict[str, dict[str, str]]:
        """The LimitRange's Container entry: ``defaultRequest``, ``default`` and ``max`` CPU and memory."""
        lim = self.limits
        return {
            "defaultRequest": {"cpu": lim.default_request_cpu, "memory": lim.default_request_memory},
            "default": {"cpu": lim.default_cpu, "memory": lim.default_memory},
            "max": {"cpu": lim.max_cpu, "memory": lim.max_memory},
        }
