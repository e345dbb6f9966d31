"""``guardrails._analyze_once``: one property conversion per resource, the same answers as pulumi-policy's.

The pack's servicer (pulumi-policy's ``_PolicyAnalyzerServicer``) is built in this process and sent the
policy runner's requests by ``blueprint.devtools.bench_policies`` (``pack_servicer``, ``analyze_graph``) for a
violating case of every rule and a sample of the compliant cases of the rule tests, once with
pulumi-policy's own conversion and once with the memo: the serialized responses must be identical.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from blueprint.devtools.bench_policies import analyze_graph, pack_servicer
from blueprint.engine.graph import StackGraph
from blueprint.policy import PACK_DIR
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


def _responses(
    graph: StackGraph, config: dict[str, Any] | None, only: Callable[[Any], bool] = lambda rec: True
) -> list[bytes]:
    """The ``Analyze`` responses of the resources ``only`` selects and the ``AnalyzeStack`` response,
    serialized deterministically (the memo as installed or not by the test)."""
    responses = analyze_graph(pack_servicer(install_memo=False), graph, {}, config, only)[0]
    return [r.SerializeToString(deterministic=True) for r in responses]


def _changed_from(base: StackGraph) -> Callable[[Any], bool]:
    """Whether a record differs from the baseline's record of the same URN (or has none there)."""
    records = {rec.urn: rec for rec in base.resources}
    return lambda rec: records.get(rec.urn) != rec


def _one_case_per_policy() -> list[Any]:
    """The first violating case of each policy and every tenth compliant case (all 480-odd cases would
    take minutes without the memo)."""
    seen: set[str] = set()
    picked = []
    for index, param in enumerate(all_cases()):
        policies = {policy for policy, _ in param.values[1]}
        if policies - seen or (not policies and index % 10 == 0):
            picked.append(param)
            seen |= policies
    return picked


def _case_graphs() -> list[tuple[str, StackGraph, dict[str, Any] | None]]:
    """Each case's stack: a mutation of the baseline, or (the slice cases) a builder of a named stack."""
    graphs = []
    for param in _one_case_per_policy():
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
    assert len(graphs) > 80  # a violating case of every rule, and compliant ones
    # Analyze of what each case changed (the baseline's own resources once), AnalyzeStack of every case
    changed = _changed_from(baseline().graph())
    plain = {case_id: _responses(graph, config, changed) for case_id, graph, config in graphs}
    plain["baseline"] = _responses(baseline().graph(), None)
    memo.install()
    memoized = {case_id: _responses(graph, config, changed) for case_id, graph, config in graphs}
    memoized["baseline"] = _responses(baseline().graph(), None)
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
    # the converted values live for one call only: nothing stays cached between requests
    assert getattr(memo._CALL, "caches", None) is None
