"""The price-table refresh against tiny offer files in the real shape (tests/cost/offers/README.md)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from blueprint.cost import refresh
from blueprint.cost.table import PriceTable, Rate, load_table

OFFERS = Path(__file__).parent / "offers"


def _rate(key: str, usd: str, attributes: dict[str, str], sku: str | None = None) -> Rate:
    offer = {"service": "AmazonEC2", "version": "20260925174521", "attributes": attributes}
    if sku:
        offer["sku"] = sku
    return Rate(key, Decimal(usd), "hour", {"offer": offer, "readVia": "test"})


def _table(*rates: Rate) -> PriceTable:
    return PriceTable("eu-west-1", "2026-12-06", {r.key: r for r in rates}, {})


NAT = {"productFamily": "NAT Gateway", "usagetype": "EU-NatGateway-Hours"}


def test_the_matching_row_gives_price_sku_and_version_without_reading_the_reserved_terms():
    row = refresh.find_row(OFFERS / "AmazonEC2.json", _rate("nat.hour", "0.048", NAT))
    assert (row.usd, row.sku, row.unit, row.version) == (
        Decimal("0.048"),
        "AAAANATHOURS0001",
        "Hrs",
        "20260925174521",
    )


def test_an_unchanged_rate_prints_no_diff():
    lines, errors = refresh.diff_table(_table(_rate("nat.hour", "0.048", NAT, "AAAANATHOURS0001")), OFFERS)
    assert (lines, errors) == ([], [])


def test_a_changed_price_prints_old_and_new():
    lines, errors = refresh.diff_table(_table(_rate("nat.hour", "0.045", NAT, "AAAANATHOURS0001")), OFFERS)
    assert errors == []
    assert lines == [
        "- nat.hour: 0.045 USD/hour SKU AAAANATHOURS0001 offer 20260925174521",
        "+ nat.hour: 0.048 USD/hour (Hrs) SKU AAAANATHOURS0001 offer 20260925174521",
    ]


def test_a_usage_type_without_the_region_prefix_matches_nothing_and_says_why():
    rate = _rate("nat.hour", "0.048", {"productFamily": "NAT Gateway", "usagetype": "NatGateway-Hours"})
    with pytest.raises(refresh.RefreshError, match=r"0 products match .*region's prefix"):
        refresh.find_row(OFFERS / "AmazonEC2.json", rate)


def test_attributes_that_select_several_rows_fail_instead_of_picking_one():
    rate = _rate("nat.hour", "0.048", {"productFamily": "NAT Gateway", "location": "EU (Ireland)"})
    with pytest.raises(refresh.RefreshError, match="3 products match"):
        refresh.find_row(OFFERS / "AmazonEC2.json", rate)


def test_a_missing_offer_file_is_an_error_and_exit_2(tmp_path, capsys):
    assert refresh.main(["--region", "eu-west-1", "--offers", str(tmp_path)]) == 2
    assert "cannot read the offer file" in capsys.readouterr().err


def test_the_eu_west_1_table_refreshes_from_the_fixture_where_it_has_the_service(tmp_path):
    shutil.copy(OFFERS / "AmazonEC2.json", tmp_path / "AmazonEC2.json")
    table = load_table("eu-west-1")
    nat_only = PriceTable(
        table.region, table.table_date, {k: table.rates[k] for k in ("nat.hour", "nat.gb")}, {}
    )
    lines, errors = refresh.diff_table(nat_only, tmp_path)
    # the table cites no SKU for these rows (the capture it was read from showed none): the refresh adds it
    assert errors == []
    assert "+ nat.gb: 0.048 USD/GB (GB) SKU AAAANATBYTES0001 offer 20260925174521" in lines


def test_the_fixture_is_shaped_like_an_offer_file():
    text = (OFFERS / "AmazonEC2.json").read_text(encoding="utf-8")
    head = json.loads(text[: text.index(',\n  "Reserved"')] + "}}")
    assert {"formatVersion", "offerCode", "version", "publicationDate", "products", "terms"} <= set(head)
