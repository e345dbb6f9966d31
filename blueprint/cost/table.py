"""Pinned price tables: one YAML file per AWS region under ``blueprint/cost/prices/``, validated against
``prices/schema.json`` when loaded.

A rate is a ``Decimal`` price per unit (``hour``, ``GB-month``, ``GB``, ``request``, ``month``, ...) with
its source: an AWS price-list offer (service, version, SKU, the attributes that select the row) or a
public page and the date read. A rate key the table has no rate for is either listed under ``gaps`` (with
why) or simply absent; the estimator reports both as "not priced", never as zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

PRICES_DIR = Path(__file__).parent / "prices"
SCHEMA_PATH = PRICES_DIR / "schema.json"

#: Hours in the estimate's month (365 days x 24 h / 12), the convention of the AWS Pricing Calculator.
HOURS_PER_MONTH = Decimal(730)


class PriceTableError(Exception):
    """A price table is missing, unreadable or does not match ``prices/schema.json``."""


@dataclass(frozen=True)
class Rate:
    """One price.

    Attributes:
        key: the rate key, e.g. ``nat.hour`` or ``ec2.instance.m7g.large``.
        usd: USD per ``unit``.
        unit: ``hour``, ``GB-month``, ``GB``, ``request``, ``GB-second``, ``month``, ``ACU-hour`` or
            ``partition-hour``.
        source: the source mapping as written in the table (``offer`` + ``readVia``, or ``page`` + ``read``).
    """

    key: str
    usd: Decimal
    unit: str
    source: dict[str, Any] = field(hash=False, compare=False)

    def cite(self) -> str:
        """The source in one line: ``offer <service> <version> SKU <sku>`` or ``page <url> (read <day>)``."""
        if "offer" in self.source:
            offer = self.source["offer"]
            sku = f" SKU {offer['sku']}" if offer.get("sku") else ""
            return f"offer {offer['service']} {offer['version']}{sku}"
        return f"page {self.source['page']} (read {self.source['read']})"


@dataclass(frozen=True)
class PriceTable:
    """One region's rates.

    Attributes:
        region: the AWS region code.
        table_date: the day the table was last refreshed (ISO date).
        rates: rate key -> ``Rate``.
        gaps: rate-key prefix -> why the table has no rate for it.
    """

    region: str
    table_date: str
    rates: dict[str, Rate]
    gaps: dict[str, str]

    def rate(self, key: str) -> Rate | None:
        """The rate for ``key``, or None when the table has none."""
        return self.rates.get(key)

    def why_missing(self, key: str) -> str:
        """Why ``key`` has no rate: the longest matching ``gaps`` entry, else a generic line."""
        matches = [prefix for prefix in self.gaps if key == prefix or key.startswith(prefix + ".")]
        if matches:
            return self.gaps[max(matches, key=len)]
        return f"no {key} rate in the {self.region} price table"


def available_regions(prices_dir: Path = PRICES_DIR) -> list[str]:
    """Regions that have a price table, sorted."""
    return sorted(p.stem for p in prices_dir.glob("*.yaml"))


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def parse_table(document: Any, origin: str) -> PriceTable:
    """Validate a loaded YAML document and build its ``PriceTable``.

    Raises:
        PriceTableError: the document does not match the schema (the message names the key path).
    """
    errors = sorted(
        jsonschema.Draft202012Validator(_schema()).iter_errors(document), key=lambda e: list(e.path)
    )
    if errors:
        first = errors[0]
        path = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PriceTableError(f"{origin}: {path}: {first.message}")
    rates = {
        key: Rate(key=key, usd=Decimal(entry["usd"]), unit=entry["unit"], source=entry["source"])
        for key, entry in document["rates"].items()
    }
    return PriceTable(document["region"], document["tableDate"], rates, dict(document.get("gaps", {})))


@cache
def load_table(region: str, prices_dir: Path = PRICES_DIR) -> PriceTable:
    """Load and validate the price table of ``region``.

    Raises:
        PriceTableError: no table for the region, unreadable YAML, a schema violation, or a file whose
            ``region`` is not its name.
    """
    path = prices_dir / f"{region}.yaml"
    if not path.is_file():
        known = ", ".join(available_regions(prices_dir)) or "none"
        raise PriceTableError(f"no price table for region {region!r} (tables: {known})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PriceTableError(f"{path.name}: not YAML: {exc}") from None
    table = parse_table(document, path.name)
    if table.region != region:
        raise PriceTableError(f"{path.name}: region is {table.region!r}, expected {region!r}")
    return table
