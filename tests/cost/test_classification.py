"""Every resource type the default stack, the production stack and every example create is classified
(priced, free or not priced with why); priced types have a pricing rule and nothing else does."""

from __future__ import annotations

import pytest

from blueprint.cost.classification import CLASSIFICATION, classify
from blueprint.cost.estimate import UnclassifiedTypeError, estimate_graph
from blueprint.cost.rules import RULES
from blueprint.engine.graph import ResourceRecord, StackGraph
from tests.cost.support import created_types


@pytest.fixture(scope="module", name="created_types")
def _created_types() -> frozenset[str]:
    return created_types()


def test_every_type_the_program_creates_is_classified(created_types):
    assert sorted(t for t in created_types if classify(t) is None) == []


def test_the_classification_lists_no_type_the_program_never_creates(created_types):
    assert sorted(set(CLASSIFICATION) - created_types) == []


def test_priced_types_are_exactly_the_types_with_a_pricing_rule():
    priced = {t for t, c in CLASSIFICATION.items() if c.kind == "priced"}
    assert priced == set(RULES)


def test_every_free_or_unpriced_type_says_why():
    assert [t for t, c in CLASSIFICATION.items() if len(c.why) < 15] == []


def test_an_unclassified_type_stops_the_estimate_instead_of_costing_zero():
    rec = ResourceRecord(
        urn="urn:pulumi:s::p::aws:ec2/instance:Instance::web",
        type="aws:ec2/instance:Instance",
        name="web",
        custom=True,
        parent=None,
        provider=None,
    )
    with pytest.raises(UnclassifiedTypeError, match="aws:ec2/instance:Instance is not classified"):
        estimate_graph(StackGraph(project="p", stack="s", resources=[rec]), "us-east-1")


def test_the_preview_lists_an_unclassified_type_as_not_priced_instead_of_failing():
    rec = ResourceRecord(
        urn="urn:pulumi:s::p::aws:iam/user:User::ci", type="aws:iam/user:User", name="ci", custom=True
    )
    result = estimate_graph(StackGraph(project="p", stack="s", resources=[rec]), "us-east-1", strict=False)
    assert [(n.resource, n.why) for n in result.not_priced] == [
        ("ci", "resource type aws:iam/user:User is not classified in blueprint/cost/classification.py")
    ]
