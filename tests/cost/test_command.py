"""``python -m blueprint cost`` (the module ``blueprint.cost.command``, to the command-line contract)."""

from __future__ import annotations

import argparse
import json
import re

import pytest

from blueprint.cost import command
from blueprint.cost.command import UsageError  # blueprint.cli.errors once the cli package is merged


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return command.run(parser.parse_args(list(argv)))


def test_json_is_the_cost_block_and_a_usage_file_prices_usage_lines(tmp_path, capsys):
    usage = tmp_path / "usage.yaml"
    usage.write_text("resources:\n  network-nat-0: {dataProcessedGb: 100}\n", encoding="utf-8")
    assert run("--format", "json", "--usage", str(usage)) == 0
    block = json.loads(capsys.readouterr().out)
    nat_gb = next(c for c in block["components"] if c["rateKey"] == "nat.gb")
    # 100 GB x 0.048 USD/GB (eu-west-1 NAT data processing)
    assert (nat_gb["quantity"], nat_gb["monthly"], block["usageMonthly"]) == ("100", "4.80", "4.80")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("resources:\n  network-nat-0: {dataProcessedGB: 1}\n", "resources.network-nat-0"),
        ("resources:\n  network-nat-0: {requests: -1}\n", "resources.network-nat-0.requests"),
        ("nodes: {}\n", "(top level)"),
    ],
)
def test_a_bad_usage_file_is_a_usage_error_naming_the_key_path(tmp_path, text, where):
    usage = tmp_path / "usage.yaml"
    usage.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(f"--usage {usage}: {where}:")):
        run("--usage", str(usage))


def test_over_budget_exits_1_and_within_exits_0(capsys):
    assert run("--budget", "100", "--format", "markdown") == 1
    assert "budget $100.00: OVER" in capsys.readouterr().out
    assert run("--budget", "320") == 0  # the default stack with its schedule: 310.36 (test_preview_cost.py)


def test_output_writes_the_file_and_the_headline_to_stderr(tmp_path, capsys):
    out = tmp_path / "cost.md"
    assert run("--format", "markdown", "--output", str(out)) == 0
    assert out.read_text(encoding="utf-8").startswith("### Cost")
    assert "$310.36/month" in capsys.readouterr().err  # DEFAULT_MONTHLY of test_preview_cost.py


def test_an_unknown_stack_is_a_usage_error():
    with pytest.raises(UsageError):
        run("--stack", "nope")


def test_quantities_are_shown_with_at_most_two_decimals_and_kept_exact_in_json(capsys):
    # The nodes' root volumes under the default schedule are billed for a fraction of the month: the block
    # keeps the exact GB-months, the table shows them to the cent's precision.
    assert run("--format", "json") == 0
    block = json.loads(capsys.readouterr().out)
    volumes = next(c for c in block["components"] if c["name"].startswith("root volumes"))
    assert len(volumes["quantity"].split(".")[1]) > 2  # the exact value, as priced
    assert run("--format", "markdown") == 0
    markdown = capsys.readouterr().out
    shown = re.search(r"\| root volumes[^|]*\| fixed \| ([\d.]+) GB-month", markdown)
    assert shown and shown.group(1) == str(round(float(volumes["quantity"]), 2))
    assert not re.search(r"\d\.\d{3,} (hour|GB|GB-month)\b", markdown)
