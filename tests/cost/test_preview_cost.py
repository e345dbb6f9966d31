"""The cost section of ``preview``: in every format, compared with ``--compare``, failed by ``--budget``."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from blueprint.cli import main
from blueprint.cost.block import compare_blocks, estimate_block
from blueprint.report.cost import BudgetError, parse_budget
from tests.cost.support import edited, estimate, stack_settings

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "preview.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def preview_json(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("cost") / "staging.json"
    assert main(["preview", "--format", "json", "--output", str(out)]) == 0
    return out, json.loads(out.read_text(encoding="utf-8"))


#: The default stack as configured (eu-west-1, weekdays 07:00-19:00 Europe/Dublin: 730 x 60 / 168 = 260.71
#: running hours): the always-on figure of test_estimate.py (401.43) minus what the schedule stops, the two
#: m7g.large nodes at 0.091/h and their 2 x 50 GiB gp3 root volumes at 0.088/GB-month for 469.29 hours.
DEFAULT_MONTHLY = (
    Decimal("401.43")
    - 2 * Decimal("0.091") * (730 - Decimal("260.71"))
    - 100 * Decimal("0.088") * (730 - Decimal("260.71")) / 730
).quantize(Decimal("0.01"))  # = 310.36


def test_the_json_preview_has_a_cost_block_valid_against_the_schema(preview_json):
    _, report = preview_json
    jsonschema.validate(report, SCHEMA)
    cost = report["cost"]
    assert (cost["region"], cost["monthly"], cost["complete"]) == ("eu-west-1", str(DEFAULT_MONTHLY), False)
    assert cost["schedule"]["runningHoursPerMonth"] == "260.71"
    assert {c["rateKey"] for c in cost["components"]} >= {"eks.cluster.standard", "nat.hour", "kms.key"}


def test_over_budget_is_a_mandatory_finding_and_exit_1(preview_json, capsys):
    path, _ = preview_json
    assert main(["preview", "--format", "json", "--budget", "100", "--compare", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    finding = [v for v in report["policy"]["violations"] if v["policy"] == "cost-within-budget"]
    assert len(finding) == 1 and finding[0]["level"] == "mandatory"
    message = finding[0]["message"]
    assert f"at least ${DEFAULT_MONTHLY}/month" in message and f"by ${DEFAULT_MONTHLY - 100}" in message
    assert report["cost"]["budget"] == {"limit": "100.00", "over": True, "lowerBound": True}
    assert report["summary"]["line"].endswith("FAIL")
    assert report["cost"]["comparison"]["monthlyDelta"] == "0.00"  # same stack as the base
    jsonschema.validate(report, SCHEMA)


def test_within_budget_passes_and_markdown_and_text_show_the_cost(capsys):
    assert main(["preview", "--format", "markdown", "--budget", "500"]) == 0
    out = capsys.readouterr().out
    assert "### Cost" in out and f"${DEFAULT_MONTHLY}/month" in out and "budget $500.00: within" in out
    assert main(["preview", "--format", "text"]) == 0
    assert "Monthly cost by component" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["abc", "0", "-5", "NaN", "inf"])
def test_a_budget_that_is_not_a_positive_amount_is_a_usage_error(text, capsys):
    with pytest.raises(BudgetError):
        parse_budget(text)
    assert main(["preview", "--budget", text]) == 2
    assert "--budget" in capsys.readouterr().err


def test_compare_shows_the_delta_per_component_and_in_total(preview_json, tmp_path, capsys):
    _, report = preview_json
    base = copy.deepcopy(report)
    nat = next(c for c in base["cost"]["components"] if c["rateKey"] == "nat.hour")
    nat["monthly"] = "0.00"
    base["cost"]["monthly"] = str(Decimal(base["cost"]["monthly"]) - Decimal("35.04"))
    path = tmp_path / "base.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    assert main(["preview", "--format", "markdown", "--compare", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        f"Monthly change: **35.04 USD** ({DEFAULT_MONTHLY - Decimal('35.04')} -> {DEFAULT_MONTHLY})." in out
    )
    assert "| network-nat-0 | NAT gateway hours | 0.00 | 35.04 | 35.04 |" in out


def test_compare_blocks_moves_by_exactly_the_rates_of_the_changed_setting():
    base = stack_settings(region="us-east-1")
    multi = edited(base, "databases", lambda dbs: [{**dbs[0], "multiAz": True}])
    comparison = compare_blocks(estimate_block(estimate(base)), estimate_block(estimate(multi)))
    assert comparison["monthlyDelta"] == "49.02"  # (0.129 - 0.065) x 730 + 20 x (0.23 - 0.115)
    assert [(c["resource"], c["delta"]) for c in comparison["components"]] == [
        ("db-orders-instance", "46.72"),  # (0.129 - 0.065) x 730
        ("db-orders-instance", "2.30"),  # 20 GiB x (0.23 - 0.115)
    ]
