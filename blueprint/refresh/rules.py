"""The masking and subsetting rules file (e.g. ``data/masking-rules.example.yaml``): model and loader.

Shape (camelCase keys; docs/data-refresh.md has a worked example)::

    version: 1
    tables:
      public.customers:            # schema.table; every table of the database must be listed
        columns:                   # and every column of it classified, by one strategy
          id: keep
          email: hmacEmail         # <24 letters>@example.invalid, same input -> same output
          full_name: {strategy: fake, kind: name}
          birth_date: {strategy: dateShift, maxDays: 30}
          notes: "null"
    subset:
      roots:
        - {table: public.customers, fraction: 0.1}        # or where: "<SQL predicate>"
      full: [public.countries]    # lookup tables copied whole
      maxRows: 2000000            # the load fails above this many rows in total

Strategies (``strategy``):

- ``keep``: the value is copied unchanged (ids, amounts, statuses: whatever is not personal).
- ``null``: NULL (the column must be nullable and in no primary key).
- ``fixed``: the literal ``value`` (cast by PostgreSQL to the column type).
- ``hmac``: HMAC-SHA-256 of the value under the per-refresh key, written as ``length`` lowercase letters
  (text columns), a UUID (``uuid``) or a positive 63-bit integer (``bigint``). Deterministic within a
  refresh, so joins on masked keys still match; keyed, so it is not a dictionary-reversible plain hash.
  Letters only, so a masked value never looks like a phone, card or IBAN to the detectors.
- ``hmacEmail``: ``<hmac letters>@example.invalid`` (``.invalid`` is reserved by RFC 2606: never routable).
- ``fake``: a realistic value of the same ``kind`` (``FAKE_KINDS``) chosen by the keyed hash of the
  original, so equal originals get equal fakes within a refresh.
- ``dateShift``: the date or timestamp moved by a whole number of days in ``[-maxDays, maxDays]``
  (never 0), chosen per row by the keyed hash.

Errors: ``load_rules`` raises ``InputError`` with one line per problem
(``rules data/masking-rules.example.yaml: tables['public.users'].columns.email: ... (got ...)``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator

from blueprint.refresh.errors import DataModel, InputError, read_yaml, validation_problems

#: Kinds of fake value the ``fake`` strategy produces (``blueprint.refresh.fakes``).
FakeKind = Literal[
    "name",
    "firstName",
    "lastName",
    "phone",
    "address",
    "street",
    "city",
    "postcode",
    "company",
    "sentence",
]
FAKE_KINDS: tuple[str, ...] = get_args(FakeKind)


class Keep(DataModel):
    """Copy the value unchanged."""

    strategy: Literal["keep"]


class Null(DataModel):
    """Write NULL."""

    strategy: Literal["null"]


class Fixed(DataModel):
    """Write ``value`` (text that PostgreSQL casts to the column type, e.g. ``"redacted"`` or ``"0"``)."""

    strategy: Literal["fixed"]
    value: str


class Hmac(DataModel):
    """Keyed hash: ``length`` letters a-z for text columns (16-64, default 24: 112 bits)."""

    strategy: Literal["hmac"]
    length: int = Field(24, ge=16, le=64)


class HmacEmail(DataModel):
    """``<length letters>@example.invalid`` (``length`` 16-64, default 24)."""

    strategy: Literal["hmacEmail"]
    length: int = Field(24, ge=16, le=64)


class Fake(DataModel):
    """A fake value of ``kind`` (one of ``FAKE_KINDS``)."""

    strategy: Literal["fake"]
    kind: FakeKind


class DateShift(DataModel):
    """Shift a date/timestamp by 1..``maxDays`` days, either direction (``maxDays`` 1-3650)."""

    strategy: Literal["dateShift"]
    max_days: int = Field(ge=1, le=3650)


Strategy = Annotated[
    Keep | Null | Fixed | Hmac | HmacEmail | Fake | DateShift, Field(discriminator="strategy")
]

#: Strategies that can be written as a bare word (``email: hmacEmail``).
_SHORTHAND = ("keep", "null", "hmac", "hmacEmail")


def _expand(value: Any) -> Any:
    """``"keep"`` -> ``{"strategy": "keep"}``; YAML's bare ``null`` means the ``null`` strategy too."""
    if value is None:
        return {"strategy": "null"}
    if isinstance(value, str):
        if value not in _SHORTHAND:
            raise ValueError(
                f"write one of {', '.join(_SHORTHAND)} as a bare word, or a mapping "
                "{strategy: fake|fixed|dateShift, ...}"
            )
        return {"strategy": value}
    return value


#: A column's strategy as written in YAML: a mapping, or a bare word for the parameterless ones.
ColumnRule = Annotated[Strategy, BeforeValidator(_expand)]


_PART = r'"(?:[^"]|"")+"|[^".]+'
_QUALIFIED = re.compile(rf"({_PART})\.({_PART})")


