"""``MailSink``: Mailpit in the staging namespace, so staging never emails a real person.

Apps send to ``mailpit.<namespace>.svc.cluster.local:1025`` (SMTP, any credentials accepted); Mailpit keeps
the messages (a bounded number, in an ``emptyDir``: they vanish with the pod) and shows them in its UI,
which is reachable only through the edge (basic auth or OIDC, robots header, like every route). No relay is
configured, and the namespace's default-deny egress gives Mailpit no way out but DNS: the namespace's
egress allows (data tier, AWS APIs, SMTP to the sink) select every pod except Mailpit's. No NetworkPolicy
of the stack opens SMTP ports (25/465/587) to anything outside the cluster (the pack checks).

The container runs as a non-root user with a read-only root filesystem, no capabilities, no privilege
escalation and the RuntimeDefault seccomp profile (Pod Security ``restricted``); it mounts no service
account token. Mailpit's settings are its ``MP_*`` environment variables (Mailpit docs, "Runtime options").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apps.v1 import Deployment
from pulumi_kubernetes.core.v1 import Service

from components.common import StagingComponent
from components.edge import Edge
from components.kubernetes_common import (
    MAIL_SINK_POD,
    app_labels,
    container_security_context,
    every_pod_except,
    k8s_opts,
    network_policy,
    pod_security_context,
    tcp_ports,
)

SMTP_PORT = 1025
UI_PORT = 8025


@dataclass(frozen=True, kw_only=True)
class MailSinkArgs:
    """Arguments of ``MailSink``.

    Attributes:
        namespace: the staging namespace.
        image: Mailpit image pinned by tag or digest, e.g. ``axllent/mailpit:v1.29.7``.
        max_messages: messages kept (oldest deleted first; default 5000).
        hostname: hostname of the UI route on the edge; None: no route.
    """

    namespace: pulumi.Input[str]
    image: str
    max_messages: int = 5000
    hostname: str | None = None


def mailpit_environment(max_messages: int) -> list[dict[str, str]]:
    """Mailpit's settings: database in the ``emptyDir``, bounded, any SMTP login accepted without TLS
    (apps' staging config may send credentials; none are checked or kept), no version check or remote
    content fetched. Nothing configures a relay (``MP_SMTP_RELAY_*``)."""
    settings = {
        "MP_DATABASE": "/data/mailpit.db",
        "MP_MAX_MESSAGES": str(max_messages),
        "MP_SMTP_AUTH_ACCEPT_ANY": "true",
        "MP_SMTP_AUTH_ALLOW_INSECURE": "true",
        "MP_DISABLE_VERSION_CHECK": "true",
        "MP_BLOCK_REMOTE_CSS_AND_FONTS": "true",
    }
    return [{"name": key, "value": value} for key, value in settings.items()]


def mailpit_pod_spec(image: str, max_messages: int) -> dict[str, Any]:
    """The pod: one hardened container, writable paths only in ``emptyDir`` volumes."""
    container = {
        "name": "mailpit",
        "image": image,
        "ports": [
            {"name": "smtp", "containerPort": SMTP_PORT, "protocol": "TCP"},
            {"name": "http", "containerPort": UI_PORT, "protocol": "TCP"},
        ],
        "env": mailpit_environment(max_messages),
        "securityContext": container_security_context(),
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 10},
        "livenessProbe": {"tcpSocket": {"port": "smtp"}, "periodSeconds": 20},
        "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "automountServiceAccountToken": False,
        "securityContext": pod_security_context(),
        "containers": [container],
        "volumes": [
            {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
        ],
    }


class MailSink(StagingComponent):
    """Mailpit: the SMTP server of staging's apps; nothing leaves.

    Outputs:
        smtp_host: ``mailpit.<namespace>.svc.cluster.local`` (apps' SMTP host).
        smtp_port: 1025.
        ui_url: ``https://<hostname>`` through the edge, or None.
    """

    smtp_host: pulumi.Output[str]
    smtp_port: int
    ui_url: str | None

    def __init__(
        self,
        name: str,
        args: MailSinkArgs,
        provider: k8s.Provider,
        edge: Edge | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(name, opts)
        ns, labels = args.namespace, app_labels("mailpit", "mail-sink")
        selector = {"matchLabels": dict(MAIL_SINK_POD)}
        metadata: Any = {"name": "mailpit", "namespace": ns, "labels": labels}
        pod: Any = {"metadata": {"labels": labels}, "spec": mailpit_pod_spec(args.image, args.max_messages)}
        deployment_spec: Any = {
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": selector,
            "template": pod,
        }
        Deployment(
            f"{name}-deployment", metadata=metadata, spec=deployment_spec, opts=k8s_opts(self, provider)
        )
        ports: Any = [
            {"name": "smtp", "port": SMTP_PORT, "targetPort": "smtp", "protocol": "TCP"},
            {"name": "http", "port": UI_PORT, "targetPort": "http", "protocol": "TCP"},
        ]
        service_spec: Any = {"type": "ClusterIP", "selector": selector["matchLabels"], "ports": ports}
        service = Service(
            f"{name}-service",
            metadata=metadata,
            spec=service_spec,
            opts=k8s_opts(self, provider),
        )
        self._policies(name, ns, selector, k8s_opts(self, provider))
        self.smtp_host = pulumi.Output.concat("mailpit.", ns, ".svc.cluster.local")
        self.smtp_port = SMTP_PORT
        self.ui_url = None
        if edge is not None and args.hostname:
            edge.app_route(
                "mail",
                hostnames=[args.hostname],
                service="mailpit",
                port=UI_PORT,
                opts=pulumi.ResourceOptions(depends_on=[service]),
            )
            self.ui_url = f"https://{args.hostname}"
        self.register()

    @staticmethod
    def _policies(name: str, ns: pulumi.Input[str], selector: dict, opts: pulumi.ResourceOptions) -> None:
        """SMTP from the namespace's pods to Mailpit, both ways of the default deny; nothing else."""
        network_policy(
            f"{name}-ingress",
            policy_name="mailpit-smtp-ingress",
            namespace=ns,
            opts=opts,
            pod_selector=selector,
            ingress=[{"from": [{"podSelector": {}}], "ports": tcp_ports(SMTP_PORT)}],
        )
        network_policy(
            f"{name}-egress",
            policy_name="allow-smtp-to-mail-sink",
            namespace=ns,
            opts=opts,
            pod_selector=every_pod_except(selector["matchLabels"]),
            egress=[{"to": [{"podSelector": selector}], "ports": tcp_ports(SMTP_PORT)}],
        )
