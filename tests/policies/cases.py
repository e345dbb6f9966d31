"""Violating and compliant cases of the rule tests: a mutation of the baseline stack, the exact set of
``(policy, resource name)`` violations the whole pack must then report, and an optional policy config.

Each ``test_rules*.py`` module lists its cases as ``CASES``; the "every rule has a violating case" test
(``test_rules.py``) collects them from all such modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.pack_session import findings
from tests.policies.stack import Stack, baseline

Mutation = Callable[[Stack], Any]


def case(mutate: Mutation, *expected: tuple[str, str], config: dict[str, Any] | None = None, id: str) -> Any:
    return pytest.param(mutate, set(expected), config, id=id)


def violated_policies(cases: Iterable[Any]) -> set[str]:
    """Names of the policies some case expects a violation of."""
    return {policy for params in cases for policy, _ in params.values[1]}


def assert_case(
    analyze: Callable[..., Any], mutate: Mutation, expected: set[tuple[str, str]], config: Any
) -> None:
    """Mutate the baseline, run the whole pack, and compare the exact ``(policy, resource)`` findings."""
    stack = baseline()
    mutate(stack)
    assert findings(analyze(stack, config)) == expected
