"""Refresh a price table from AWS price-list offer files: ``python -m blueprint.cost.refresh``.

For a person with network access. Download the region's offer file of each service the table cites
(``https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<Service>/current/<region>/index.json``; the
EC2 one is hundreds of MB) into a folder as ``<Service>.json``, then run::

    python -m blueprint.cost.refresh --region eu-west-1 --offers ./offers

Each file is read by streaming (ijson), twice: the products whose attributes include every attribute the
rate names (``productFamily`` counts as an attribute), then those products' on-demand terms. A rate must
match exactly one product with exactly one first-tier on-demand price; zero or several matches fail with
the attributes to fix (usage types carry a region prefix, ``EU-`` in eu-west-1 and none in us-east-1: a
usage type copied from another region matches nothing). The tool prints a diff of price, SKU and offer
version per rate and changes nothing; apply the diff to ``blueprint/cost/prices/<region>.yaml`` by hand.
Exit codes: 0 no change, 1 changes found, 2 a file or a match failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from blueprint.cost.table import PriceTable, PriceTableError, Rate, load_table


class RefreshError(Exception):
    """An offer file is missing or unreadable, or a rate matches zero or several on-demand rows."""


@dataclass(frozen=True)
class OfferRow:
    """The one on-demand price a rate's attributes select in an offer file."""

    sku: str
    usd: Decimal
    unit: str
    version: str


def _members(stream: BinaryIO, prefix: str) -> Iterator[tuple[str, Any]]:
    """The members of the object at ``prefix``, built one at a time; stops at the object's end, so
    nothing after it (e.g. the Reserved terms) is parsed."""
    builder: ijson.ObjectBuilder | None = None
    key = ""
    for path, event, value in ijson.parse(stream, use_float=False):
        if builder is not None:
            if path == prefix and event in {"map_key", "end_map"}:
                yield key, builder.value
                builder = None
            else:
                builder.event(event, value)
                continue
        if path == prefix and event == "map_key":
            key, builder = str(value), ijson.ObjectBuilder()
        elif path == prefix and event == "end_map":
            return


def _version(stream: BinaryIO) -> str:
    for prefix, event, value in ijson.parse(stream):
        if prefix == "version" and event == "string":
            return str(value)
        if prefix == "products":
            break
    return ""


def _on_demand(stream: BinaryIO, skus: set[str]) -> dict[str, list[dict[str, Any]]]:
    """SKU -> its on-demand price dimensions, for the wanted SKUs only."""
    found: dict[str, list[dict[str, Any]]] = {}
    for sku, terms in _members(stream, "terms.OnDemand"):
        if sku in skus:
            found[sku] = [dim for term in terms.values() for dim in term["priceDimensions"].values()]
            if len(found) == len(skus):
                break
    return found


def _matches(product: dict[str, Any], wanted: dict[str, str]) -> bool:
    attributes = {**product.get("attributes", {}), "productFamily": product.get("productFamily", "")}
    return all(attributes.get(k) == v for k, v in wanted.items())


def find_row(path: Path, rate: Rate) -> OfferRow:
    """The on-demand row of ``rate`` in the offer file ``path``.

    Raises:
        RefreshError: unreadable file, zero or several matching products, or not exactly one first-tier
            on-demand price for the match.
    """
    wanted = rate.source["offer"]["attributes"]
    try:
        with path.open("rb") as stream:
            version = _version(stream)
        with path.open("rb") as stream:
            skus = [sku for sku, product in _members(stream, "products") if _matches(product, wanted)]
        if len(skus) != 1:
            hint = " (usage types carry the region's prefix, e.g. EU- in eu-west-1)" if not skus else ""
            raise RefreshError(
                f"{rate.key}: {len(skus)} products match {wanted} in {path.name}{hint}: {skus[:5]}"
            )
        with path.open("rb") as stream:
            dims = _on_demand(stream, set(skus)).get(skus[0], [])
    except (OSError, ijson.JSONError) as exc:
        raise RefreshError(f"{path}: cannot read the offer file ({exc})") from None
    first_tier = [d for d in dims if str(d.get("beginRange", "0")) == "0"]
    if len(first_tier) != 1:
        raise RefreshError(
            f"{rate.key}: SKU {skus[0]} has {len(first_tier)} first-tier on-demand prices, not 1"
        )
    dim = first_tier[0]
    return OfferRow(skus[0], Decimal(str(dim["pricePerUnit"]["USD"])).normalize(), str(dim["unit"]), version)


def diff_table(table: PriceTable, offers: Path) -> tuple[list[str], list[str]]:
    """(diff lines, errors) for every offer-sourced rate of ``table`` against the files in ``offers``."""
    lines: list[str] = []
    errors: list[str] = []
    for key, rate in sorted(table.rates.items()):
        if "offer" not in rate.source:
            lines.append(f"  {key}: page source, not refreshed ({rate.cite()})")
            continue
        offer = rate.source["offer"]
        try:
            row = find_row(offers / f"{offer['service']}.json", rate)
        except RefreshError as exc:
            errors.append(str(exc))
            continue
        old = (rate.usd.normalize(), offer.get("sku"), offer["version"])
        new = (row.usd, row.sku, row.version)
        if old != new:
            lines.append(f"- {key}: {old[0]} USD/{rate.unit} SKU {old[1]} offer {old[2]}")
            lines.append(f"+ {key}: {new[0]} USD/{rate.unit} ({row.unit}) SKU {new[1]} offer {new[2]}")
    return lines, errors


def main(argv: list[str] | None = None) -> int:
    """Print the diff for ``--region`` against ``--offers``; exit 0 unchanged, 1 changed, 2 failed."""
    parser = argparse.ArgumentParser(
        prog="python -m blueprint.cost.refresh", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--region", required=True, help="the table to refresh, e.g. eu-west-1")
    parser.add_argument("--offers", type=Path, required=True, help="folder of <Service>.json offer files")
    args = parser.parse_args(argv)
    try:
        table = load_table(args.region)
    except PriceTableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines, errors = diff_table(table, args.offers)
    for line in lines:
        print(line)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 2
    return 1 if any(line.startswith("+") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
