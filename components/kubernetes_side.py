"""The Kubernetes side wired together: the cluster, the staging namespace in it, the edge and the mail sink
in that namespace, each created through the cluster's provider, and what the stack exports about them.

``__main__.py`` builds the four argument objects from the config; this module owns the order and the
references between the components (the namespace's name output, so every object waits for the namespace;
the edge, so the mail sink's UI route attaches to it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pulumi

from components.cluster import Cluster, ClusterArgs
from components.edge import Edge, EdgeArgs
from components.mail_sink import MailSink, MailSinkArgs
from components.staging_namespace import StagingNamespace, StagingNamespaceArgs


@dataclass(frozen=True)
class KubernetesSide:
    """The components of the Kubernetes side (``edge`` and ``mail_sink`` None when not configured)."""

    cluster: Cluster
    namespace: StagingNamespace
    edge: Edge | None
    mail_sink: MailSink | None

    def exports(self) -> dict[str, Any]:
        """The ``kubernetes`` stack output: cluster, namespace, edge and mail sink facts (no secrets)."""
        edge, sink = self.edge, self.mail_sink
        return {
            "cluster": self.cluster.cluster_name,
            "endpoint": self.cluster.endpoint,
            "version": self.cluster.version,
            "namespace": self.namespace.namespace,
            "edge": None if edge is None else {"hostname": edge.hostname, "scheme": edge.scheme},
            "mailSink": None
            if sink is None
            else {"smtpHost": sink.smtp_host, "smtpPort": sink.smtp_port, "uiUrl": sink.ui_url},
        }


def build_kubernetes_side(
    cluster: ClusterArgs,
    namespace: StagingNamespaceArgs,
    edge: EdgeArgs | None = None,
    mail_sink: MailSinkArgs | None = None,
) -> KubernetesSide:
    """Create the components in order; the edge's and mail sink's ``namespace`` are replaced by the
    namespace component's output (whatever they held)."""
    created_cluster = Cluster("cluster", cluster)
    provider = created_cluster.provider
    created_namespace = StagingNamespace("namespace", namespace, provider)
    name: pulumi.Output[str] = created_namespace.namespace
    created_edge = None if edge is None else Edge("edge", replace(edge, namespace=name), provider)
    sink = None
    if mail_sink is not None:
        sink = MailSink("mail-sink", replace(mail_sink, namespace=name), provider, created_edge)
    return KubernetesSide(created_cluster, created_namespace, created_edge, sink)
