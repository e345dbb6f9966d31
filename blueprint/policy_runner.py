"""Run the policy pack against a recorded stack exactly as the Pulumi engine does, without the CLI.

The engine's Python policy launcher runs ``<python> -u -m pulumi.policy <engine-address> <pack-dir>`` in
the pack directory with ``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_DRY_RUN`` and ``PULUMI_CONFIG`` set;
the pack prints the port of its Analyzer gRPC server on its first stdout line and serves until killed.
The engine then calls ``GetAnalyzerInfo``, ``Configure`` (the policy config reconciled with each
policy's defaults), ``ConfigureStack``, ``Analyze`` for every registration (its inputs, with options and
provider) and ``AnalyzeStack`` once (every resource's outputs, parents and dependencies).

This module replays a ``StackGraph`` through those same calls, so what reaches the rules is what the
real engine sends: Struct-encoded properties (numbers as floats, secrets and unknowns in wire form),
pulumi-policy's proxies, and config as the CLI builds it. Calling validators with plain dicts hides bugs
that only this path shows (pulumi-policy issue #445).

Sources: pulumi/pulumi ``sdk/go/common/resource/plugin/analyzer_plugin.go`` (launch, environment,
marshalling), ``pkg/resource/analyzer/config.go`` (config reconciliation), ``pkg/resource/deploy/
step_generator.go`` (Analyze on inputs, AnalyzeStack on outputs).

Typical use::

    report = run_policies(graph, policy_config=load_policy_config(Path("policy-config.json")))
    if report.has_mandatory: ...

or, to analyze many graphs with one pack process (tests)::

    with PolicyPackSession() as pack:
        report = pack.run(graph, policy_config)

or, as the preview does and the engine does, analyzing each registration while the program runs::

    with BackgroundAnalysis(project, stack, policy_config, stack_config=cfg) as analysis:
        graph = run_stack(settings, on_register=analysis.submit)
        report = analysis.finish(graph)
"""

from __future__ import annotations

import collections
import difflib
import json
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from jsonschema import Draft7Validator
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc

from blueprint.graph import ResourceRecord, StackGraph
from blueprint.policy_config import (
    ALL,
    PACK_DIR,
    DowngradeStatus,
    ExemptionStatus,
    PolicyConfigError,
    PolicySettings,
    downgrade_report,
    exemption_report,
    parse_policy_config,
)

#: The pack this project ships (``policies/``).
DEFAULT_PACK_DIR = PACK_DIR
#: Seconds to wait for the pack to print its port.
STARTUP_TIMEOUT_S = 30.0
#: Seconds any one RPC may take.
RPC_TIMEOUT_S = 60.0
#: What the pack gets as engine address. pulumi.policy's launcher parses but never dials it (log calls
#: fall back to stderr), so offline there is nothing to serve.
ENGINE_ADDRESS = "127.0.0.1:0"
_STACK_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "pulumi:providers:"


class PolicyPackError(RuntimeError):
    """The pack did not start, died, or failed an RPC; the message includes the pack's stderr."""


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as ``GetAnalyzerInfo`` describes it.

    Attributes:
        name: kebab-case policy name.
        description: what must hold.
        enforcement_level: default level (``advisory``, ``mandatory``, ``remediate``, ``disabled``).
        severity: ``low``, ``medium``, ``high``, ``critical`` or '' when unspecified.
        policy_type: ``resource`` or ``stack``.
        remediation: remediation steps ('' when none).
        tags: policy tags (here ``concern:<x>`` and equivalent rule ids such as ``checkov:CKV_AWS_16``).
        config_schema: ``{"properties": {...}, "required": [...]}`` (JSON schema of the settings).
    """

    name: str
    description: str
    enforcement_level: str
    severity: str
    policy_type: str
    remediation: str
    tags: tuple[str, ...]
    config_schema: dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One diagnostic from the pack.

    Attributes:
        policy_name: the rule.
        policy_pack: the pack's name.
        message: the rule's description, a newline, and the finding (as pulumi-policy formats it).
        urn: the resource (for stack rules, the stack's URN when the finding names no known resource).
        enforcement_level: ``advisory`` or ``mandatory`` (remediate-level findings arrive as mandatory).
        severity: as ``PolicyInfo.severity``.
        description: the rule's description.
    """

    policy_name: str
    policy_pack: str
    message: str
    urn: str
    enforcement_level: str
    severity: str
    description: str = ""

    @property
    def detail(self) -> str:
        """The finding without the description prefix."""
        head = f"{self.description}\n"
        return (
            self.message[len(head) :] if self.description and self.message.startswith(head) else self.message
        )


