"""Tagging rules (``guardrails/tagging.py``): the required tags on every taggable resource.

Each case mutates the compliant baseline and states the exact (policy, resource) findings of the whole pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.rules.helpers import provider_default_tags
from tests.policies.stack import (
    TAGS,
    baseline,
)

CASES = [
    case(lambda s: s.set("secret", tags={"owner": "x"}), ("required-tags", "secret"), id="missing-tags"),
    case(lambda s: s.set("vpc", tags={**TAGS, "cost-center": ""}), ("required-tags", "vpc"), id="empty-tag"),
    case(provider_default_tags, id="provider-default-tags-ok"),
    case(lambda s: s.set("key", tags={**TAGS, "owner": UNKNOWN}), id="unknown-tag-value-counts"),
]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_tagging_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)


def test_custom_required_tags(analyze: Any) -> None:
    report = analyze(baseline(), {"required-tags": {"requiredTags": ["environment", "data-classification"]}})
    assert report.violations and all(v.policy_name == "required-tags" for v in report.violations)
    assert all(v.detail == "missing tag(s): data-classification." for v in report.violations)
