"""Rules of the Kubernetes side's config that span several keys: sections that need ``cluster``, keys that
apply to one cluster mode only, node-group sizes and architecture, edge authentication and exposure,
LimitRange ordering, and the secret config keys the sections reference (``...FromConfig``)."""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from stack_config.base import Problem, join_path
from stack_config.cluster import ClusterConfig, NamespaceConfig, cpu_cores, memory_bytes
from stack_config.edge import EdgeConfig, MailSinkConfig

#: Where the Kubernetes sections name secret config keys: (section, sub-object or None, field).
SECRET_REFERENCES = (
    ("cluster", None, "kubeconfigFromConfig"),
    ("edge", "basicAuth", "htpasswdFromConfig"),
    ("edge", "oidc", "clientSecretFromConfig"),
)
_EKS_ONLY = ("public_access_cidrs", "admin_role_arns", "node_group", "deletion_protection")
_EXISTING_ONLY = ("kubeconfig_from_config", "kubeconfig_context")
#: Instance families with Graviton (ARM) processors: a generation digit followed by ``g`` (m7g, c7gn,
#: r8gd, t4g, im4gn, g5g), plus the first-generation ``a1`` (EC2 docs, "Instance type naming conventions").
_ARM_FAMILY = re.compile(r"[a-z]+\d+g[a-z]*|a1")


def raw_secret_keys(raw: Mapping[str, Any]) -> set[str]:
    """The top-level config keys the raw Kubernetes sections reference as secrets (before validation)."""
    found = set()
    for section, sub, field in SECRET_REFERENCES:
        block = raw.get(section)
        block = block.get(sub) if sub and isinstance(block, dict) else block
        if isinstance(block, dict) and isinstance(block.get(field), str):
            found.add(block[field])
    return found


def secret_reference_paths(cluster: ClusterConfig | None, edge: EdgeConfig | None) -> list[tuple[str, str]]:
    """``(key path, referenced config key)`` of every secret reference in the validated sections."""
    refs = []
    if cluster is not None and cluster.kubeconfig_from_config:
        refs.append(("cluster.kubeconfigFromConfig", cluster.kubeconfig_from_config))
    if edge is not None and edge.basic_auth is not None:
        refs.append(("edge.basicAuth.htpasswdFromConfig", edge.basic_auth.htpasswd_from_config))
    if edge is not None and edge.oidc is not None:
        refs.append(("edge.oidc.clientSecretFromConfig", edge.oidc.client_secret_from_config))
    return refs


def kubernetes_checks(
    cluster: ClusterConfig | None,
    namespace: NamespaceConfig | None,
    edge: EdgeConfig | None,
    mail_sink: MailSinkConfig | None,
    raw: Mapping[str, Any],
) -> list[Problem]:
    """Cross-key rules of ``cluster``, ``namespace``, ``edge`` and ``mailSink``.

    Args:
        cluster, edge, mail_sink: the sections, None when absent.
        namespace: the section, None when the stack file does not set it (its defaults apply).
        raw: the raw config, to check that referenced secret keys exist.
    """
    problems = [*_needs_cluster(cluster, namespace, edge, mail_sink)]
    if cluster is not None:
        problems += [*_mode_problems(cluster), *_node_group_problems(cluster)]
    if namespace is not None:
        problems += list(_limit_problems(namespace))
    if edge is not None:
        problems += list(_edge_problems(edge))
    if mail_sink is not None:
        problems += list(_mail_sink_problems(mail_sink, edge))
    problems += [
        Problem(path, key, f"names no config key; set it with `pulumi config set --secret {key} <value>`")
        for path, key in secret_reference_paths(cluster, edge)
        if key not in raw
    ]
    return problems


def _needs_cluster(cluster: Any, namespace: Any, edge: Any, mail_sink: Any) -> Iterator[Problem]:
    if cluster is not None:
        return
    for key, section in (("namespace", namespace), ("edge", edge), ("mailSink", mail_sink)):
        if section is not None:
            yield Problem(
                key, None, "needs staging-blueprint:cluster (the cluster it runs in); add it", hidden=True
            )


