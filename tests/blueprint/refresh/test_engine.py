"""The masking engine against a real PostgreSQL: a generated PII-like source, masked into a target."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from blueprint.refresh.detectors import detect
from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.rules import Rules
from tests.blueprint.refresh.conftest import TEST_KEY

PII_COLUMNS = {
    "customers": ("email", "full_name", "phone", "iban", "notes"),
    "orders": ("customer_email", "card_number"),
    "addresses": ("line1",),
}


def rows(dsn: str, query: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchall()


def text_values(dsn: str) -> list[str]:
    """Every non-null value of every text-like column of every table in ``public``."""
    columns = rows(
        dsn,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND data_type IN ('text', 'character varying', 'character') AND table_name IN "
        "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')",
    )
    values = []
    for table, column in columns:
        values += [
            v for (v,) in rows(dsn, f'SELECT "{column}" FROM public.{table} WHERE "{column}" IS NOT NULL')
        ]
    return values


def with_rules(rules: Rules, table: str, **columns: object) -> Rules:
    data = rules.model_dump(by_alias=True)
    data["tables"][table]["columns"].update(columns)
    return Rules.model_validate(data)


@pytest.fixture
def masked(dbs, sample, rules):
    return mask_database(dbs.source, dbs.target, rules, TEST_KEY)


def test_no_original_pii_value_and_no_detector_match_remains(dbs, masked):
    originals = set()
    for table, cols in PII_COLUMNS.items():
        for col in cols:
            originals |= {
                v for (v,) in rows(dbs.source, f"SELECT {col} FROM public.{table} WHERE {col} IS NOT NULL")
            }
    originals -= {"Berlin"}  # addresses.city is faked, but a fake city can be any city
    values = text_values(dbs.target)
    assert values, "the target holds no text at all"
    assert originals.isdisjoint(values)
    assert [v for v in values if detect(v)] == []
    # The source really had PII for the detectors to find.
    assert sum(1 for v in text_values(dbs.source) if detect(v)) > 300


def test_every_foreign_key_holds_and_is_in_place(dbs, masked):
    fk_count = (
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
    )
    assert rows(dbs.target, fk_count) == rows(dbs.source, fk_count) == [(8,)]
    orphans = rows(
        dbs.target,
        "SELECT (SELECT count(*) FROM public.orders o LEFT JOIN public.customers c ON c.id = o.customer_id "
        "WHERE c.id IS NULL) + (SELECT count(*) FROM public.customers c LEFT JOIN public.customers r "
        "ON r.id = c.referred_by WHERE c.referred_by IS NOT NULL AND r.id IS NULL) + (SELECT count(*) "
        "FROM public.customers c LEFT JOIN public.orders o ON o.id = c.last_order_id "
        "WHERE c.last_order_id IS NOT NULL AND o.id IS NULL)",
    )
    assert orphans == [(0,)]


def test_joins_on_masked_keys_still_match(dbs, masked):
    (orders,) = rows(dbs.target, "SELECT count(*) FROM public.orders")[0]
    (joined,) = rows(
        dbs.target,
        "SELECT count(*) FROM public.orders o JOIN public.customers c "
        "ON c.email = o.customer_email AND c.id = o.customer_id",
    )[0]
    assert orders > 20 and joined == orders
    emails = [e for (e,) in rows(dbs.target, "SELECT email FROM public.customers")]
    assert all(e.endswith("@example.invalid") and e.split("@")[0].isalpha() for e in emails)


def test_subset_follows_roots_children_self_references_and_cycles(dbs, sample, masked):
    kept = masked.rows
    assert 0.15 * sample["public.customers"] < kept["public.customers"] < 0.5 * sample["public.customers"]
    assert kept["public.countries"] == 5 and kept["public.products"] == 200  # full tables
    assert kept["public.orders"] > 0 and kept["public.order_items"] > 0  # children of kept customers
    referred = rows(dbs.target, "SELECT count(*) FROM public.customers WHERE referred_by IS NOT NULL")[0][0]
    assert referred > 0  # self-references kept, with their referrers (the FK holds, see above)
    cycle = rows(dbs.target, "SELECT count(*) FROM public.customers WHERE last_order_id IS NOT NULL")[0][0]
    assert cycle > 0
    assert rows(
        dbs.target, "SELECT convalidated FROM pg_constraint WHERE conname = 'customers_last_order_fk'"
    ) == [(True,)]


def test_dates_shift_within_the_window_and_sequences_continue(dbs, masked):
    source = dict(rows(dbs.source, "SELECT id, birth_date FROM public.customers"))
    shifts = [
        (born - source[i]).days for i, born in rows(dbs.target, "SELECT id, birth_date FROM public.customers")
    ]
    assert all(1 <= abs(s) <= 60 for s in shifts) and len(set(shifts)) > 10
    (next_id,) = rows(dbs.target, "SELECT nextval('public.orders_id_seq')")[0]
    assert next_id > max(source) and next_id > rows(dbs.source, "SELECT max(id) FROM public.orders")[0][0]
    assert isinstance(next(iter(source.values())), date)


def test_masking_is_deterministic_per_key_and_differs_between_keys(dbs, sample, rules, masked):
    again, other = dbs.new(), dbs.new()
    mask_database(dbs.source, again, rules, TEST_KEY)
    mask_database(dbs.source, other, rules, b"another-refresh-key-0123456789abcdef")
    query = "SELECT id, email, full_name FROM public.customers ORDER BY id"
    assert rows(dbs.target, query) == rows(again, query)
    assert {e for _, e, _ in rows(dbs.target, query)}.isdisjoint(e for _, e, _ in rows(other, query))


def test_an_unclassified_column_fails_the_refresh_naming_table_and_column(dbs, sample, rules):
    with psycopg.connect(dbs.source) as conn:
        conn.execute("ALTER TABLE public.customers ADD COLUMN middle_name text")
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    assert failed.value.step == "mask"
    assert any(
        r.startswith("public.customers.middle_name: column not classified") for r in failed.value.reasons
    )
    assert rows(dbs.target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


@pytest.mark.parametrize(
    "override",
    [{"email": {"strategy": "keep"}}, {"notes": {"strategy": "fixed", "value": "ops@company.example.de"}}],
    ids=["email-kept", "fixed-email"],
)
def test_a_rule_that_leaves_an_email_unmasked_is_caught_and_nothing_is_committed(
    dbs, sample, rules, override
):
    bad = with_rules(rules, "public.customers", **override)
    if "email" in override:  # keep both sides of the foreign key consistent, as the rules demand
        bad = with_rules(bad, "public.orders", customer_email={"strategy": "keep"})
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, bad, TEST_KEY)
    column = "email" if "email" in override else "notes"
    assert any(
        r.startswith(f"public.customers.{column}: ") and "email detector" in r for r in failed.value.reasons
    )
    assert "@" not in " ".join(failed.value.reasons)  # counts, never values
    assert rows(dbs.target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_rules_that_break_joins_or_do_not_fit_the_schema_are_refused(dbs, sample, rules):
    bad = with_rules(
        rules,
        "public.orders",
        customer_email={"strategy": "hmac"},
        card_number={"strategy": "fake", "kind": "city"},
    )
    bad = with_rules(
        bad, "public.customers", country_code={"strategy": "null"}, created_at={"strategy": "hmac"}
    )
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, bad, TEST_KEY)
    text = "\n".join(failed.value.reasons)
    assert "public.orders.customer_email: references public.customers.email" in text
    assert "public.customers.country_code: null on a NOT NULL" in text
    assert "public.customers.created_at: hmac needs a text, uuid or bigint column" in text


def test_an_orphan_in_the_source_fails_the_load_without_showing_values(dbs, rules):
    with psycopg.connect(dbs.source) as conn:
        conn.execute("CREATE TABLE public.parents (id int PRIMARY KEY)")
        conn.execute("CREATE TABLE public.kids (id int PRIMARY KEY, parent_id int)")
        conn.execute("INSERT INTO public.kids VALUES (1, 42)")
        conn.execute(
            "ALTER TABLE public.kids ADD FOREIGN KEY (parent_id) REFERENCES public.parents NOT VALID"
        )
    data = {
        "version": 1,
        "tables": {
            "public.parents": {"columns": {"id": "keep"}},
            "public.kids": {"columns": {"id": "keep", "parent_id": "keep"}},
        },
        "subset": {"full": ["public.kids"], "maxRows": 100},
    }
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, Rules.model_validate(data), TEST_KEY)
    assert failed.value.reasons == [
        "public.kids: ForeignKeyViolation on kids_parent_id_fkey (values not shown)"
    ]


def test_a_subset_over_budget_and_a_short_key_are_refused(dbs, sample, rules):
    small = Rules.model_validate(
        {
            **rules.model_dump(by_alias=True),
            "subset": {**rules.subset.model_dump(by_alias=True), "maxRows": 50},
        }
    )
    with pytest.raises(RefreshError, match=r"over subset\.maxRows=50"):
        mask_database(dbs.source, dbs.target, small, TEST_KEY)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        mask_database(dbs.source, dbs.target, rules, b"short")


def test_a_non_empty_target_needs_reset(dbs, sample, rules, masked):
    with pytest.raises(RefreshError, match="already has tables"):
        mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    again = mask_database(dbs.source, dbs.target, rules, TEST_KEY, reset=True)
    assert again.rows == masked.rows
