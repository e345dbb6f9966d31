"""Analysis while the program runs, as the engine does it, and the one-call form.

``BackgroundAnalysis`` boots the pack and sends ``Analyze`` for each registration on a worker thread while
the program runs; ``run_policies`` analyzes a recorded graph in one call. Typical use::

    with BackgroundAnalysis(project, stack, policy_config, stack_config=cfg) as analysis:
        graph = run_stack(settings, on_register=analysis.submit)
        report = analysis.finish(graph)

    report = run_policies(graph, policy_config=load_policy_config(Path("policy-config.json")))
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy.results import PolicyReport
from blueprint.policy.session import DEFAULT_PACK_DIR, Analysis, PolicyPackSession

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

    @property
    def session(self) -> PolicyPackSession:
        """The pack session (its start-up time and CPU, for ``make bench``)."""
        return self._session

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