def _mode_problems(cluster: ClusterConfig) -> Iterator[Problem]:
    other, keys = ("eks", _EKS_ONLY) if cluster.mode == "existing" else ("existing", _EXISTING_ONLY)
    for name in sorted(set(keys) & cluster.model_fields_set):
        alias = ClusterConfig.model_fields[name].alias or name
        yield Problem(f"cluster.{alias}", None, f"applies to mode {other} only; remove it", hidden=True)
    if cluster.mode == "existing" and cluster.kubeconfig_from_config is None:
        yield Problem(
            "cluster.kubeconfigFromConfig",
            None,
            "is required with mode existing: name the secret config key holding the kubeconfig",
        )
    if cluster.mode == "eks" and not cluster.admin_role_arns:
        yield Problem(
            "cluster.adminRoleArns",
            [],
            "must name the IAM role(s) `pulumi up` runs as: the cluster grants its creator no admin access "
            "(bootstrapClusterCreatorAdminPermissions is false), so without an access entry nobody could "
            "deploy the Kubernetes objects",
        )


def _node_group_problems(cluster: ClusterConfig) -> Iterator[Problem]:
    group = cluster.node_group
    if not group.min_size <= group.desired_size <= group.max_size:
        yield Problem(
            "cluster.nodeGroup.desiredSize",
            group.desired_size,
            f"must lie between minSize ({group.min_size}) and maxSize ({group.max_size})",
        )
    arm = "ARM_64" in group.ami_type
    for i, instance_type in enumerate(group.instance_types):
        if bool(_ARM_FAMILY.fullmatch(instance_type.split(".", 1)[0])) != arm:
            kind = "an x86_64" if arm else "a Graviton (ARM)"
            yield Problem(
                join_path("cluster", "nodeGroup", "instanceTypes", i),
                instance_type,
                f"is {kind} type but amiType is {group.ami_type}; use types and an AMI of one architecture",
            )


def _limit_problems(namespace: NamespaceConfig) -> Iterator[Problem]:
    limits = namespace.limits
    for kind, parse in (("cpu", cpu_cores), ("memory", memory_bytes)):
        chain = [(f"defaultRequest{kind.title()}", getattr(limits, f"default_request_{kind}"))]
        chain += [(f"default{kind.title()}", getattr(limits, f"default_{kind}"))]
        chain += [(f"max{kind.title()}", getattr(limits, f"max_{kind}"))]
        for (low_key, low), (high_key, high) in itertools.pairwise(chain):
            if parse(low) > parse(high):
                yield Problem(
                    f"namespace.limits.{low_key}",
                    low,
                    f"must not exceed namespace.limits.{high_key} ({high})",
                )


def _edge_problems(edge: EdgeConfig) -> Iterator[Problem]:
    needed, unused = ("basicAuth", "oidc") if edge.auth == "basic" else ("oidc", "basicAuth")
    blocks = {"basicAuth": edge.basic_auth, "oidc": edge.oidc}
    if blocks[needed] is None:
        yield Problem(f"edge.{needed}", None, f"is required with auth: {edge.auth}", hidden=True)
    if blocks[unused] is not None:
        yield Problem(f"edge.{unused}", None, f"is not used with auth: {edge.auth}; remove it", hidden=True)
    if edge.public and not edge.source_ranges:
        yield Problem(
            "edge.sourceRanges",
            [],
            "must list the CIDRs allowed to reach a public edge (e.g. the office and VPN egress ranges)",
        )
    if edge.source_ranges and not edge.public:
        yield Problem(
            "edge.sourceRanges", edge.source_ranges, "applies to a public edge only (edge.public: true)"
        )


def _mail_sink_problems(mail_sink: MailSinkConfig, edge: EdgeConfig | None) -> Iterator[Problem]:
    host = mail_sink.hostname
    if host is None:
        return
    if edge is None:
        yield Problem("mailSink.hostname", host, "needs staging-blueprint:edge (the UI is served through it)")
    elif not fnmatch.fnmatchcase(host, edge.hostname):  # *.example.com matches any name below it
        yield Problem(
            "mailSink.hostname",
            host,
            f"is not under edge.hostname ({edge.hostname}): the Gateway's listener would not accept its "
            "route",
        )
