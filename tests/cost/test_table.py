"""The pinned price tables: valid against their schema, decimal strings, every rate sourced."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml

from blueprint.cost.table import PRICES_DIR, PriceTableError, available_regions, load_table, parse_table


def _doc(region: str = "us-east-1") -> dict:
    return yaml.safe_load((PRICES_DIR / f"{region}.yaml").read_text(encoding="utf-8"))


def test_the_tables_cover_the_regions_the_examples_use():
    assert {"eu-west-1", "us-east-1"} <= set(available_regions())


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1"])
def test_every_table_loads_with_decimal_prices_and_a_source(region):
    table = load_table(region)
    assert table.region == region and table.rates
    for rate in table.rates.values():
        assert isinstance(rate.usd, Decimal) and rate.usd > 0
        assert rate.cite().startswith(("offer ", "page "))


def test_a_float_price_is_refused():
    doc = _doc()
    doc["rates"]["nat.hour"]["usd"] = 0.045
    with pytest.raises(PriceTableError, match=r"rates\.nat\.hour\.usd"):
        parse_table(doc, "t.yaml")


def test_a_rate_without_a_source_is_refused():
    doc = _doc()
    del doc["rates"]["nat.hour"]["source"]
    with pytest.raises(PriceTableError, match="source"):
        parse_table(doc, "t.yaml")


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda s: s["offer"].pop("version"), "offer without a version"),
        (lambda s: s["offer"].update(attributes={}), "offer without selecting attributes"),
        (lambda s: s.clear() or s.update(page="https://example.com"), "page without the date read"),
        (lambda s: s.clear() or s.update(page="http://example.com", read="2026-12-06"), "page not https"),
    ],
)
def test_an_incomplete_source_is_refused(edit, why):
    doc = copy.deepcopy(_doc())
    edit(doc["rates"]["nat.hour"]["source"])
    with pytest.raises(PriceTableError):
        parse_table(doc, "t.yaml")


def test_a_region_without_a_table_names_the_tables_there_are():
    with pytest.raises(PriceTableError, match=r"no price table for region 'ap-south-9'.*eu-west-1"):
        load_table("ap-south-9")


def test_a_gap_explains_the_missing_rate_by_its_longest_prefix():
    table = load_table("eu-west-1")
    assert table.rate("ec2.instance.m7g.xlarge") is None
    assert table.why_missing("ec2.instance.m7g.xlarge") == table.gaps["ec2.instance"]
    assert table.why_missing("zz.unknown") == "no zz.unknown rate in the eu-west-1 price table"
