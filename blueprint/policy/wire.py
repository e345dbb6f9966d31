"""The engine's wire format for analyzers: protobuf structs and enums, resource options, the default
providers the engine reports, and the ``Analyze``/``AnalyzeStack`` requests built from a recorded graph.

Sources: pulumi/pulumi ``sdk/go/common/resource/plugin/analyzer_plugin.go`` (marshalling) and
``pkg/resource/deploy/step_generator.go`` (Analyze on inputs, AnalyzeStack on outputs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy.results import PolicyInfo, Violation

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


def level_name(value: int) -> str:
    return pb.EnforcementLevel.Name(pb.EnforcementLevel.ValueType(value)).lower()


def severity_name(value: int) -> str:
    name = pb.PolicySeverity.Name(pb.PolicySeverity.ValueType(value)).removeprefix("POLICY_SEVERITY_").lower()
    return "" if name == "unspecified" else name


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(value))
    return struct


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _seconds(duration: Any) -> float:
    """A Go duration string (``"1h30m"``, ``"90s"``) as seconds; 0 when absent or unparsable."""
    if isinstance(duration, (int, float)):
        return float(duration)
    return sum(float(n) * _UNIT_S[u] for n, u in _DURATION.findall(str(duration or "")))


def options(rec: ResourceRecord) -> pb.AnalyzerResourceOptions:
    opts = rec.options
    delete_before_replace = opts.get("deleteBeforeReplace")
    timeouts = opts.get("customTimeouts") or {}
    return pb.AnalyzerResourceOptions(
        protect=bool(opts.get("protect")),
        ignoreChanges=list(opts.get("ignoreChanges") or []),
        deleteBeforeReplace=bool(delete_before_replace),
        deleteBeforeReplaceDefined=delete_before_replace is not None,
        additionalSecretOutputs=list(opts.get("additionalSecretOutputs") or []),
        aliases=list(opts.get("aliases") or []),
        customTimeouts=pb.AnalyzerResourceOptions.CustomTimeouts(
            create=_seconds(timeouts.get("create")),
            update=_seconds(timeouts.get("update")),
            delete=_seconds(timeouts.get("delete")),
        ),
        parent=rec.parent or "",
    )


def policy_info(info: pb.PolicyInfo) -> PolicyInfo:
    policy_type = {pb.POLICY_TYPE_RESOURCE: "resource", pb.POLICY_TYPE_STACK: "stack"}.get(
        info.policy_type, ""
    )
    return PolicyInfo(
        name=info.name,
        description=info.description,
        enforcement_level=level_name(info.enforcementLevel),
        severity=severity_name(info.severity),
        policy_type=policy_type,
        remediation=info.remediation_steps,
        tags=tuple(info.tags),
        config_schema=json_format.MessageToDict(info.configSchema),
    )


class Providers:
    """The provider of each registration, as the engine reports it to analyzers.

    A record with a provider reference (``<provider urn>::<id>``) gets that provider (inputs from its
    record when the graph has it). A custom resource without one gets the package's default provider,
    ``urn:pulumi:<stack>::<project>::pulumi:providers:<pkg>::default_<version>``, whose inputs are the
    stack config of the package namespace plus ``version``, as the engine builds default providers.
    """

    def __init__(self, graph: StackGraph, stack_config: Mapping[str, str]) -> None:
        self._graph = graph
        self._config = stack_config
        self.defaults: dict[str, pb.AnalyzerProviderResource] = {}
        #: Explicit providers by reference, built once each (a provider registers before its users).
        self._explicit: dict[str, pb.AnalyzerProviderResource] = {}

    def _default(self, package: str) -> pb.AnalyzerProviderResource:
        if package not in self.defaults:
            try:
                version = metadata.version(f"pulumi-{package}")
            except metadata.PackageNotFoundError:
                version = ""
            name = f"default_{version.replace('.', '_')}" if version else "default"
            props = {k.split(":", 1)[1]: v for k, v in self._config.items() if k.startswith(f"{package}:")}
            if version:
                props["version"] = version
            self.defaults[package] = pb.AnalyzerProviderResource(
                type=f"{PROVIDER_PREFIX}{package}",
                urn=f"urn:pulumi:{self._graph.stack}::{self._graph.project}::{PROVIDER_PREFIX}{package}::{name}",
                name=name,
                properties=struct(props),
            )
        return self.defaults[package]

    def _explicit_provider(self, reference: str) -> pb.AnalyzerProviderResource:
        """The provider ``<urn>::<id>`` refers to, with its recorded inputs; cached once it is recorded."""
        if reference in self._explicit:
            return self._explicit[reference]
        urn = reference.rsplit("::", 1)[0]
        prov = next((r for r in self._graph.resources if r.urn == urn), None)
        segments = urn.split("::")
        message = pb.AnalyzerProviderResource(
            type=prov.type if prov else segments[-2].split("$")[-1],
            urn=urn,
            name=segments[-1],
            properties=struct(prov.inputs if prov else {}),
        )
        if prov is not None:
            self._explicit[reference] = message
        return message

    def of(self, rec: ResourceRecord) -> pb.AnalyzerProviderResource | None:
        if rec.provider:
            return self._explicit_provider(rec.provider)
        if rec.custom and not rec.type.startswith(PROVIDER_PREFIX):
            return self._default(rec.type.split(":", 1)[0])
        return None


def config_strings(stack_config: Mapping[str, Any] | None) -> dict[str, str]:
    """Stack config as the engine passes it: every value a string (structured values as JSON text)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (stack_config or {}).items()}


