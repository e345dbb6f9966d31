"""CPU time of each policy of the pack on a recorded stack, for ``make bench``.

The pack's own Analyzer servicer (pulumi-policy's ``_PolicyAnalyzerServicer``, what ``PolicyPack``
serves over gRPC) is built in this process from the pack's rules, each rule's ``validate`` wrapped in a
timer, and called with the very requests the policy runner sends (``blueprint.policy.wire``): so the
figures are the rules' own CPU time, without gRPC. What ``Analyze`` spends outside the rules is reported
as ``(pulumi-policy: properties, options, provider)``: pulumi-policy's ``Analyze``
(``pulumi_policy/policy.py``, ``_PolicyAnalyzerServicer.Analyze``) converts and deserializes the
request's properties again for every policy (``deserialize_properties(json_format.MessageToDict(
request.properties))`` inside its loop over the policies), so that share grows with resources x policies.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf import empty_pb2

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy.config import PACK_DIR
from blueprint.policy.session import configure_request
from blueprint.policy.wire import (
    Providers,
    analyze_request,
    config_strings,
    configure_stack_request,
    policy_info,
    stack_request,
)

#: The row for what ``Analyze``/``AnalyzeStack`` spend outside the rules.
OVERHEAD = "(pulumi-policy: properties, options, provider)"


def _timed(fn: Callable[..., Any], name: str, totals: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[name] += time.process_time() - start

    return wrapper


def pack_servicer(totals: dict[str, float] | None = None, install_memo: bool = True) -> Any:
    """The pack's Analyzer servicer (pulumi-policy's ``_PolicyAnalyzerServicer``) built in this process
    from the pack's rules (the pack directory goes first on ``sys.path``, as ``python -m pulumi.policy``
    puts it). With ``totals``, every rule's ``validate`` adds its CPU seconds there (name -> s); with
    ``install_memo``, the pack's per-call property memo (``guardrails._analyze_once``) is installed first,
    as the pack's ``__main__`` does."""
    if str(PACK_DIR) not in sys.path:
        sys.path.insert(0, str(PACK_DIR))
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    guardrails: Any = importlib.import_module("guardrails")
    if install_memo:
        importlib.import_module("guardrails._analyze_once").install()
    if totals is not None:
        for policy in guardrails.ALL_POLICIES:
            policy.validate = _timed(policy.validate, policy.name, totals)
    none = (None,) * 7  # initial config, description, display name, readme, provider, tags, repository
    return _PolicyAnalyzerServicer(
        guardrails.PACK_NAME, "0.0.1", guardrails.ALL_POLICIES, EnforcementLevel.MANDATORY, *none
    )


def analyze_graph(
    servicer: Any,
    graph: StackGraph,
    stack_config: Mapping[str, Any],
    policy_config: Mapping[str, Any] | None = None,
    only: Callable[[ResourceRecord], bool] = lambda rec: True,
) -> tuple[list[Any], float]:
    """Configure ``servicer`` as the policy runner does, then send the runner's requests
    (``blueprint.policy.wire``): ``Analyze`` for every resource of ``graph`` in order, and one
    ``AnalyzeStack``. Returns the responses (the ``Analyze`` ones of the resources ``only`` selects, then
    ``AnalyzeStack``'s) and the CPU seconds the requests took (configuration not included)."""
    infos = tuple(policy_info(p) for p in servicer.GetAnalyzerInfo(empty_pb2.Empty(), None).policies)
    servicer.Configure(configure_request(infos, policy_config)[0], None)
    servicer.ConfigureStack(configure_stack_request(graph.project, graph.stack, stack_config), None)
    seen = StackGraph(graph.project, graph.stack)
    providers = Providers(seen, config_strings(stack_config))
    responses = []
    start = time.process_time()
    for rec in graph.resources:
        seen.resources.append(rec)
        response = servicer.Analyze(analyze_request(rec, providers), None)
        if only(rec):
            responses.append(response)
    responses.append(servicer.AnalyzeStack(stack_request(graph, providers), None))
    return responses, time.process_time() - start


def policy_cpu(graph: StackGraph, stack_config: Mapping[str, Any]) -> dict[str, float]:
    """CPU seconds per policy (name -> s) for ``Analyze`` of every resource of ``graph`` plus one
    ``AnalyzeStack``, with the default policy config; ``OVERHEAD`` holds the rest of both calls."""
    totals: dict[str, float] = defaultdict(float)
    elapsed = analyze_graph(pack_servicer(totals), graph, stack_config)[1]
    result = dict(totals)
    result[OVERHEAD] = elapsed - sum(totals.values())
    return result
