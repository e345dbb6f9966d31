"""What the Kubernetes components share: resource options bound to the cluster's provider, labels, the
Pod Security labels, NetworkPolicy objects, and the hardened security contexts of every workload.

Inputs are written with the Kubernetes API's own camelCase keys (the SDK passes them through unchanged),
so they read like the manifests they become. Kubernetes objects are registered with pulumi-kubernetes'
typed classes (``core/v1``, ``networking/v1``,
``apps/v1``) or, for Gateway API and Envoy Gateway kinds, as ``apiextensions.CustomResource`` objects: a
Helm chart would be one opaque resource that neither the preview nor the policy pack could look into.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.core.v1 import Namespace
from pulumi_kubernetes.networking.v1 import NetworkPolicy

#: Labels every object of this blueprint carries (Kubernetes "Recommended Labels").
PART_OF = {"app.kubernetes.io/part-of": "staging-blueprint", "app.kubernetes.io/managed-by": "pulumi"}
#: The Pod Security Standards level every namespace of the blueprint enforces, audits and warns about
#: (Kubernetes docs, "Pod Security Admission": labels ``pod-security.kubernetes.io/<mode>[-version]``).
POD_SECURITY_LEVEL = "restricted"
POD_SECURITY_MODES = ("enforce", "audit", "warn")
#: Where kube-dns runs on every cluster (EKS included): CoreDNS pods labelled ``k8s-app=kube-dns``.
KUBE_DNS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
#: The mail sink's pods (``MailSink``): closed to every egress but DNS, so the namespace-wide allows select
#: every pod except these (a NetworkPolicy allows what any policy selecting the pod allows).
MAIL_SINK_POD = {"app.kubernetes.io/name": "mailpit"}
#: User and group of every container the blueprint runs (``nobody``: no home, no shell, not root).
NONROOT_ID = 65534


def k8s_opts(parent: pulumi.Resource, provider: k8s.Provider, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options of a Kubernetes child: parented to its component, created through the cluster's provider."""
    return pulumi.ResourceOptions(parent=parent, provider=provider, **kwargs)


def app_labels(name: str, component: str) -> dict[str, str]:
    """``app.kubernetes.io/name``, ``/component`` plus ``PART_OF``: selector and identity of a workload."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component, **PART_OF}


def pod_security_labels(version: str) -> dict[str, str]:
    """The ``restricted`` level in every mode, pinned to ``version`` (e.g. ``v1.35``) so a cluster upgrade
    cannot change what is admitted without a change in this repository."""
    labels = {}
    for mode in POD_SECURITY_MODES:
        labels[f"pod-security.kubernetes.io/{mode}"] = POD_SECURITY_LEVEL
        labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    return labels


def namespace_selector(namespace: str) -> dict[str, Any]:
    """Selects one namespace by the ``kubernetes.io/metadata.name`` label Kubernetes sets on every one."""
    return {"matchLabels": {"kubernetes.io/metadata.name": namespace}}


def every_pod_except(labels: Mapping[str, str]) -> dict[str, Any]:
    """A ``podSelector`` for every pod of the namespace except those carrying all of ``labels`` (one
    ``NotIn`` expression per label: a pod without the label is selected too)."""
    return {
        "matchExpressions": [
            {"key": key, "operator": "NotIn", "values": [value]} for key, value in sorted(labels.items())
        ]
    }


def tcp_ports(*ports: int) -> list[dict[str, Any]]:
    """NetworkPolicy ``ports`` entries for TCP ``ports``."""
    return [{"protocol": "TCP", "port": port} for port in ports]


def network_policy(
    name: str,
    *,
    policy_name: str,
    namespace: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    pod_selector: Mapping[str, Any] | None = None,
    ingress: Sequence[Mapping[str, Any]] | None = None,
    egress: Sequence[Mapping[str, Any]] | None = None,
) -> NetworkPolicy:
    """A NetworkPolicy whose ``policyTypes`` say exactly which directions it governs.

    A direction is listed when its rules are given (an empty list denies that direction); None leaves the
    direction to other policies. Policies add up: traffic passes if any policy selecting the pod allows it.

    Args:
        name: Pulumi logical name.
        policy_name: the object's name in the namespace.
        namespace: the namespace.
        opts: options (``k8s_opts``).
        pod_selector: the pods it applies to (``matchLabels``...); None: every pod of the namespace.
        ingress, egress: the rules (NetworkPolicy API, camelCase keys).
    """
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    spec: Any = {"podSelector": dict(pod_selector or {}), "policyTypes": types}
    if ingress:
        spec["ingress"] = list(ingress)
    if egress:
        spec["egress"] = list(egress)
    return NetworkPolicy(
        name,
        metadata={"name": policy_name, "namespace": namespace, "labels": PART_OF},
        spec=spec,
        opts=opts,
    )


def pod_security_context() -> dict[str, Any]:
    """Pod-level security context meeting Pod Security ``restricted``: non-root, RuntimeDefault seccomp."""
    return {
        "runAsNonRoot": True,
        "runAsUser": NONROOT_ID,
        "runAsGroup": NONROOT_ID,
        "fsGroup": NONROOT_ID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """Container-level security context: no privilege escalation, every capability dropped, read-only root
    filesystem (writes go to ``emptyDir`` volumes), not privileged."""
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def hardened_namespace(
    name: str, *, namespace: str, pod_security_version: str, opts: pulumi.ResourceOptions
) -> Namespace:
    """A namespace that admits only Pod Security ``restricted`` pods and lets no traffic in or out except
    DNS: its ``-default-deny`` policy selects every pod for both directions with no rule, and
    ``-allow-dns`` opens UDP/TCP 53 to kube-dns. Everything else is opened by explicit policies.

    Args:
        name: logical name prefix (``<name>``, ``<name>-default-deny``, ``<name>-allow-dns``).
        namespace: the namespace's name.
        pod_security_version: e.g. ``v1.35``.
        opts: options of the namespace (``k8s_opts``); the policies depend on it.
    """
    created = Namespace(
        name,
        metadata={"name": namespace, "labels": {**PART_OF, **pod_security_labels(pod_security_version)}},
        opts=opts,
    )
    policy_opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[created]))
    network_policy(
        f"{name}-default-deny",
        policy_name="default-deny",
        namespace=namespace,
        opts=policy_opts,
        ingress=[],
        egress=[],
    )
    dns = [{"to": [KUBE_DNS], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
    network_policy(
        f"{name}-allow-dns", policy_name="allow-dns", namespace=namespace, opts=policy_opts, egress=dns
    )
    return created
