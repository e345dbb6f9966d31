"""A running policy pack and one stack's analysis over the engine's Analyzer protocol.

``PolicyPackSession`` starts the pack (``process.py``), calls ``GetAnalyzerInfo``, and offers what the
engine calls: ``Configure`` (the policy config reconciled as the CLI does), ``ConfigureStack``, pipelined
``Analyze`` and ``AnalyzeStack``. ``Analysis`` drives one stack through them using only that public
interface: ``analyze`` per registration while the program runs, then ``finish``.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy.config import PACK_DIR, PolicySettings, normalize_config, reconcile_config
from blueprint.policy.process import STARTUP_TIMEOUT_S, PackProcess, launch_command, pack_env, pack_version
from blueprint.policy.results import NotApplicable, PolicyInfo, PolicyPackError, PolicyReport, Violation
from blueprint.policy.retain import retain_violations
from blueprint.policy.waivers import DowngradeStatus, ExemptionStatus, downgrade_report, exemption_report
from blueprint.policy.wire import (
    Providers,
    analyze_request,
    config_strings,
    configure_stack_request,
    policy_info,
    stack_request,
    violation,
)

#: The pack this project ships (``policies/``).
DEFAULT_PACK_DIR = PACK_DIR
#: Seconds any one RPC may take.
RPC_TIMEOUT_S = 60.0


def configure_request(
    policies: tuple[PolicyInfo, ...], policy_config: Mapping[str, Any] | None
) -> tuple[pb.ConfigureAnalyzerRequest, dict[str, PolicySettings]]:
    """The ``Configure`` request for ``policy_config`` reconciled with ``policies``' defaults, and the
    effective config it carries.

    Raises:
        PolicyConfigError: invalid shape, unknown policy, or a setting failing its schema.
    """
    config = reconcile_config(policies, normalize_config(policy_config))
    request = pb.ConfigureAnalyzerRequest()
    for name, settings in config.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = pb.EnforcementLevel.Value((settings.enforcement_level or "advisory").upper())
        entry.properties.update(settings.properties)
    return request, config


class PolicyPackSession:
    """A running policy pack plus an Analyzer client; a context manager that always stops the pack.

    Args:
        pack_dir: the policy pack directory (holds ``PulumiPolicy.yaml`` and ``__main__.py``).
        python: interpreter to run the pack with; default ``sys.executable`` (the project venv).
        project, stack: what the pack's runtime is configured with (``PULUMI_PROJECT``/``PULUMI_STACK``).
        stack_config: stack config (``{"aws:region": "eu-west-1"}``; structured values become JSON text)
            passed as ``PULUMI_CONFIG``.
        env: extra environment variables for the pack (e.g. ``STAGING_GUARDRAILS_TODAY``); exemption and
            downgrade reports are evaluated with the same environment, so they agree with the pack.
        startup_timeout: seconds to wait for the port.
        connect: False starts the process only; call ``connect`` (from any thread) before anything else.

    The pack never outlives this process: a watchdog stops it when the process dies without closing
    the session (even by SIGKILL).

    Raises:
        PolicyPackError: the pack did not start or does not answer ``GetAnalyzerInfo``.
    """

    def __init__(
        self,
        pack_dir: Path = DEFAULT_PACK_DIR,
        python: str | None = None,
        *,
        project: str = "staging-blueprint",
        stack: str = "staging",
        stack_config: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = STARTUP_TIMEOUT_S,
        connect: bool = True,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.pack_env = pack_env(project, stack, stack_config or {}, env or {})
        self._process = PackProcess(launch_command(python, self.pack_dir), self.pack_env, self.pack_dir)
        self._channel: grpc.Channel | None = None
        self.pack_name, self.pack_version = "", ""
        self.policies: tuple[PolicyInfo, ...] = ()
        #: Seconds from launch until ``GetAnalyzerInfo`` answered, and the pack's CPU seconds then (None
        #: off Linux); set by ``connect``, read by ``make bench``.
        self.startup_s: float | None = None
        self.startup_cpu_s: float | None = None
        if connect:
            self.connect(startup_timeout)

    def connect(self, startup_timeout: float = STARTUP_TIMEOUT_S) -> None:
        """Read the pack's port and call ``GetAnalyzerInfo``; stops the pack on any failure.

        Raises:
            PolicyPackError: the pack exited, printed no port in time, or does not answer.
        """
        try:
            port = self._process.read_port(startup_timeout)
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        except BaseException:  # includes KeyboardInterrupt: never leave the pack running
            self.close()
            raise
        self.startup_s = time.perf_counter() - self._process.launched_at
        self.startup_cpu_s = self._process.cpu_seconds()
        self.pack_name = info.name
        self.pack_version = pack_version(self.pack_dir, info.version)
        self.policies = tuple(policy_info(p) for p in info.policies)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The pack's process (for diagnostics and tests)."""
        return self._process.proc

    def pack_cpu_s(self) -> float | None:
        """CPU seconds the pack has used so far (None once stopped, or off Linux)."""
        return self._process.cpu_seconds()

    def __enter__(self) -> PolicyPackSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel and stop the pack; idempotent."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._process.stop()

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=RPC_TIMEOUT_S)
        except grpc.RpcError as exc:
            raise self.rpc_error(method, exc) from None

    def rpc_error(self, method: str, exc: grpc.RpcError) -> PolicyPackError:
        """A ``PolicyPackError`` for a failed RPC, carrying the pack's stderr."""
        code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
        details = exc.details() if hasattr(exc, "details") else str(exc)
        return self._process.fail(f"{method} failed: {code}: {details}")

    # -- the protocol --

    def configure(self, policy_config: Mapping[str, Any] | None = None) -> dict[str, PolicySettings]:
        """Send ``Configure`` with the reconciled config (also resets what an earlier call configured).

        Args:
            policy_config: the ``--policy-pack-config`` document (name -> level or object) or its parsed
                form (name -> ``PolicySettings``); None means defaults only.

        Returns:
            The effective config sent.

        Raises:
            PolicyConfigError: invalid shape, unknown policy, or a setting failing its schema.
        """
        request, config = configure_request(self.policies, policy_config)
        self._call("Configure", request)
        return config

    def configure_stack(
        self,
        project: str,
        stack: str,
        stack_config: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Send ``ConfigureStack`` (stack, project, organization, dry run, config, stack tags)."""
        self._call("ConfigureStack", configure_stack_request(project, stack, stack_config, tags))

    def send_analyze(self, request: pb.AnalyzeRequest) -> grpc.Future:
        """Send ``Analyze`` without waiting (requests are pipelined; the pack's server has worker threads)."""
        return self._stub.Analyze.future(request, timeout=RPC_TIMEOUT_S)

    def analyze_stack(self, request: pb.AnalyzeStackRequest) -> pb.AnalyzeResponse:
        """Send ``AnalyzeStack`` and wait for the answer."""
        return self._call("AnalyzeStack", request)

    def start(
        self,
        project: str,
        stack: str,
        policy_config: Mapping[str, Any] | None = None,
        *,
        stack_config: Mapping[str, Any] | None = None,
        stack_tags: Mapping[str, str] | None = None,
    ) -> Analysis:
        """Send ``Configure`` and ``ConfigureStack``, then return an ``Analysis`` taking registrations.

        Raises:
            PolicyConfigError: the policy config is invalid (see ``configure``).
        """
        user_config = normalize_config(policy_config)
        effective = self.configure(user_config)
        self.configure_stack(project, stack, stack_config, stack_tags)
        return Analysis(
            self,
            StackGraph(project, stack),
            stack_config,
            effective,
            exemptions=self._exemptions(user_config),
            downgrades=self._downgrades(user_config, effective),
        )

    def run(
        self,
        graph: StackGraph,
        policy_config: Mapping[str, Any] | None = None,
        *,
        stack_config: Mapping[str, Any] | None = None,
        stack_tags: Mapping[str, str] | None = None,
    ) -> PolicyReport:
        """Configure, ConfigureStack and analyze ``graph``; see ``run_policies`` for the arguments."""
        analysis = self.start(
            graph.project, graph.stack, policy_config, stack_config=stack_config, stack_tags=stack_tags
        )
        for rec in graph.resources:
            analysis.analyze(rec)
        return analysis.finish(graph)

    def _has_waivers(self) -> bool:
        """True for staging-guardrails: a pack without ``guardrails/exemptions.py`` has no waivers."""
        return (self.pack_dir / "guardrails" / "exemptions.py").is_file()

    def _exemptions(self, config: Mapping[str, PolicySettings]) -> tuple[ExemptionStatus, ...]:
        """The configured exemptions with their status, per this pack's own exemption rules."""
        if not self._has_waivers():
            return ()
        return tuple(exemption_report(config, pack_dir=self.pack_dir, env=self.pack_env))

    def _downgrades(
        self, user: Mapping[str, PolicySettings], effective: Mapping[str, PolicySettings]
    ) -> tuple[DowngradeStatus, ...]:
        """Rules enforced by default that the config lowered, with their justification status."""
        if not self._has_waivers():
            return ()
        defaults = {p.name: p.enforcement_level for p in self.policies}
        return tuple(downgrade_report(defaults, user, effective, self.pack_dir, env=self.pack_env))


class Analysis:
    """One stack's analysis: ``Analyze`` per registration, as the engine calls it while the program runs,
    then ``AnalyzeStack`` once in ``finish``. Made by ``PolicyPackSession.start``.

    ``analyze`` sends without waiting (per-call latency, not rule time, dominates); ``finish`` collects
    every answer in order.
    """

    def __init__(
        self,
        session: PolicyPackSession,
        seen: StackGraph,
        stack_config: Mapping[str, Any] | None,
        effective_config: dict[str, PolicySettings],
        *,
        exemptions: tuple[ExemptionStatus, ...] = (),
        downgrades: tuple[DowngradeStatus, ...] = (),
    ) -> None:
        self._session = session
        self._seen = seen
        self._providers = Providers(seen, config_strings(stack_config))
        self._sent: list[tuple[ResourceRecord, grpc.Future]] = []
        self._config = effective_config
        self._exemptions = exemptions
        self._downgrades = downgrades

    def analyze(self, rec: ResourceRecord) -> None:
        """Send ``Analyze`` for one registration (its inputs, options and provider)."""
        self._seen.resources.append(rec)
        self._sent.append((rec, self._session.send_analyze(analyze_request(rec, self._providers))))

    def finish(self, graph: StackGraph) -> PolicyReport:
        """Collect the ``Analyze`` answers, send ``AnalyzeStack`` for ``graph`` (outputs, parents,
        dependencies) and return the report.

        Raises:
            PolicyPackError: an RPC failed (the message includes the pack's stderr).
        """
        violations, skipped = self._collect()
        answer = self._session.analyze_stack(stack_request(graph, self._providers))
        known_urns = {r.urn for r in graph.resources}
        violations += [
            violation(d, d.urn if d.urn in known_urns else graph.stack_urn) for d in answer.diagnostics
        ]
        skipped += [NotApplicable(n.policy_name, n.reason) for n in answer.not_applicable]
        session = self._session
        return PolicyReport(
            pack_name=session.pack_name,
            pack_version=session.pack_version,
            policies=session.policies,
            violations=(
                *violations,
                *self._downgrade_violations(graph.stack_urn),
                *retain_violations(
                    graph.resources, session.policies, self._config, session.pack_name, self._exemptions
                ),
            ),
            not_applicable=tuple(skipped),
            config=self._config,
            exemptions=self._exemptions,
            downgrades=self._downgrades,
        )

    def _collect(self) -> tuple[list[Violation], list[NotApplicable]]:
        """The answers to every ``Analyze`` sent, attributed to the analyzed resource, as the engine does."""
        violations: list[Violation] = []
        skipped: list[NotApplicable] = []
        try:
            for rec, future in self._sent:
                response = future.result()
                violations += [violation(d, rec.urn) for d in response.diagnostics]
                skipped += [NotApplicable(n.policy_name, n.reason, rec.urn) for n in response.not_applicable]
        except grpc.RpcError as exc:
            raise self._session.rpc_error("Analyze", exc) from None
        return violations, skipped

    def _downgrade_violations(self, stack_urn: str) -> list[Violation]:
        """A mandatory violation of each rule lowered without a valid justification, on the stack."""
        infos = {p.name: p for p in self._session.policies}
        return [
            Violation(
                policy_name=d.policy,
                policy_pack=self._session.pack_name,
                message=f"{infos[d.policy].description}\n{d.message()}",
                urn=stack_urn,
                enforcement_level="mandatory",
                severity=infos[d.policy].severity,
                description=infos[d.policy].description,
            )
            for d in self._downgrades
            if not d.justified
        ]
