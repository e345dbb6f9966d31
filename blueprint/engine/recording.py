"""The recording engine: runs the Pulumi program offline and records every registration.

The program runs in-process under ``pulumi.runtime`` mocks (no CLI, no provider plugins, no cloud): the
stack's config is set exactly as the CLI would pass it, the few invokes the program uses are answered
from ``blueprint.engine.outputs``, and providers' computed outputs (ids, ARNs, endpoints) are synthesized.
Mocks run with ``preview=False`` so every ``apply`` runs and nothing is silently skipped.

Each registration is recorded with its URN, type, parent, provider, dependencies, property dependencies,
options and inputs in Pulumi's wire format, so the policy runner can replay it to the analyzer as is.

Dependency URNs (``dependencies`` and each ``propertyDependencies`` list) are recorded sorted by URN
(plain string order). The SDK gathers them in a ``set`` of strings (pulumi/sdk ``pulumi/runtime/
resource.py``, ``_prepare_resource``: ``dependencies |= urns``, ``property_dependencies[key] =
list(urns)``), so the order it sends changes with ``PYTHONHASHSEED`` from run to run; the engine treats
them as sets, so sorting loses nothing and makes every report byte-identical between runs.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from blueprint.engine.graph import SECRET_SIG_KEY, SECRET_SIG_VALUE, ResourceRecord, StackGraph, is_secret
from blueprint.engine.outputs import answer_invoke, synthesize_outputs
from blueprint.engine.stack_files import StackSettings, read_stack
from blueprint.engine.stack_references import STACK_REFERENCE, BaselineError, Baselines, record_baselines

#: The project root: where ``Pulumi.yaml`` and ``__main__.py`` live.
PROJECT_DIR = Path(__file__).resolve().parents[2]


class ProgramError(Exception):
    """The program failed while running offline. ``str()`` is the program's own error message."""


class _RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, settings: StackSettings, baselines: Baselines | None = None) -> None:
        self.region = settings.config.get("aws:region", "us-east-1")
        self.stack = settings.stack
        self.baselines = baselines or Baselines({})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == STACK_REFERENCE:  # a read of another stack: its recorded outputs
            return args.resource_id, self.baselines.read(str(args.inputs.get("name") or args.resource_id))
        return synthesize_outputs(args.typ, args.name, args.inputs, self.region, self.stack)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        from_baseline = self.baselines.invoke(args.token, args.args)
        if from_baseline is not None:
            return from_baseline, []
        return answer_invoke(args.token, args.args, self.region), []


