"""The ``pack`` and ``analyze`` fixtures: one policy pack process for the whole test session, reconfigured
per test through the Configure RPC. Registered for every test directory by ``tests/conftest.py``, so the
pack's rule tests (``tests/policies/``) and the runner's tests (``tests/blueprint/policy/``) share it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from blueprint.policy import PolicyPackSession, PolicyReport
from tests.policies.stack import PROJECT, STACK, Stack

#: The date the pack treats as today during the tests (exemption expiry).
TODAY = "2026-06-15"


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackSession]:
    with PolicyPackSession(project=PROJECT, stack=STACK, env={"STAGING_GUARDRAILS_TODAY": TODAY}) as session:
        yield session


def findings(report: PolicyReport) -> set[tuple[str, str]]:
    """``(policy, resource name)`` of every violation; the stack itself is called ``<stack>``."""
    return {
        (v.policy_name, v.urn.rsplit("::", 1)[-1] if "pulumi:Stack" not in v.urn else "<stack>")
        for v in report.violations
    }


@pytest.fixture
def analyze(pack: PolicyPackSession) -> Any:
    """``analyze(stack, config=None) -> PolicyReport`` through the session's pack."""

    def run(stack: Stack, config: dict[str, Any] | None = None) -> PolicyReport:
        return pack.run(stack.graph(), config)

    return run
