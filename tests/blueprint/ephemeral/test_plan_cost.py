"""``ephemeral plan`` prices the slice with the cost module: its monthly and daily estimate, the total over
its time to live, and what is not priced. Expected figures are computed here from the price table's rates."""

from __future__ import annotations

import argparse
import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
import yaml

from blueprint.engine import PROJECT_DIR
from blueprint.ephemeral import command
from blueprint.ephemeral.plan_cost import cost_lines

PARTS = str(PROJECT_DIR / "examples" / "Pulumi.pr-123.yaml")
CENT = Decimal("0.01")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def us_east_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project with its staging baseline moved to us-east-1, whose price table rates Secrets Manager."""
    root = tmp_path_factory.mktemp("project")
    (root / "Pulumi.yaml").write_text((PROJECT_DIR / "Pulumi.yaml").read_text())
    staging = (PROJECT_DIR / "Pulumi.staging.yaml").read_text()
    assert "aws:region: eu-west-1" in staging
    (root / "Pulumi.staging.yaml").write_text(
        staging.replace("aws:region: eu-west-1", "aws:region: us-east-1")
    )
    for name in ("__main__.py", "functions", "schemas", "data"):
        if (PROJECT_DIR / name).exists():
            (root / name).symlink_to(PROJECT_DIR / name)
    return root


def rate(region: str, key: str) -> Decimal:
    table = yaml.safe_load((PROJECT_DIR / "blueprint" / "cost" / "prices" / f"{region}.yaml").read_text())
    return Decimal(str(table["rates"][key]["usd"]))


def test_plan_prints_the_slices_cost_from_the_price_table(us_east_project, capsys):
    argv = ["--project-dir", str(us_east_project), "plan", "--pr", "123", "--ttl-hours", "48"]
    assert command.run(parse(*argv, "--parts-from", PARTS), None) == 0
    out = capsys.readouterr().out
    # The example slice's only fixed charge: one secret (the RabbitMQ user's) for the month; usage-based
    # lines (Lambda requests, log GB) count no usage without a usage file.
    monthly = rate("us-east-1", "secretsmanager.secret") * 1
    daily = (monthly * 24 / 730).quantize(CENT, ROUND_HALF_EVEN)
    over_ttl = (monthly * 48 / 730).quantize(CENT, ROUND_HALF_EVEN)
    assert monthly > 0 and over_ttl > 0
    [line] = [line for line in out.splitlines() if line.startswith("cost (")]
    assert line.startswith("cost (us-east-1, prices of ")
    assert f"${monthly.quantize(CENT)}/month, ${daily}/day; over its time to live (48 h): ${over_ttl}" in line
    assert "lower bounds" in line  # the invocation has no price
    assert re.search(r"^  not priced: slice-provision the resource: ", out, re.MULTILINE)


def test_unpriced_charges_are_listed_and_make_the_figures_lower_bounds():
    block = {
        "region": "eu-west-1",
        "tableDate": "2026-12-06",
        "monthly": "7.30",
        "daily": "0.24",
        "complete": False,
        "notPriced": [{"resource": "slice-provisioner", "name": "requests", "why": "no rate read"}],
        "error": None,
    }
    lines = cost_lines(block, 100)
    assert lines[0].endswith("over its time to live (100 h): $1.00 (lower bounds: see not priced)")
    assert lines[1:] == ["  not priced: slice-provisioner requests: no rate read"]
    complete = cost_lines({**block, "complete": True, "notPriced": []}, 730)
    assert complete == [
        "cost (eu-west-1, prices of 2026-12-06): $7.30/month, $0.24/day; over its time to live (730 h): $7.30"
    ]


def test_a_plan_whose_baseline_is_missing_still_prints_and_says_why(capsys):
    assert command.run(parse("plan", "--pr", "5", "--baseline", "nowhere"), None) == 0
    out = capsys.readouterr().out
    assert "stack: pr-5 (baseline nowhere)" in out
    assert re.search(r"^cost: not estimated \(.*Pulumi\.nowhere\.yaml", out, re.MULTILINE), out
