"""Kubernetes workloads (Pods and what creates them): containers that stay inside their own namespaces and
run the version that was reviewed.

- ``pod-security-context``: no host network, PID or IPC namespace; no privileged container; every
  container sets ``allowPrivilegeEscalation: false`` (unset means true) and runs as non-root
  (``runAsNonRoot: true`` on the container or the pod, and no ``runAsUser: 0``). The namespace's Pod
  Security admission enforces the same at ``pulumi up``; this rule says so in the pull request.
- ``container-image-pinned``: every image names a version tag (not ``latest``) or a digest: an untagged
  image is ``:latest``, and a moving tag makes staging run something nobody reviewed.

Containers are those of ``containers``, ``initContainers`` and ``ephemeralContainers`` of the pod spec, found
where each kind keeps it (``_types.WORKLOADS``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._props import as_list, known, peek
from ._rule import Equivalents, RuleContext, RuleSpec, resource_rule

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")

SECURITY_CONTEXT = RuleSpec(
    name="pod-security-context",
    concern="isolation",
    description="Pods must not share the host's namespaces, and their containers must not be privileged, "
    "escalate privileges or run as root.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    remediation="Drop hostNetwork/hostPID/hostIPC; set securityContext {runAsNonRoot: true, runAsUser: "
    "<non-zero>} on the pod and {allowPrivilegeEscalation: false, privileged: false, capabilities: {drop: "
    "[ALL]}} on each container (components.kubernetes_common has both).",
    equivalents=Equivalents(
        checkov=("CKV_K8S_16", "CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19", "CKV_K8S_20", "CKV_K8S_23")
    ),
)


def pod_spec(props: Mapping[str, Any], resource_type: str) -> Any:
    """The pod spec of a workload of ``resource_type`` (None when not set)."""
    return known(props, "spec", *t.WORKLOADS[resource_type])


def containers(spec: Any) -> list[tuple[str, Any]]:
    """``(label, container)`` of every container of a pod spec."""
    found = []
    for key in _CONTAINER_LISTS:
        for i, container in enumerate(as_list(peek(spec, key))):
            found.append((f"{key}[{i}] {peek(container, 'name') or ''}".strip(), container))
    return found


def _container_problems(label: str, container: Any, pod_context: Any) -> Iterator[str]:
    context = peek(container, "securityContext")
    if peek(context, "privileged") is True:
        yield f"{label} is privileged: root in it is root on the node."
    if peek(context, "allowPrivilegeEscalation") is not False:
        yield f"{label} does not set allowPrivilegeEscalation: false (unset, setuid binaries can gain root)."
    non_root = peek(context, "runAsNonRoot")
    non_root = peek(pod_context, "runAsNonRoot") if non_root is None else non_root
    user = peek(context, "runAsUser")
    user = peek(pod_context, "runAsUser") if user is None else user
    if non_root is not True or user == 0:
        yield f"{label} may run as root (runAsNonRoot is not true on it or its pod, or runAsUser is 0)."


def _check_security_context(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    spec = pod_spec(props, ctx.resource_type)
    for key in _HOST_NAMESPACES:
        if peek(spec, key) is True:
            yield f"{key} is true: the pod shares the node's namespace."
    pod_context = peek(spec, "securityContext")
    for label, container in containers(spec):
        yield from _container_problems(label, container, pod_context)


IMAGE_PINNED = RuleSpec(
    name="container-image-pinned",
    concern="parity",
    description="Every container image must be pinned to a version tag (not latest) or a digest.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    remediation="Name the image with the version production runs (registry/app:1.4.2) or its digest "
    "(registry/app@sha256:<digest>).",
    equivalents=Equivalents(checkov=("CKV_K8S_14", "CKV_K8S_43")),
)


def image_problem(image: Any) -> str | None:
    """Why ``image`` is not pinned, or None. ``repo@sha256:...`` and ``repo:tag`` (tag not ``latest``) are."""
    if not isinstance(image, str) or not image:
        return "has no image"
    if "@" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return f"image {image} has no tag: it resolves to :latest"
    if name.rsplit(":", 1)[1] == "latest":
        return f"image {image} uses the moving tag latest"
    return None


def _check_image(props: Mapping[str, Any], ctx: RuleContext) -> Iterator[str]:
    for label, container in containers(pod_spec(props, ctx.resource_type)):
        problem = image_problem(peek(container, "image"))
        if problem:
            yield f"{label} {problem}."


POLICIES = [
    resource_rule(SECURITY_CONTEXT, set(t.WORKLOADS), _check_security_context),
    resource_rule(IMAGE_PINNED, set(t.WORKLOADS), _check_image),
]
