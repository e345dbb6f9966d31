"""The ``pack`` and ``analyze`` fixtures: one policy pack process for the whole test session, reconfigured
per test through the Configure RPC. Registered for every test directory by ``tests/conftest.py``, so the
pack's rule tests (``tests/policies/``) and the runner's tests (``tests/blueprint/policy/``) share it."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from blueprint.policy import PACK_DIR, PolicyPackSession, PolicyReport
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


#: What the pack's own source defines, read in a separate interpreter (as the engine starts the pack, with
#: the pack directory first on ``sys.path``): ``{rule name: "stack" | "resource"}`` in ``ALL_POLICIES``
#: order. The tests compare it with what the Analyzer protocol reports, so a new rule needs no list here.
_SOURCE_RULES = """
import json, guardrails
from pulumi_policy import StackValidationPolicy
print(json.dumps([[p.name, "stack" if isinstance(p, StackValidationPolicy) else "resource"]
                  for p in guardrails.ALL_POLICIES]))
"""


@functools.cache
def source_rules() -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _SOURCE_RULES], cwd=PACK_DIR, capture_output=True, text=True, check=True
    ).stdout
    rules = json.loads(out)
    assert len(rules) == len({name for name, _ in rules}), "rule names must be unique"
    return dict(rules)
