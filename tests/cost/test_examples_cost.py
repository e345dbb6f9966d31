"""Every example stack gets an estimate or says why not; EKS extended support is priced after the end of
standard support only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from blueprint.cost import estimate_graph
from blueprint.cost.table import PriceTableError, available_regions
from blueprint.engine import read_stack_file, run_stack
from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.engine.recording import PROJECT_DIR
from blueprint.report.cost import stack_cost
from tests.cost.support import EXAMPLES


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("Pulumi.*.yaml")), ids=lambda p: p.stem)
def test_every_example_is_estimated_or_names_the_missing_table(path):
    settings = read_stack_file(PROJECT_DIR, path)
    block = stack_cost(run_stack(settings), settings)
    region = settings.config["aws:region"]
    if region in available_regions():
        assert block["error"] is None
        # Never a silent $0: a stack of thin parts (a pr-<n> slice) may total 0 only with what is unpriced.
        assert Decimal(block["monthly"]) > 0 or (not block["complete"] and block["notPriced"])
    else:
        assert (
            block["error"]
            == f"no price table for region {region!r} (tables: {', '.join(available_regions())})"
        )
        with pytest.raises(PriceTableError):
            estimate_graph(run_stack(settings), region)


def _cluster(support: str, version: str = "1.34") -> StackGraph:
    rec = ResourceRecord(
        urn="urn:pulumi:s::p::aws:eks/cluster:Cluster::eks",
        type="aws:eks/cluster:Cluster",
        name="eks",
        custom=True,
        inputs={"version": version, "upgradePolicy": {"supportType": support}},
    )
    return StackGraph(project="p", stack="s", resources=[rec])


@pytest.mark.parametrize(
    ("support", "day", "monthly"),
    [
        (
            "EXTENDED",
            date(2026, 12, 3),
            Decimal("0.10") * 730 + Decimal("0.50") * 730,
        ),  # 1.34 ended 2026-12-02
        ("EXTENDED", date(2026, 12, 2), Decimal("0.10") * 730),  # last day of standard support
        ("STANDARD", date(2027, 6, 1), Decimal("0.10") * 730),  # EKS upgrades instead of billing
    ],
)
def test_eks_extended_support_is_charged_only_past_standard_support(support, day, monthly):
    assert estimate_graph(_cluster(support), "us-east-1", as_of=day).total() == monthly


def test_a_version_missing_from_the_calendar_is_not_priced_rather_than_guessed():
    result = estimate_graph(_cluster("EXTENDED", "1.29"), "us-east-1", as_of=date(2026, 12, 6))
    assert [n.name for n in result.not_priced] == ["extended-support surcharge"]