@dataclass(frozen=True)
class NotApplicable:
    """A rule that declared itself not applicable (``urn`` '' for stack rules)."""

    policy_name: str
    reason: str
    urn: str = ""


@dataclass(frozen=True)
class PolicyReport:
    """Everything one run of the pack said about one stack.

    Attributes:
        pack_name, pack_version: from the analyzer and ``PulumiPolicy.yaml``.
        policies: every policy of the pack.
        violations: every diagnostic, in analysis order (resources, then the stack).
        not_applicable: rules that did not apply.
        config: the effective policy config sent to the pack (defaults filled in).
        exemptions: every configured exemption with its status.
        downgrades: every rule enforced by default that the config lowered; an unjustified one is also
            in ``violations`` (mandatory, against the stack), since a rule that no longer runs
            cannot report it.
    """

    pack_name: str
    pack_version: str
    policies: tuple[PolicyInfo, ...]
    violations: tuple[Violation, ...]
    not_applicable: tuple[NotApplicable, ...]
    config: dict[str, PolicySettings] = field(default_factory=dict)
    exemptions: tuple[ExemptionStatus, ...] = ()
    downgrades: tuple[DowngradeStatus, ...] = ()

    @property
    def has_mandatory(self) -> bool:
        """True when any violation is mandatory (what makes ``pulumi preview`` fail)."""
        return any(v.enforcement_level == "mandatory" for v in self.violations)

    def at_level(self, level: str) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == level]

    def of_policy(self, name: str) -> list[Violation]:
        return [v for v in self.violations if v.policy_name == name]


# --- proto <-> Python -------------------------------------------------------------------------------


def _level_name(value: int) -> str:
    return pb.EnforcementLevel.Name(pb.EnforcementLevel.ValueType(value)).lower()


def _severity_name(value: int) -> str:
    name = pb.PolicySeverity.Name(pb.PolicySeverity.ValueType(value)).removeprefix("POLICY_SEVERITY_").lower()
    return "" if name == "unspecified" else name


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
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


def _options(rec: ResourceRecord) -> pb.AnalyzerResourceOptions:
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


def _policy_info(info: pb.PolicyInfo) -> PolicyInfo:
    policy_type = {pb.POLICY_TYPE_RESOURCE: "resource", pb.POLICY_TYPE_STACK: "stack"}.get(
        info.policy_type, ""
    )
    return PolicyInfo(
        name=info.name,
        description=info.description,
        enforcement_level=_level_name(info.enforcementLevel),
        severity=_severity_name(info.severity),
        policy_type=policy_type,
        remediation=info.remediation_steps,
        tags=tuple(info.tags),
        config_schema=json_format.MessageToDict(info.configSchema),
    )


# --- providers ---------------------------------------------------------------------------------------


class _Providers:
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
                type=f"{_PROVIDER_PREFIX}{package}",
                urn=f"urn:pulumi:{self._graph.stack}::{self._graph.project}::{_PROVIDER_PREFIX}{package}::{name}",
                name=name,
                properties=_struct(props),
            )
        return self.defaults[package]

    def of(self, rec: ResourceRecord) -> pb.AnalyzerProviderResource | None:
        if rec.provider:
            urn = rec.provider.rsplit("::", 1)[0]
            prov = next((r for r in self._graph.resources if r.urn == urn), None)
            segments = urn.split("::")
            return pb.AnalyzerProviderResource(
                type=prov.type if prov else segments[-2].split("$")[-1],
                urn=urn,
                name=segments[-1],
                properties=_struct(prov.inputs if prov else {}),
            )
        if rec.custom and not rec.type.startswith(_PROVIDER_PREFIX):
            return self._default(rec.type.split(":", 1)[0])
        return None


# --- config --------------------------------------------------------------------------------------------


