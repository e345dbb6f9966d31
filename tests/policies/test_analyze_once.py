"""``guardrails._analyze_once``: one property conversion per resource, the same answers as pulumi-policy's.

The pack's servicer (pulumi-policy's ``_PolicyAnalyzerServicer``) is built in this process, as
``blueprint.devtools.bench_policies`` does, and sent the requests the policy runner sends for every
violating and compliant case of the rule tests, once with pulumi-policy's own conversion and once with
the memo: the serialized responses must be identical.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from google.protobuf import empty_pb2

from blueprint.engine.graph import StackGraph
from blueprint.policy import PACK_DIR
from blueprint.policy.session import configure_request
from blueprint.policy.wire import (
    Providers,
    analyze_request,
    config_strings,
    configure_stack_request,
    policy_info,
    stack_request,
)
from tests.pack_session import TODAY
from tests.policies.stack import PROJECT, STACK, baseline
from tests.policies.test_rule_coverage import all_cases


@pytest.fixture
def memo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The ``_analyze_once`` module, uninstalled before and after the test."""
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", TODAY)
    monkeypatch.syspath_prepend(str(PACK_DIR))
    module = importlib.import_module("guardrails._analyze_once")
    module.uninstall()
    yield module
    module.uninstall()


def _responses(graph: StackGraph, config: dict[str, Any] | None) -> list[bytes]:
    """Every ``Analyze`` response and the ``AnalyzeStack`` response, serialized deterministically."""
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    guardrails: Any = sys.modules["guardrails"]
    servicer = _PolicyAnalyzerServicer(
        guardrails.PACK_NAME, "0.0.1", guardrails.ALL_POLICIES, EnforcementLevel.MANDATORY, *(None,) * 7
    )
    infos = tuple(policy_info(p) for p in servicer.GetAnalyzerInfo(empty_pb2.Empty(), None).policies)
    servicer.Configure(configure_request(infos, config)[0], None)
    servicer.ConfigureStack(configure_stack_request(graph.project, graph.stack, {}), None)
    seen = StackGraph(graph.project, graph.stack)
    providers = Providers(seen, config_strings({}))
    out = []
    for rec in graph.resources:
        seen.resources.append(rec)
        out.append(
            servicer.Analyze(analyze_request(rec, providers), None).SerializeToString(deterministic=True)
        )
    out.append(
        servicer.AnalyzeStack(stack_request(graph, providers), None).SerializeToString(deterministic=True)
    )
    return out


def _case_graphs() -> list[tuple[str, StackGraph, dict[str, Any] | None]]:
    """Each case's stack: a mutation of the baseline, or (the slice cases) a builder of a named stack."""
    graphs = []
    for param in all_cases():
        make, _expected, config = param.values
        if inspect.signature(make).parameters:
            stack = baseline()
            make(stack)
            graph = stack.graph()
        else:
            stack, name = make()
            records = [
                replace(r, urn=r.urn.replace(f"urn:pulumi:{STACK}::", f"urn:pulumi:{name}::", 1))
                for r in stack.records.values()
            ]
            graph = StackGraph(PROJECT, name, records)
        graphs.append((param.id, graph, config))
    return graphs


def test_every_rule_case_gets_the_same_answers_with_the_memo(memo: Any) -> None:
    importlib.import_module("guardrails")
    graphs = _case_graphs()
    assert len(graphs) > 100  # every rule's violating and compliant cases
    plain = {case_id: _responses(graph, config) for case_id, graph, config in graphs}
    memo.install()
    memoized = {case_id: _responses(graph, config) for case_id, graph, config in graphs}
    assert [c for c in plain if plain[c] != memoized[c]] == []
    # the comparison means something: most cases' responses carry violations
    assert sum(any(len(r) > 0 for r in rs) for rs in plain.values()) > len(plain) // 2


def test_each_message_is_converted_once_per_analyze_call(memo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.protobuf import json_format
    from pulumi_policy import policy

    calls: list[int] = []
    real = json_format.MessageToDict

    def counting(message: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(id(message))
        return real(message, *args, **kwargs)

    monkeypatch.setattr(json_format, "MessageToDict", counting)
    monkeypatch.setattr(policy, "json_format", json_format)
    importlib.import_module("guardrails")
    graph = baseline().graph()
    _responses(graph, None)
    unmemoized = len(calls)
    calls.clear()
    memo.install()
    _responses(graph, None)
    resources = len(graph.resources)
    # without the memo: once per resource and per policy (80-odd policies, the provider's properties too);
    # with it: a handful per resource (its properties and its provider's, in Analyze and in AnalyzeStack)
    assert unmemoized > 40 * resources
    assert len(calls) <= 8 * resources
