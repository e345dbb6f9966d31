"""MailSink: Mailpit hardened (non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp),
SMTP on a ClusterIP Service for the namespace's pods only, no relay, its UI only through the edge."""

from __future__ import annotations

from typing import Any

import pulumi_kubernetes as k8s
import pytest

from blueprint.engine.graph import StackGraph
from components.edge import BasicAuth, Edge, EdgeArgs
from components.mail_sink import MailSink, MailSinkArgs
from tests.support import inputs, one, record

IMAGE = "axllent/mailpit:v1.29.7"


def build(hostname: str | None = "mail.staging.example.com", with_edge: bool = True) -> StackGraph:
    def program() -> None:
        provider = k8s.Provider("kube", kubeconfig="{}")
        edge = None
        if with_edge:
            args = EdgeArgs(
                namespace="apps",
                hostname="*.staging.example.com",
                tls_secret_name="edge-tls",
                auth=BasicAuth("u:{SHA}x"),
                pod_security_version="v1.35",
            )
            edge = Edge("edge", args, provider)
        MailSink("mail-sink", MailSinkArgs(namespace="apps", image=IMAGE, hostname=hostname), provider, edge)

    return record(program)


@pytest.fixture(scope="module")
def graph() -> StackGraph:
    return build()


def pod(graph: StackGraph) -> dict[str, Any]:
    return inputs(one(graph, "kubernetes:apps/v1:Deployment"))["spec"]["template"]["spec"]


def test_mailpit_runs_hardened(graph):
    spec = pod(graph)
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "runAsGroup": 65534,
        "fsGroup": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    (container,) = spec["containers"]
    assert container["image"] == IMAGE
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert spec["automountServiceAccountToken"] is False


def test_its_database_lives_in_an_empty_dir(graph):
    spec = pod(graph)
    env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
    assert env["MP_DATABASE"] == "/data/mailpit.db"
    mounts = {m["mountPath"]: m["name"] for m in spec["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/data"]]


def test_no_relay_is_configured(graph):
    names = {e["name"] for e in pod(graph)["containers"][0]["env"]}
    assert not [n for n in names if "RELAY" in n]
    assert names >= {"MP_SMTP_AUTH_ACCEPT_ANY", "MP_MAX_MESSAGES"}


def test_smtp_is_a_cluster_ip_service_for_the_namespace_only(graph):
    service = inputs(one(graph, "kubernetes:core/v1:Service"))["spec"]
    assert service["type"] == "ClusterIP"
    assert {p["name"]: p["port"] for p in service["ports"]} == {"smtp": 1025, "http": 8025}
    policies = {
        inputs(r)["metadata"]["name"]: inputs(r)["spec"]
        for r in graph.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if inputs(r)["metadata"]["namespace"] == "apps"
    }
    ingress = policies["mailpit-smtp-ingress"]
    assert ingress["policyTypes"] == ["Ingress"]
    assert ingress["ingress"] == [
        {"from": [{"podSelector": {}}], "ports": [{"protocol": "TCP", "port": 1025}]}
    ]
    egress = policies["allow-smtp-to-mail-sink"]
    assert egress["egress"][0]["to"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mailpit"}}}
    ]


def test_the_ui_is_a_route_on_the_edge(graph):
    routes = {
        inputs(r)["metadata"]["name"]: inputs(r)["spec"]
        for r in graph.resources
        if r.inputs.get("kind") == "HTTPRoute"
    }
    assert routes["mail"]["hostnames"] == ["mail.staging.example.com"]
    assert routes["mail"]["rules"][1]["backendRefs"] == [{"name": "mailpit", "port": 8025}]
    assert routes["mail"]["rules"][0]["matches"][0]["path"]["value"] == "/robots.txt"


def test_without_edge_or_hostname_there_is_no_ui_route():
    for graph in (build(hostname=None), build(with_edge=False)):
        assert not [
            r
            for r in graph.resources
            if r.inputs.get("kind") == "HTTPRoute" and inputs(r)["metadata"]["name"] == "mail"
        ]
