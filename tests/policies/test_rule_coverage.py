"""The rule tests as a whole: the compliant baseline satisfies every rule, and every rule of the pack has
at least one violating case among the ``CASES`` of ``tests/policies/rules/test_<module>.py``."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tests.policies.cases import violated_policies
from tests.policies.stack import baseline

RULE_TESTS = Path(__file__).parent / "rules"


def test_baseline_satisfies_every_rule(analyze: Any) -> None:
    report = analyze(baseline())
    assert report.violations == ()
    assert report.not_applicable == ()  # every stack rule found something to check


def all_cases() -> list[Any]:
    """The ``CASES`` of every rule-test module (``rules/test_*.py``)."""
    modules = sorted(RULE_TESTS.glob("test_*.py"))
    return [c for m in modules for c in importlib.import_module(f"tests.policies.rules.{m.stem}").CASES]


def test_every_rule_module_has_its_test_module() -> None:
    guardrails = Path(__file__).resolve().parents[2] / "policies" / "guardrails"
    rule_modules = {p.stem for p in guardrails.glob("*.py") if not p.stem.startswith("_")} - {"exemptions"}
    assert {p.stem.removeprefix("test_") for p in RULE_TESTS.glob("test_*.py")} == rule_modules


def test_every_rule_has_a_violating_case(pack: Any) -> None:
    assert violated_policies(all_cases()) == {p.name for p in pack.policies}