def _schema_defaults(schema: Mapping[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    return {k: v["default"] for k, v in props.items() if isinstance(v, Mapping) and "default" in v}


def _normalize_config(policy_config: Mapping[str, Any] | None) -> dict[str, PolicySettings]:
    if not policy_config:
        return {}
    if all(isinstance(v, PolicySettings) for v in policy_config.values()):
        return dict(policy_config)
    return parse_policy_config(dict(policy_config))


def reconcile_config(
    policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]
) -> dict[str, PolicySettings]:
    """The config the CLI would send: schema defaults, then ``all``, then each policy's own entry.

    Args:
        policies: the pack's policies.
        config: parsed user config (see ``blueprint.policy_config``).

    Returns:
        policy name -> effective level and settings, for every policy of the pack.

    Raises:
        PolicyConfigError: a key names no policy or a setting is not in its policy's schema (the CLI
            would silently ignore both), or a setting violates its policy's schema (the CLI would
            refuse to run).
    """
    names = {p.name for p in policies}
    unknown = sorted(set(config) - names - {ALL})
    if unknown:
        hints = [f"  {u}: no such policy" + _suggest(u, names) for u in unknown]
        raise PolicyConfigError("policy config names unknown policies:\n" + "\n".join(hints))
    all_level = config[ALL].enforcement_level if ALL in config else None
    result = {}
    for policy in policies:
        given = config.get(policy.name, PolicySettings())
        level = given.enforcement_level or all_level or policy.enforcement_level
        result[policy.name] = PolicySettings(
            level, {**_schema_defaults(policy.config_schema), **given.properties}
        )
    _refuse_unknown_settings(policies, config)
    _validate_settings(policies, result)
    return result


def _suggest(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _refuse_unknown_settings(policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]) -> None:
    """Settings a policy's schema does not declare: the CLI validates without ``additionalProperties``
    (pulumi/pulumi ``pkg/resource/analyzer/config.go``, ``convertSchema``), so a typo silently does
    nothing there, e.g. an ``exemption`` list that waives nothing or a ``downgrade`` misspelt."""
    problems = []
    for policy in policies:
        known = sorted(policy.config_schema.get("properties", {}))
        given = config.get(policy.name, PolicySettings()).properties
        for key in sorted(set(given) - set(known)):
            settings = f"its settings: {', '.join(known)}" if known else "it has no settings"
            problems.append(
                f"  {policy.name}.{key}: not a setting of this policy{_suggest(key, known)}; {settings}"
            )
    if problems:
        raise PolicyConfigError("policy config has unknown settings:\n" + "\n".join(problems))


def _validate_settings(policies: Sequence[PolicyInfo], config: Mapping[str, PolicySettings]) -> None:
    problems = []
    for policy in policies:
        schema = {"type": "object", **policy.config_schema}
        for error in Draft7Validator(schema).iter_errors(config[policy.name].properties):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            problems.append(f"  {policy.name}{path}: {error.message}")
    if problems:
        raise PolicyConfigError("policy config does not match the policies' schemas:\n" + "\n".join(problems))


# --- the pack process ----------------------------------------------------------------------------------


def _pump(stream: Any, sink: Callable[[Any], None], mark_end: bool) -> None:
    """Copy ``stream``'s lines to ``sink`` until EOF (then ``sink(None)`` if ``mark_end``).

    Draining both pipes keeps the pack from blocking on a full pipe buffer.
    """
    for raw in iter(stream.readline, b""):
        sink(raw.decode("utf-8", "replace").rstrip("\n"))
    if mark_end:
        sink(None)


#: The pack's watchdog (``python -I -S -c _WATCHDOG <pack pid>``): it blocks on stdin, whose write end
#: only the runner holds, so EOF means the runner is gone however it ended (the kernel closes a dead
#: process's pipes, SIGKILL included); it then sends the pack SIGTERM through a pidfd, which cannot hit a
#: recycled pid. Why not ``prctl(PR_SET_PDEATHSIG)`` in a ``preexec_fn``: that forces ``fork()`` instead
#: of ``vfork()``, and gRPC's at-fork handlers then restart its poller in the child, which aborts when
#: ``close_fds`` closes the epoll fd before ``exec`` (grpc/grpc issue 43055, grpcio >= 1.81; reproduced
#: here in 14 of 300 launches under live gRPC traffic). Ctrl-C, a closed terminal or a CI runner signal
#: the whole process group, so the watchdog ignores SIGINT, SIGTERM and SIGHUP: it stays on duty until
#: the runner is gone (then always exits) or dismisses it with SIGKILL.
_WATCHDOG = """
import os, signal, sys
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
pid = int(sys.argv[1])
try:
    pack = os.pidfd_open(pid)
except (AttributeError, OSError):
    pack = None
while os.read(0, 4096):
    pass
try:
    if pack is None:
        os.kill(pid, signal.SIGTERM)
    else:
        signal.pidfd_send_signal(pack, signal.SIGTERM)
except OSError:
    pass
"""


def _start_watchdog(pack_pid: int) -> subprocess.Popen[bytes]:
    """Start the pack's watchdog (see ``_WATCHDOG``); its ``stdin`` is the pipe that keeps it waiting."""
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", _WATCHDOG, str(pack_pid)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class _PackProcess:
    """The pack's process: started, port read from stdout, stdout/stderr drained in the background.

    A watchdog process stops the pack if this process dies without stopping it (see ``_WATCHDOG``).
    """

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.argv = argv
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:  # missing interpreter or pack directory
            raise PolicyPackError(f"cannot start policy pack: {exc}\ncommand: {' '.join(argv)}") from None
        try:
            self.watchdog = _start_watchdog(self.proc.pid)
        except BaseException as exc:
            self.proc.kill()
            self.proc.wait()
            if isinstance(exc, OSError):
                raise PolicyPackError(f"cannot start the policy pack's watchdog: {exc}") from None
            raise
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=400)
        self._threads = [
            # stdout ends with None so a waiting read_port learns the pack exited.
            threading.Thread(target=_pump, args=(self.proc.stdout, self._stdout.put, True), daemon=True),
            threading.Thread(target=_pump, args=(self.proc.stderr, self._stderr.append, False), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stderr(self) -> str:
        return "\n".join(self._stderr)

    def fail(self, message: str) -> PolicyPackError:
        stderr = self.stderr().strip() or "(nothing)"
        return PolicyPackError(f"{message}\ncommand: {' '.join(self.argv)}\npack stderr:\n{stderr}")

    def read_port(self, timeout: float) -> int:
        """The port the pack prints first.

        Raises:
            PolicyPackError: the pack exited, printed something else, or stayed silent for ``timeout`` s.
        """
        try:
            line = self._stdout.get(timeout=timeout)
        except queue.Empty:
            raise self.fail(f"policy pack printed no port within {timeout:.0f} s") from None
        if line is None:
            code = self.proc.wait(timeout=5)
            for thread in self._threads:
                thread.join(timeout=5)  # so the error carries the whole stderr
            raise self.fail(f"policy pack exited with code {code} before serving")
        if not line.strip().isdigit():
            raise self.fail(f"policy pack printed {line!r} instead of its port")
        return int(line)

    def stop(self) -> None:
        """Dismiss the watchdog, then terminate (or kill) the pack and reap it; safe to call twice.

        The watchdog goes first so it can never signal a pid that has been reaped and reused.
        """
        if self.watchdog.poll() is None:
            self.watchdog.kill()
        _reap(self.watchdog)
        if self.watchdog.stdin is not None:
            self.watchdog.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        _reap(self.proc)
        for thread in self._threads:
            thread.join(timeout=5)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait up to 5 s for ``proc`` to exit, then kill it; it is reaped either way."""
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _config_strings(stack_config: Mapping[str, Any] | None) -> dict[str, str]:
    """Stack config as the engine passes it: every value a string (structured values as JSON text)."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (stack_config or {}).items()}


def _pack_env(
    project: str, stack: str, stack_config: Mapping[str, Any], extra: Mapping[str, str]
) -> dict[str, str]:
    """The launcher's environment: ours plus the engine's PULUMI_* variables (constructEnv)."""
    env = {**os.environ, "PULUMI_PROJECT": project, "PULUMI_STACK": stack, "PULUMI_DRY_RUN": "true"}
    if stack_config:
        env["PULUMI_CONFIG"] = json.dumps(_config_strings(stack_config))
    return {**env, **extra}


def _pack_version(pack_dir: Path, fallback: str) -> str:
    """``version`` from ``PulumiPolicy.yaml`` (the engine prefers it over the analyzer's own)."""
    try:
        data = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return fallback
    return str(data.get("version") or fallback)


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
        argv = [python or sys.executable, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, str(self.pack_dir)]
        self.pack_env = _pack_env(project, stack, stack_config or {}, env or {})
        self._process = _PackProcess(argv, self.pack_env, self.pack_dir)
        self._channel: grpc.Channel | None = None
        self.pack_name, self.pack_version = "", ""
        self.policies: tuple[PolicyInfo, ...] = ()
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
        self.pack_name = info.name
        self.pack_version = _pack_version(self.pack_dir, info.version)
        self.policies = tuple(_policy_info(p) for p in info.policies)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        """The pack's process (for diagnostics and tests)."""
        return self._process.proc

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
            raise self._rpc_error(method, exc) from None

    def _rpc_error(self, method: str, exc: grpc.RpcError) -> PolicyPackError:
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
        config = reconcile_config(self.policies, _normalize_config(policy_config))
        request = pb.ConfigureAnalyzerRequest()
        for name, settings in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = pb.EnforcementLevel.Value(
                (settings.enforcement_level or "advisory").upper()
            )
            entry.properties.update(settings.properties)
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
        request = pb.AnalyzerStackConfigureRequest(
            stack=stack,
            project=project,
            organization="organization",
            dry_run=True,
            config=_config_strings(stack_config),
            tags=dict(tags or {}),
        )
        self._call("ConfigureStack", request)

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
        user_config = _normalize_config(policy_config)
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

    def _violation(self, d: pb.AnalyzeDiagnostic, urn: str) -> Violation:
        return Violation(
            policy_name=d.policyName,
            policy_pack=d.policyPackName,
            message=d.message,
            urn=urn,
            enforcement_level=_level_name(d.enforcementLevel),
            severity=_severity_name(d.severity),
            description=d.description,
        )

    @staticmethod
    def _analyze_request(rec: ResourceRecord, providers: _Providers) -> pb.AnalyzeRequest:
        return pb.AnalyzeRequest(
            type=rec.type,
            properties=_struct(rec.inputs),
            urn=rec.urn,
            name=rec.name,
            options=_options(rec),
            provider=providers.of(rec),
        )

    @staticmethod
    def _stack_request(graph: StackGraph, providers: _Providers) -> pb.AnalyzeStackRequest:
        resources = [
            pb.AnalyzerResource(
                type=rec.type,
                properties=_struct(rec.outputs or rec.inputs),
                urn=rec.urn,
                name=rec.name,
                options=_options(rec),
                provider=providers.of(rec),
                parent=rec.parent or "",
                dependencies=rec.dependencies,
                propertyDependencies={
                    k: pb.AnalyzerPropertyDependencies(urns=v)
                    for k, v in rec.property_dependencies.items()
                    if v
                },
            )
            for rec in graph.resources
        ]
        # The engine's list also holds the root stack and the default providers it created.
        root = pb.AnalyzerResource(
            type=_STACK_TYPE,
            urn=graph.stack_urn,
            name=f"{graph.project}-{graph.stack}",
            properties=_struct(graph.outputs),
        )
        defaults = [
            pb.AnalyzerResource(
                type=p.type, urn=p.urn, name=p.name, properties=p.properties, parent=graph.stack_urn
            )
            for p in providers.defaults.values()
        ]
        return pb.AnalyzeStackRequest(resources=[root, *defaults, *resources])


class Analysis:
    """One stack's analysis: ``Analyze`` per registration, as the engine calls it while the program runs,
    then ``AnalyzeStack`` once in ``finish``. Made by ``PolicyPackSession.start``.

    ``analyze`` sends without waiting (requests are pipelined: the pack's server has worker threads and
    per-call latency, not rule time, dominates); ``finish`` collects every answer in order.
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
        self._providers = _Providers(seen, _config_strings(stack_config))
        self._sent: list[tuple[ResourceRecord, grpc.Future]] = []
        self._config = effective_config
        self._exemptions = exemptions
        self._downgrades = downgrades

    def analyze(self, rec: ResourceRecord) -> None:
        """Send ``Analyze`` for one registration (its inputs, options and provider)."""
        self._seen.resources.append(rec)
        request = self._session._analyze_request(rec, self._providers)
        self._sent.append((rec, self._session._stub.Analyze.future(request, timeout=RPC_TIMEOUT_S)))

    def finish(self, graph: StackGraph) -> PolicyReport:
        """Collect the ``Analyze`` answers, send ``AnalyzeStack`` for ``graph`` (outputs, parents,
        dependencies) and return the report.

        Raises:
            PolicyPackError: an RPC failed (the message includes the pack's stderr).
        """
        session = self._session
        violations: list[Violation] = []
        skipped: list[NotApplicable] = []
        try:
            for rec, future in self._sent:
                response = future.result()
                # The engine attributes per-resource diagnostics to the analyzed resource, whatever they say.
                violations += [session._violation(d, rec.urn) for d in response.diagnostics]
                skipped += [NotApplicable(n.policy_name, n.reason, rec.urn) for n in response.not_applicable]
        except grpc.RpcError as exc:
            raise session._rpc_error("Analyze", exc) from None
        stack_response = session._call("AnalyzeStack", session._stack_request(graph, self._providers))
        known_urns = {r.urn for r in graph.resources}
        for d in stack_response.diagnostics:
            violations.append(session._violation(d, d.urn if d.urn in known_urns else graph.stack_urn))
        skipped += [NotApplicable(n.policy_name, n.reason) for n in stack_response.not_applicable]
        return PolicyReport(
            pack_name=session.pack_name,
            pack_version=session.pack_version,
            policies=session.policies,
            violations=(*violations, *self._downgrade_violations(graph.stack_urn)),
            not_applicable=tuple(skipped),
            config=self._config,
            exemptions=self._exemptions,
            downgrades=self._downgrades,
        )

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


_DONE = object()


class BackgroundAnalysis:
    """Boot the pack and analyze registrations on a background thread while the program runs.

    The engine does the same: it starts analyzers before the program and calls ``Analyze`` as each
    resource registers, so policy work overlaps the program instead of following it. Use::

        with BackgroundAnalysis(project, stack, policy_config, stack_config=cfg) as analysis:
            graph = run_stack(settings, on_register=analysis.submit)
            report = analysis.finish(graph)

    Leaving the block always stops the pack (at once when the block raised, e.g. on Ctrl-C).
    ``submit`` is thread-safe (registrations arrive from the Pulumi SDK's executor threads).

    The constructor starts the pack process, so leaving the block can stop it at once, even while the
    worker is still waiting for its port; waiting for the port and everything after happens on the
    worker.

    Raises:
        PolicyPackError: the pack cannot be started (missing interpreter or directory).
    """

    def __init__(
        self,
        project: str,
        stack: str,
        policy_config: Mapping[str, Any] | None = None,
        *,
        stack_config: Mapping[str, Any] | None = None,
        pack_dir: Path = DEFAULT_PACK_DIR,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._args = (project, stack, policy_config, stack_config)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._session = PolicyPackSession(
            pack_dir, project=project, stack=stack, stack_config=stack_config, env=env, connect=False
        )
        self._analysis: Analysis | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="policy-analysis", daemon=True)
        self._thread.start()

    def submit(self, rec: ResourceRecord) -> None:
        """Queue one registration for ``Analyze``."""
        self._queue.put(rec)

    def _work(self) -> None:
        project, stack, policy_config, stack_config = self._args
        try:
            self._session.connect()
            analysis = self._session.start(project, stack, policy_config, stack_config=stack_config)
            while (rec := self._queue.get()) is not _DONE:
                analysis.analyze(rec)
            self._analysis = analysis
        except BaseException as exc:  # re-raised by finish(), in the caller's thread
            self._error = exc

    def _stop_thread(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()

    def finish(self, graph: StackGraph) -> PolicyReport:
        """Wait for every ``Analyze``, run ``AnalyzeStack`` on ``graph`` and return the report.

        Raises:
            PolicyPackError, PolicyConfigError: as ``PolicyPackSession`` and ``start`` raise them.
        """
        self._stop_thread()
        if self._error is not None:
            raise self._error
        assert self._analysis is not None
        return self._analysis.finish(graph)

    def __enter__(self) -> BackgroundAnalysis:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self._session.close()  # the worker then fails fast instead of finishing the analysis
        if self._thread.is_alive():
            self._stop_thread()
        self._session.close()  # also closes a channel the worker opened while we were stopping it


def run_policies(
    graph: StackGraph,
    pack_dir: Path = DEFAULT_PACK_DIR,
    policy_config: Mapping[str, Any] | None = None,
    python: str | None = None,
    *,
    stack_config: Mapping[str, Any] | None = None,
    stack_tags: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> PolicyReport:
    """Start the pack, analyze ``graph`` as ``pulumi preview --policy-pack`` would, stop the pack.

    Args:
        graph: the recorded stack (inputs/outputs in wire format).
        pack_dir: policy pack directory; default: this project's ``policies/``.
        policy_config: the ``--policy-pack-config`` document (or its parsed form); None: defaults.
        python: interpreter for the pack; default ``sys.executable``.
        stack_config: the stack's config (``{"aws:region": ...}``): ``PULUMI_CONFIG``, ConfigureStack
            and default-provider inputs.
        stack_tags: stack tags for ConfigureStack.
        env: extra environment for the pack.

    Returns:
        The ``PolicyReport``; ``report.has_mandatory`` decides pass/fail.

    Raises:
        PolicyPackError: the pack failed to start or an RPC failed (message includes the pack's stderr).
        PolicyConfigError: the policy config is invalid.
    """
    with PolicyPackSession(
        pack_dir, python, project=graph.project, stack=graph.stack, stack_config=stack_config, env=env
    ) as session:
        return session.run(graph, policy_config, stack_config=stack_config, stack_tags=stack_tags)