def configure_stack_request(
    project: str,
    stack: str,
    stack_config: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
) -> pb.AnalyzerStackConfigureRequest:
    """``ConfigureStack``: stack, project, organization, dry run, config (as strings), stack tags."""
    return pb.AnalyzerStackConfigureRequest(
        stack=stack,
        project=project,
        organization="organization",
        dry_run=True,
        config=config_strings(stack_config),
        tags=dict(tags or {}),
    )


def violation(diagnostic: pb.AnalyzeDiagnostic, urn: str) -> Violation:
    """A diagnostic as a ``Violation`` of ``urn`` (the engine attributes per-resource diagnostics to the
    analyzed resource, whatever they say)."""
    return Violation(
        policy_name=diagnostic.policyName,
        policy_pack=diagnostic.policyPackName,
        message=diagnostic.message,
        urn=urn,
        enforcement_level=level_name(diagnostic.enforcementLevel),
        severity=severity_name(diagnostic.severity),
        description=diagnostic.description,
    )


def analyze_request(rec: ResourceRecord, providers: Providers) -> pb.AnalyzeRequest:
    """``Analyze`` for one registration: its inputs, options and provider."""
    return pb.AnalyzeRequest(
        type=rec.type,
        properties=struct(rec.inputs),
        urn=rec.urn,
        name=rec.name,
        options=options(rec),
        provider=providers.of(rec),
    )


def _analyzer_resource(rec: ResourceRecord, providers: Providers) -> pb.AnalyzerResource:
    return pb.AnalyzerResource(
        type=rec.type,
        properties=struct(rec.outputs or rec.inputs),
        urn=rec.urn,
        name=rec.name,
        options=options(rec),
        provider=providers.of(rec),
        parent=rec.parent or "",
        dependencies=rec.dependencies,
        propertyDependencies={
            k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in rec.property_dependencies.items() if v
        },
    )


def stack_request(graph: StackGraph, providers: Providers) -> pb.AnalyzeStackRequest:
    """``AnalyzeStack`` for the whole graph: outputs, parents and dependencies of every resource, plus the
    root stack and the default providers, which the engine's list also holds."""
    root = pb.AnalyzerResource(
        type=STACK_TYPE,
        urn=graph.stack_urn,
        name=f"{graph.project}-{graph.stack}",
        properties=struct(graph.outputs),
    )
    defaults = [
        pb.AnalyzerResource(
            type=p.type, urn=p.urn, name=p.name, properties=p.properties, parent=graph.stack_urn
        )
        for p in providers.defaults.values()
    ]
    resources = [_analyzer_resource(rec, providers) for rec in graph.resources]
    return pb.AnalyzeStackRequest(resources=[root, *defaults, *resources])
