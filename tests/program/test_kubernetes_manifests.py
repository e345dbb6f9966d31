"""The Kubernetes objects the program authors are valid for the cluster they go to: core manifests
(Namespace, NetworkPolicy, ResourceQuota, LimitRange, Deployment, Service, Secret) against the Kubernetes
OpenAPI schemas of the pinned minor version with kubernetes-validate in strict mode (unknown fields
rejected), and every custom resource against the upstream CRDs it will be applied with (Gateway API v1.6.1
and Envoy Gateway v1.9, in ``../shared/k8s-crds/``), strictly too: ``additionalProperties: false`` wherever
a schema lists ``properties`` and does not preserve unknown fields, as kubectl's strict field validation does.

Manifests are rendered from the recorded inputs, i.e. what pulumi-kubernetes sends to the API server
(numbers as JSON numbers, secrets unwrapped). CEL rules (``x-kubernetes-validations``) are not evaluated.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pulumi_kubernetes as k8s
import pytest
import yaml

from blueprint.engine import PROJECT_DIR, record_stack
from blueprint.engine.graph import StackGraph, unwrap
from components.edge import Edge, EdgeArgs, OidcAuth
from stack_config.kubernetes_versions import DEFAULT_KUBERNETES_VERSION
from tests.support import record

CRD_DIR = Path(PROJECT_DIR).parent / "shared" / "k8s-crds"
CORE_KINDS = {"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "Deployment", "Service", "Secret"}
CUSTOM_GROUPS = ("gateway.networking.k8s.io/", "gateway.envoyproxy.io/")
needs_crds = pytest.mark.skipif(not CRD_DIR.is_dir(), reason=f"upstream CRDs not found in {CRD_DIR}")


def _numbers(value: Any) -> Any:
    """Wire numbers are floats; the API server gets JSON numbers, so ``443.0`` is the integer 443."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def manifests(graph: StackGraph) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(logical name, manifest)`` of every Kubernetes object of ``graph`` (Helm releases excluded)."""
    for rec in graph.resources:
        if rec.custom and rec.type.startswith("kubernetes:") and rec.type != "kubernetes:helm.sh/v3:Release":
            yield rec.name, _numbers(unwrap(rec.inputs))


@pytest.fixture(scope="module")
def default_stack() -> StackGraph:
    return record_stack()


@pytest.fixture(scope="module")
def oidc_public_edge() -> StackGraph:
    """The edge's other shapes: OIDC login, a client allowlist, a public NLB with source ranges."""
    args = EdgeArgs(
        namespace="apps",
        hostname="*.staging.example.com",
        tls_secret_name="edge-tls",
        auth=OidcAuth("https://idp.example.com/realms/staging", "edge", "s3cret"),
        pod_security_version="v1.35",
        client_cidrs=["10.0.0.0/8", "2001:db8::/32"],
        public=True,
        source_ranges=["203.0.113.0/24"],
    )
    return record(lambda: Edge("edge", args, k8s.Provider("kube", kubeconfig="{}")))


def test_core_manifests_validate_strictly_at_the_pinned_minor(default_stack):
    core = [(name, m) for name, m in manifests(default_stack) if m["kind"] in CORE_KINDS]
    assert {m["kind"] for _, m in core} == CORE_KINDS
    for name, manifest in core:
        try:
            kubernetes_validate.validate(manifest, DEFAULT_KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {exc.message} at {list(exc.absolute_path)}")


def test_strict_core_validation_rejects_an_unknown_field(default_stack):
    deployment = next(m for _, m in manifests(default_stack) if m["kind"] == "Deployment")
    bad = copy.deepcopy(deployment)
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, DEFAULT_KUBERNETES_VERSION, strict=True)


def _strict(schema: Any) -> Any:
    """A copy of a CRD schema that rejects unknown fields, as kubectl's strict validation does."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) if k not in ("enum", "default", "example") else v for k, v in schema.items()}
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    return out


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """``(apiVersion, kind)`` -> the strict openAPIV3Schema of every served version in ``CRD_DIR``."""
    found = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                    found[key] = _strict(version["schema"]["openAPIV3Schema"])
    return found


def crd_problems(manifest: dict[str, Any]) -> list[str]:
    schema = crd_schemas().get((manifest["apiVersion"], manifest["kind"]))
    if schema is None:
        return [f"no CRD serves {manifest['apiVersion']} {manifest['kind']}"]
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


@needs_crds
@pytest.mark.parametrize("graph_fixture", ["default_stack", "oidc_public_edge"])
def test_every_custom_resource_validates_against_its_crd(request, graph_fixture):
    graph = request.getfixturevalue(graph_fixture)
    customs = [(n, m) for n, m in manifests(graph) if m["apiVersion"].startswith(CUSTOM_GROUPS)]
    kinds = {m["kind"] for _, m in customs}
    assert {
        "GatewayClass",
        "Gateway",
        "HTTPRoute",
        "EnvoyProxy",
        "ClientTrafficPolicy",
        "HTTPRouteFilter",
        "SecurityPolicy",
    } <= kinds
    problems = {name: crd_problems(m) for name, m in customs}
    assert {name: p for name, p in problems.items() if p} == {}


@needs_crds
def test_strict_crd_validation_rejects_unknown_and_misspelt_fields(default_stack):
    policy = next(m for _, m in manifests(default_stack) if m["kind"] == "ClientTrafficPolicy")
    bad = copy.deepcopy(policy)
    bad["spec"]["headers"]["lateResponseHeader"] = bad["spec"]["headers"].pop("lateResponseHeaders")
    assert any("lateResponseHeader" in p for p in crd_problems(bad))
    proxy = next(m for _, m in manifests(default_stack) if m["kind"] == "EnvoyProxy")
    bad = copy.deepcopy(proxy)
    bad["spec"]["provider"]["kubernetes"]["envoyService"]["type"] = "Loadbalancer"
    assert crd_problems(bad)