#: Builds the mocks that answer registrations and invokes for a stack (default: ``_RecordingMocks``, the
#: synthesized answers; ``blueprint.engine.moto`` passes mocks that create each resource in moto).
MocksFactory = Callable[[StackSettings], pulumi.runtime.Mocks]


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that also keeps what the real engine would see of each registration."""

    def __init__(
        self, mocks: pulumi.runtime.Mocks, on_register: Callable[[ResourceRecord], None] | None
    ) -> None:
        super().__init__(mocks)
        self.on_register = on_register
        self.records: list[ResourceRecord] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn = ""

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = response.urn
            return response
        record = _record(request, response)
        self.records.append(record)
        if self.on_register is not None:
            self.on_register(record)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.urn == self.stack_urn:
            self.stack_outputs = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


def _record(request: Any, response: Any) -> ResourceRecord:
    options: dict[str, Any] = {
        "protect": request.protect,
        "retainOnDelete": request.retainOnDelete,
        "ignoreChanges": list(request.ignoreChanges),
        "replaceOnChanges": list(request.replaceOnChanges),
        "additionalSecretOutputs": list(request.additionalSecretOutputs),
        "aliases": _alias_urns(request, response.urn),
    }
    if request.deleteBeforeReplaceDefined:
        options["deleteBeforeReplace"] = request.deleteBeforeReplace
    if request.HasField("customTimeouts"):
        options["customTimeouts"] = json_format.MessageToDict(request.customTimeouts)
    return ResourceRecord(
        urn=response.urn,
        type=request.type,
        name=request.name,
        custom=request.custom,
        parent=request.parent or None,
        provider=request.provider or None,
        dependencies=sorted(request.dependencies),
        property_dependencies={k: sorted(v.urns) for k, v in request.propertyDependencies.items()},
        options=options,
        inputs=json_format.MessageToDict(request.object),
        outputs=_mark_secret_outputs(
            json_format.MessageToDict(response.object), request.additionalSecretOutputs
        ),
        id=response.id,
    )


def _alias_urns(request: Any, urn: str) -> list[str]:
    """The URNs a registration's aliases stand for, as the engine resolves them (``aliasURNs`` as given;
    an alias spec changing the name and/or type under the same parent, stack and project)."""
    found = list(request.aliasURNs)
    prefix, name = urn.rsplit("::", 1)
    head, types = prefix.rsplit("::", 1)
    for alias in request.aliases:
        if alias.HasField("urn"):
            found.append(alias.urn)
            continue
        spec = alias.spec
        if spec.noParent or spec.parentUrn or spec.project or spec.stack:
            continue  # a move to another parent, stack or project: not used by this program
        alias_types = (
            types.rsplit("$", 1)[0] + "$" + spec.type if spec.type and "$" in types else (spec.type or types)
        )
        found.append(f"{head}::{alias_types}::{spec.name or name}")
    return found


def _mark_secret_outputs(outputs: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Wrap the outputs named in ``additionalSecretOutputs`` as secrets, as the engine does when it
    records a resource (e.g. ``RandomPassword.result``, which its provider declares secret)."""
    for name in names:
        if name in outputs and not is_secret(outputs[name]):
            outputs[name] = {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": outputs[name]}
    return outputs


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


@contextlib.contextmanager
def _without_source_positions() -> Iterator[None]:
    """While active, registrations carry no stack trace or source position (which nothing here records).

    The SDK captures both for every registration (pulumi/sdk ``pulumi/runtime/resource.py``,
    ``register_resource`` and ``read_resource`` call ``_get_stack_trace``: ``traceback.extract_stack()``,
    which reads each frame's source line through ``linecache``, then a ``pathlib`` URI per frame): about a
    tenth of the offline program run. The real engine shows them in diagnostics only.
    """
    original = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = _no_stack_trace
    try:
        yield
    finally:
        pulumi_resource._get_stack_trace = original


@contextlib.contextmanager
def _program_context(project_dir: Path) -> Iterator[None]:
    """cwd and ``sys.path`` as the Python language host sets them; restored afterwards."""
    old_cwd, old_path = Path.cwd(), list(sys.path)
    os.chdir(project_dir)
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


def run_stack(
    settings: StackSettings,
    project_dir: Path = PROJECT_DIR,
    on_register: Callable[[ResourceRecord], None] | None = None,
    mocks: MocksFactory | None = None,
) -> StackGraph:
    """Run ``<project_dir>/__main__.py`` for ``settings`` and return everything it registered.

    Args:
        settings: the stack config (see ``blueprint.engine.stack_files.read_stack``).
        project_dir: directory holding ``Pulumi.yaml`` and ``__main__.py``.
        on_register: called with each record as it registers (from the SDK's executor threads), e.g. to
            analyze it while the program goes on, as the engine does.
        mocks: builds the mocks answering registrations and invokes (default: synthesized answers).

    Returns:
        The recorded ``StackGraph`` (resources in registration order, stack exports).

    Raises:
        ProgramError: the program raised (e.g. ``pulumi.RunError`` for an invalid config); the message is
            the program's, without a traceback.
    """
    program = project_dir / "__main__.py"
    if mocks is None:  # a slice (stack pr-<n>) reads its baseline's recorded run
        try:
            baselines = record_baselines(settings, project_dir, run_stack)
        except BaselineError as exc:
            raise ProgramError(str(exc)) from None
        mocks = lambda s: _RecordingMocks(s, baselines)  # noqa: E731
    with _program_context(project_dir):
        return run_function(
            lambda: runpy.run_path(str(program), run_name="__main__"), settings, on_register, mocks
        )


def run_function(
    fn: Callable[[], object],
    settings: StackSettings,
    on_register: Callable[[ResourceRecord], None] | None = None,
    mocks: MocksFactory | None = None,
) -> StackGraph:
    """Run ``fn`` as a Pulumi program under the recording mocks (what tests use for single components).

    Args:
        fn: registers resources (e.g. ``lambda: Network("network", args)``); ``pulumi.export`` works.
        settings: project, stack and config the program sees.
        on_register: as in ``run_stack``.
        mocks: as in ``run_stack``.

    Raises:
        ProgramError: as ``run_stack``.
    """
    answers = (mocks or _RecordingMocks)(settings)
    monitor = _RecordingMonitor(answers, on_register)
    pulumi.runtime.set_mocks(
        answers, project=settings.project, stack=settings.stack, preview=False, monitor=monitor
    )
    pulumi.runtime.set_all_config(dict(settings.config), sorted(settings.secret_keys))
    # run_in_stack creates the stack resource, as the language host does (the SDK types the reset as
    # taking a Resource, but None is what it stores before a program runs).
    set_root_resource(None)  # type: ignore[arg-type]

    def program() -> None:
        fn()

    try:
        with _without_source_positions():
            _sync_await(run_in_stack(program))
    except pulumi.RunError as exc:
        raise ProgramError(str(exc)) from None
    except Exception as exc:
        raise ProgramError(f"the program failed: {type(exc).__name__}: {exc}") from exc
    return StackGraph(settings.project, settings.stack, monitor.records, monitor.stack_outputs)


def record_stack(stack: str = "staging", project_dir: Path = PROJECT_DIR) -> StackGraph:
    """Read ``Pulumi.<stack>.yaml`` and run the program for it (``run_stack(read_stack(...))``)."""
    return run_stack(read_stack(project_dir, stack), project_dir)