def table_name(schema: str, table: str) -> str:
    """The canonical ``schema.table`` name of a table: each part as is, or double-quoted (SQL style,
    ``"`` doubled) when it holds a dot or a double quote, so every name has exactly one spelling."""

    def part(p: str) -> str:
        return '"' + p.replace('"', '""') + '"' if "." in p or '"' in p else p

    return f"{part(schema)}.{part(table)}"


def qualified(name: str) -> str:
    """Check a ``schema.table`` name and return its canonical spelling (``table_name``). Parts holding a
    dot or a double quote are written double-quoted (``'"odd.schema"."Tab""le"'``); mixed case and spaces
    need no quoting (names are taken literally, never case-folded)."""
    found = _QUALIFIED.fullmatch(name)
    if found is None:
        raise ValueError(
            'name tables as schema.table, e.g. public.users (quote a part with a dot: public."a.b")'
        )
    schema, table = (p[1:-1].replace('""', '"') if p.startswith('"') else p for p in found.groups())
    return table_name(schema, table)


class TableRules(DataModel):
    """The strategy of every column of one table (column name -> strategy)."""

    columns: dict[str, ColumnRule]


class Root(DataModel):
    """A subset root: the rows of ``table`` matching ``where`` (a SQL predicate on the source) or a random
    ``fraction`` of them (0 < fraction <= 1, Bernoulli sampling, repeatable within a refresh)."""

    table: str
    where: str | None = None
    fraction: float | None = Field(None, gt=0, le=1)

    @field_validator("table")
    @classmethod
    def _qualified(cls, value: str) -> str:
        return qualified(value)

    @model_validator(mode="after")
    def _one_selector(self) -> Root:
        if (self.where is None) == (self.fraction is None):
            raise ValueError("give exactly one of where (a SQL predicate) and fraction (0 < f <= 1)")
        return self


class Subset(DataModel):
    """Which rows are copied.

    Attributes:
        roots: tables whose rows are selected by a predicate or fraction.
        full: tables copied whole (small lookup tables).
        follow_children: also copy rows that reference kept rows of root tables (and, transitively, of the
            tables reached that way), e.g. a kept customer's orders (default True).
        owned: child tables whose rows belong to the parent they reference (a user's account, an order's
            lines): whenever a parent row is kept, for whatever reason (root, child, or only because a kept
            row references it), its rows in these tables are kept too. A child whose foreign key is also
            unique (1:1) is owned without being listed.
        max_rows: budget: the refresh fails when the subset (after the foreign-key closure) has more rows.

    Every row a kept row references is kept as well (the foreign-key closure), whatever the lists say.
    """

    roots: list[Root] = Field(default_factory=list)
    full: list[str] = Field(default_factory=list)
    follow_children: bool = True
    owned: list[str] = Field(default_factory=list)
    max_rows: int = Field(ge=1)

    @field_validator("full", "owned")
    @classmethod
    def _qualified(cls, value: list[str]) -> list[str]:
        return [qualified(t) for t in value]

    @model_validator(mode="after")
    def _something_selected(self) -> Subset:
        if not self.roots and not self.full:
            raise ValueError("name at least one root or full table, or the subset is empty")
        root_tables = [r.table for r in self.roots]
        if len(set(root_tables)) != len(root_tables) or set(root_tables) & set(self.full):
            raise ValueError("a table may be a root once, and not also be in full")
        return self


class Rules(DataModel):
    """The whole rules file. ``tables`` maps ``schema.table`` to its column strategies."""

    version: Literal[1]
    tables: dict[str, TableRules]
    subset: Subset

    @field_validator("tables")
    @classmethod
    def _qualified(cls, value: dict[str, TableRules]) -> dict[str, TableRules]:
        return {qualified(name): rules for name, rules in value.items()}

    @model_validator(mode="after")
    def _subset_tables_are_classified(self) -> Rules:
        named = [r.table for r in self.subset.roots] + list(self.subset.full) + list(self.subset.owned)
        unknown = sorted(t for t in named if t not in self.tables)
        if unknown:
            raise ValueError(f"subset names tables that have no rules: {', '.join(unknown)}")
        return self

    def strategy(self, table: str, column: str) -> Keep | Null | Fixed | Hmac | HmacEmail | Fake | DateShift:
        """The strategy of ``table``'s ``column``; ``KeyError`` if unclassified."""
        return self.tables[table].columns[column]


def parse_rules(data: Any, source: str = "rules") -> Rules:
    """Validate already-parsed YAML; ``InputError`` (one line per problem) if it is not a valid rules file."""
    try:
        return Rules.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(source, exc)) from None


def load_rules(path: Path) -> Rules:
    """Read and validate a rules file; ``InputError`` naming the file for a missing file, bad YAML or
    invalid rules."""
    source = f"rules {path}"
    return parse_rules(read_yaml(path, source), source)
