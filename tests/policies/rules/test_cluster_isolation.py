"""Host access, ExternalName Services and non-HTTP routes (``guardrails/cluster_isolation.py``), violating
and compliant, through the real pack process. The baseline's ``app-deploy`` Deployment passes every rule;
the Services and routes are added by each case. RBAC: ``test_access.py``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.k8s_stack import SERVICE, k8s, pod_template
from tests.policies.rules.helpers import set_in, with_spec
from tests.policies.stack import Stack

HOST = "pod-no-host-access"
ALIAS = "k8s-service-no-external-alias"
BYPASS = "route-not-bypassing-edge-auth"


def _pod(path: str, value: Any) -> Mutation:
    return with_spec("app-deploy", set_in(f"template.spec.{path}", value))


def _caps(*added: str, where: str = "containers") -> Mutation:
    def mutate(s: Stack) -> None:
        container = pod_template()["template"]["spec"]["containers"][0]
        container["securityContext"]["capabilities"]["add"] = list(added)
        _pod(where, [container])(s)

    return mutate


def _job_with_host_port(s: Stack) -> None:
    template = pod_template()["template"]
    template["spec"]["containers"][0]["ports"] = [{"containerPort": 8080, "hostPort": 8080}]
    k8s(s, "kubernetes:batch/v1:Job", "seed-job", "seed", {"template": template})


def _daemonset_host_path(s: Stack) -> None:
    template = pod_template()["template"]
    template["spec"]["volumes"] = [{"name": "logs", "hostPath": {"path": "/var/log"}}]
    spec = {"selector": {"matchLabels": {"app": "agent"}}, "template": template}
    k8s(s, "kubernetes:apps/v1:DaemonSet", "agent-ds", "agent", spec)


HOST_CASES = [
    case(
        _pod("volumes", [{"name": "sock", "hostPath": {"path": "/run/containerd"}}]),
        (HOST, "app-deploy"),
        id="host-path",
    ),
    case(_pod("volumes", [{"name": "tmp", "emptyDir": {}}]), id="empty-dir-ok"),
    case(_job_with_host_port, (HOST, "seed-job"), id="job-host-port"),
    case(_daemonset_host_path, (HOST, "agent-ds"), id="daemonset-host-path"),
    case(_caps("NET_ADMIN"), (HOST, "app-deploy"), id="cap-net-admin"),
    case(_caps("SYS_ADMIN", where="initContainers"), (HOST, "app-deploy"), id="init-container-cap"),
    case(_caps("NET_RAW", where="ephemeralContainers"), (HOST, "app-deploy"), id="ephemeral-container-cap"),
    case(_caps("NET_BIND_SERVICE"), id="net-bind-service-ok"),
]


def _service(spec: dict[str, Any]) -> Mutation:
    return lambda s: k8s(s, SERVICE, "psp-svc", "psp", spec)


def _route(kind: str, version: str, gateway: str = "edge") -> Mutation:
    spec = {"parentRefs": [{"name": gateway}], "rules": [{"backendRefs": [{"name": "app", "port": 5432}]}]}
    return lambda s: k8s(
        s, f"kubernetes:gateway.networking.k8s.io/{version}:{kind}", "raw-route", "raw", spec
    )


TRAFFIC_CASES = [
    case(
        _service({"type": "ExternalName", "externalName": "api.stripe.com"}),
        (ALIAS, "psp-svc"),
        id="external-name",
    ),
    case(_service({"type": "ClusterIP", "ports": [{"port": 80}]}), id="cluster-ip-ok"),
    case(_route("TCPRoute", "v1alpha2"), (BYPASS, "raw-route"), id="tcp-route-on-edge"),
    case(_route("TLSRoute", "v1alpha2"), (BYPASS, "raw-route"), id="tls-route-on-edge"),
    case(_route("UDPRoute", "v1alpha2"), (BYPASS, "raw-route"), id="udp-route-on-edge"),
    case(_route("GRPCRoute", "v1"), (BYPASS, "raw-route"), id="grpc-route-on-edge"),
    case(_route("TCPRoute", "v1alpha2", gateway="elsewhere"), id="route-on-another-gateway-ok"),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*HOST_CASES, *TRAFFIC_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_cluster_isolation_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
