"""Rows the foreign-key closure pulls in bring the rows that belong to them (real PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest

from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.rules import Rules
from tests.blueprint.refresh.conftest import TEST_KEY

SHOP = """
CREATE TABLE public.users (id int PRIMARY KEY);
CREATE TABLE public.accounts (id int PRIMARY KEY, user_id int NOT NULL UNIQUE REFERENCES public.users);
CREATE TABLE public.addresses (id int PRIMARY KEY, user_id int NOT NULL REFERENCES public.users);
CREATE TABLE public.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES public.users);
INSERT INTO public.users SELECT g FROM generate_series(1, 200) g;
INSERT INTO public.accounts SELECT g, g FROM generate_series(1, 200) g;
INSERT INTO public.addresses SELECT g, 1 + g % 200 FROM generate_series(1, 400) g;
INSERT INTO public.orders SELECT g, g FROM generate_series(1, 40) g;
"""


def _rules(owned: list[str]) -> Rules:
    tables = {
        "public.users": {"columns": {"id": "keep"}},
        "public.accounts": {"columns": {"id": "keep", "user_id": "keep"}},
        "public.addresses": {"columns": {"id": "keep", "user_id": "keep"}},
        "public.orders": {"columns": {"id": "keep", "user_id": "keep"}},
    }
    subset = {"roots": [{"table": "public.orders", "where": "id <= 40"}], "owned": owned, "maxRows": 10_000}
    return Rules.model_validate({"version": 1, "tables": tables, "subset": subset})


@pytest.fixture
def shop(dbs):
    with psycopg.connect(dbs.source) as conn:
        conn.execute(SHOP)
    return dbs


def test_users_kept_by_the_closure_arrive_with_their_account_and_owned_addresses(shop):
    # Users are kept only because kept orders reference them: each still has its account (a 1:1 foreign
    # key) and its two addresses (declared owned), as every production user has.
    report = mask_database(shop.source, shop.target, _rules(["public.addresses"]), TEST_KEY)
    assert report.rows == {
        "public.users": 40,
        "public.accounts": 40,
        "public.addresses": 80,
        "public.orders": 40,
    }
    assert "children per parent" in report.checks
    with psycopg.connect(shop.target) as conn:
        lonely = conn.execute(
            "SELECT count(*) FROM public.users u WHERE NOT EXISTS "
            "(SELECT 1 FROM public.accounts a WHERE a.user_id = u.id)"
        ).fetchone()
    assert lonely == (0,)


def test_a_changed_children_per_parent_shape_fails_the_cardinality_assertion(shop):
    # A subset that lost the users' addresses (what the closure did before it followed owned children):
    # simulated by emptying the target's addresses just before the check, which must then fail.
    from blueprint.refresh import engine

    original = engine.cardinality_failures

    def without_addresses(dst, catalog, owned, source):
        dst.execute("DELETE FROM public.addresses")
        return original(dst, catalog, owned, source)

    engine.cardinality_failures = without_addresses
    try:
        with pytest.raises(RefreshError) as failed:
            mask_database(shop.source, shop.target, _rules(["public.addresses"]), TEST_KEY)
    finally:
        engine.cardinality_failures = original
    assert any(
        r.startswith("public.users -> public.addresses: children per parent differ from the source by 1.00")
        for r in failed.value.reasons
    ), failed.value.reasons
