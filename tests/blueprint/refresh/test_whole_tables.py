"""Whole tables are selected without listing their rows, and the result is the row-by-row subset's.

``fraction: 1`` takes the shortcut (``Selection.complete``); ``where: "true"`` selects the same rows one
``ctid`` at a time. Both must keep exactly the same rows of every table, including a child whose foreign key
is nullable (its rows without a parent are not children of anything) and a child whose ``NOT VALID``
foreign key has an orphan (which no subset may keep: it could not load).
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import IsolationLevel

from blueprint.refresh.catalog import read_catalog
from blueprint.refresh.ddl import load_order
from blueprint.refresh.engine import mask_database
from blueprint.refresh.pg import session_settings
from blueprint.refresh.rules import Rules
from blueprint.refresh.subset import select_rows
from tests.blueprint.refresh.conftest import TEST_KEY

EXTRA = """
CREATE TABLE public.reviews (
    id serial PRIMARY KEY, customer_id bigint REFERENCES public.customers, stars integer NOT NULL);
INSERT INTO public.reviews (customer_id, stars)
    SELECT CASE WHEN i % 3 = 0 THEN NULL ELSE (SELECT min(id) FROM public.customers) + i % 50 END, i % 5
    FROM generate_series(1, 120) AS i;
CREATE TABLE public.refunds (id serial PRIMARY KEY, order_id bigint NOT NULL, cents integer NOT NULL);
INSERT INTO public.refunds (order_id, cents) SELECT id, 100 FROM public.orders ORDER BY id LIMIT 40;
INSERT INTO public.refunds (order_id, cents) VALUES (-1, 5);
ALTER TABLE public.refunds ADD CONSTRAINT refunds_order_fk
    FOREIGN KEY (order_id) REFERENCES public.orders NOT VALID;
"""


def _rules(rules: Rules, root: dict[str, object]) -> Rules:
    data = rules.model_dump(by_alias=True)
    data["tables"]["public.reviews"] = {"columns": {"id": "keep", "customer_id": "keep", "stars": "keep"}}
    data["tables"]["public.refunds"] = {"columns": {"id": "keep", "order_id": "keep", "cents": "keep"}}
    data["subset"]["roots"] = [{"table": "public.customers", **root}]
    return Rules.model_validate(data)


def _select(dsn: str, rules: Rules):
    with psycopg.connect(dsn) as conn:
        conn.isolation_level = IsolationLevel.REPEATABLE_READ
        session_settings(conn)
        catalog = read_catalog(conn)
        order, _ = load_order(catalog.tables, catalog.foreign_keys)
        return select_rows(conn, catalog, rules.subset, order, TEST_KEY)


def _content(dsn: str) -> dict[str, str]:
    with psycopg.connect(dsn) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {
            t: conn.execute(
                f"SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM public.{t} x"
            ).fetchone()[0]
            for t in tables
        }


@pytest.fixture
def extended(dbs, sample):
    with psycopg.connect(dbs.source) as conn:
        conn.execute(EXTRA)
    return dbs


def test_whole_tables_keep_exactly_the_rows_the_row_by_row_subset_keeps(extended, rules):
    whole, listed = _rules(rules, {"fraction": 1.0}), _rules(rules, {"where": "true"})
    shortcut, one_by_one = _select(extended.source, whole), _select(extended.source, listed)
    assert shortcut.counts == one_by_one.counts
    # The shortcut was taken where it holds, and only there.
    assert shortcut.complete == {
        "public.countries", "public.products", "public.customers", "public.addresses", "public.orders",
        "public.order_items",
    }  # fmt: skip
    assert one_by_one.complete == {"public.countries", "public.products"}
    # Reviews without a customer and the orphan refund are not children of any kept row.
    assert shortcut.counts["public.reviews"] == 80
    assert shortcut.counts["public.refunds"] == 40


def test_a_masked_whole_copy_equals_the_row_by_row_copy(extended, rules):
    second = extended.new()
    mask_database(extended.source, extended.target, _rules(rules, {"fraction": 1.0}), TEST_KEY)
    mask_database(extended.source, second, _rules(rules, {"where": "true"}), TEST_KEY)
    assert _content(extended.target) == _content(second)
