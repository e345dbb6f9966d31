"""Workload rules (``guardrails/workloads.py``): hardened security contexts and pinned images, wherever the
kind keeps its pod spec (Deployment, CronJob, Pod).

The baseline's Deployment ``app-deploy`` runs one container as a non-root user (pod-level), without
privilege escalation, from an image pinned to ``1.4.2``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.k8s_stack import k8s, pod_template
from tests.policies.rules.helpers import set_in, with_spec
from tests.policies.stack import Stack

CONTEXT = "pod-security-context"
IMAGE = "container-image-pinned"
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"
DIGEST = "sha256:" + "ab" * 32


def _container(**changes: Any) -> Mutation:
    return lambda s: s.set("app-deploy", spec=pod_template(**changes))


def _pod(path: str, value: Any) -> Mutation:
    return with_spec("app-deploy", set_in(f"template.spec.{path}", value))


def _cron_job(s: Stack) -> None:
    job = pod_template(image=f"{ECR}:latest", securityContext={"privileged": True})["template"]
    k8s(
        s,
        "kubernetes:batch/v1:CronJob",
        "report-cron",
        "report",
        {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": job}}},
    )


def _pod_object(s: Stack) -> None:
    spec = pod_template()["template"]["spec"]
    spec["hostPID"] = True
    k8s(s, "kubernetes:core/v1:Pod", "debug-pod", "debug", spec)


CONTEXT_CASES = [
    case(
        _container(securityContext={"allowPrivilegeEscalation": False, "privileged": True}),
        (CONTEXT, "app-deploy"),
        id="privileged",
    ),
    case(_container(securityContext={}), (CONTEXT, "app-deploy"), id="privilege-escalation-unset"),
    case(_pod("securityContext", {}), (CONTEXT, "app-deploy"), id="may-run-as-root"),
    case(
        _pod("securityContext", {"runAsNonRoot": True, "runAsUser": 0}),
        (CONTEXT, "app-deploy"),
        id="run-as-uid-0",
    ),
    case(
        _container(securityContext={"allowPrivilegeEscalation": False, "runAsNonRoot": True}),
        id="container-level-non-root-ok",
    ),
    case(_pod("hostNetwork", True), (CONTEXT, "app-deploy"), id="host-network"),
    case(
        _pod("initContainers", [{"name": "migrate", "image": f"{ECR}:1.4.2"}]),
        (CONTEXT, "app-deploy"),
        id="init-container-unhardened",
    ),
    case(_pod_object, (CONTEXT, "debug-pod"), id="bare-pod-host-pid"),
]

IMAGE_CASES = [
    case(_container(image=f"{ECR}:latest"), (IMAGE, "app-deploy"), id="latest"),
    case(_container(image=ECR), (IMAGE, "app-deploy"), id="untagged"),
    case(
        _container(image="registry.internal:5000/team/app"),
        (IMAGE, "app-deploy"),
        id="registry-port-is-not-a-tag",
    ),
    case(_container(image=f"{ECR}@{DIGEST}"), id="digest-ok"),
    case(_container(image=f"registry.internal:5000/team/app:2.0.1@{DIGEST}"), id="tag-and-digest-ok"),
    case(_cron_job, (CONTEXT, "report-cron"), (IMAGE, "report-cron"), id="cron-job-template"),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*CONTEXT_CASES, *IMAGE_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_workload_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
