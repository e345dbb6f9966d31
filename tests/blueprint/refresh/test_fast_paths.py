"""The shortcuts that make the refresh fast keep its guarantees: prepared HMAC states give the same digests,
memoised maskers the same values, the guarded detector prefilter selects the same values as the full one,
and the columns the scan no longer reads cannot hold anything a detector matches."""

from __future__ import annotations

import hmac
import os
import random
import re

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blueprint.refresh.assertions import detect_all, engine_written, suspect_condition
from blueprint.refresh.catalog import Column
from blueprint.refresh.detectors import SQL_FICTIONAL, SQL_PREFILTER
from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.fakes import FakeValues
from blueprint.refresh.masking import column_masker, keyed, memoised
from blueprint.refresh.rules import FAKE_KINDS, Fake, Fixed, Hmac, HmacEmail, Keep, Rules
from tests.blueprint.refresh.conftest import TEST_KEY

TEXT = Column("c", "text", "text", "S", False, None, "", False, None, None)


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=200),
    label=st.binary(max_size=40),
    value=st.binary(max_size=300),
    algo=st.sampled_from(["sha256", "sha512"]),
)
def test_prepared_hmac_states_give_the_rfc_2104_digest(key, label, value, algo):
    assert keyed(key, label, algo)(value) == hmac.digest(key, label + value, algo)


def test_memoised_results_equal_the_function_and_the_cache_stays_bounded():
    calls = []

    def fn(value: bytes) -> bytes:
        calls.append(value)
        return value[::-1]

    cached = memoised(fn, unchanged=(b"\\N", b""), limit=4)
    values = [b"a1", b"b2", b"\\N", b"a1", b"c3", b"", b"d4", b"a1", b"e5", b"\\N"]
    expected = [v if v in (b"\\N", b"") else v[::-1] for v in values]
    assert [cached(v, ()) for v in values] == expected
    assert b"\\N" not in calls and b"" not in calls  # passed through, never computed
    assert calls.count(b"a1") == 2  # cached once, computed again after the cache was emptied
    assert len(calls) < len(values)


def test_every_fake_kind_writes_nothing_a_detector_matches():
    for key in (TEST_KEY, os.urandom(48)):
        fakes = FakeValues(key)
        pools = fakes.first + fakes.last + fakes.streets + fakes.cities + fakes.companies + fakes.words
        assert pools and not [v for v in pools if re.search(r"[0-9@&]", v)]
        for kind in FAKE_KINDS:
            mask = column_masker(
                key, Fake(strategy="fake", kind=kind), TEXT, table="t", key_fields=[], fakes=fakes
            )
            assert mask is not None
            found = {
                v: detect_all(v)
                for v in (mask(os.urandom(12).hex().encode(), []).decode() for _ in range(1500))
                if detect_all(v)
            }
            assert found == {}, kind


@settings(max_examples=100, deadline=None)
@given(value=st.binary(max_size=80), length=st.integers(16, 64), email=st.booleans())
def test_hashed_text_is_letters_and_the_reserved_domain_only(value, length, email):
    rule = HmacEmail(strategy="hmacEmail") if email else Hmac(strategy="hmac", length=length)
    mask = column_masker(TEST_KEY, rule, TEXT, table="t", key_fields=[], fakes=None)  # type: ignore[arg-type]
    assert mask is not None
    out = mask(value.replace(b"\\", b"").replace(b"\t", b"") or b"x", []).decode()
    assert re.fullmatch(r"[a-z]{16,64}(@example\.invalid)?", out)
    assert engine_written(rule, TEXT)


def test_only_columns_the_engine_wrote_from_a_safe_alphabet_go_unread():
    json_col = Column("j", "jsonb", "jsonb", "U", False, None, "", False, None, None)
    assert not engine_written(Keep(strategy="keep"), TEXT)
    assert not engine_written(Fixed(strategy="fixed", value="call +49 30 1234567"), TEXT)
    assert not engine_written(Fixed(strategy="fixed", value="a &#64; b"), TEXT)
    assert not engine_written(Fixed(strategy="fixed", value='{"a": "x\\u0040web.de"}'), json_col)
    assert engine_written(Fixed(strategy="fixed", value="redacted"), TEXT)


_FRAGMENTS = [
    "0", "1", "5", "7", "9", "12", "555", "01", "0199", "+1 ", "+44 ", "(", ")", "-", ".", " ", "  ", "@",
    "example.invalid", "example.invalidx", "web.de", "&#", "&", "#", "x", "ab", "7700 900 ", "201-555-01",
]  # fmt: skip


def test_the_guarded_prefilter_selects_exactly_what_the_full_prefilter_selects(dbs):
    rng = random.Random(20)
    values = ["".join(rng.choice(_FRAGMENTS) for _ in range(rng.randrange(1, 14))) for _ in range(6000)]
    fictional = "'" + SQL_FICTIONAL.replace("'", "''") + "'"
    prefilter = "'" + SQL_PREFILTER.replace("'", "''") + "'"
    full = f"(regexp_replace(v, {fictional}, ' ', 'g') ~ {prefilter})"
    with psycopg.connect(dbs.source) as conn:
        rows = conn.execute(
            f"SELECT v, {full}, {suspect_condition('v')} FROM unnest(%s::text[]) AS u(v)", (values,)
        ).fetchall()
    assert sum(1 for _, a, _ in rows if a) > 500  # the corpus exercises both outcomes
    assert [v for v, a, b in rows if a != b] == []


def test_the_guard_runs_before_the_regular_expression(dbs):
    # The planner reorders the operands of AND by cost; an unordered guard spares no regex evaluation.
    with psycopg.connect(dbs.source) as conn:
        conn.execute("CREATE TABLE scanned (v text)")
        plan = "\n".join(
            line
            for (line,) in conn.execute(
                f"EXPLAIN (VERBOSE, COSTS OFF) SELECT v FROM scanned WHERE {suspect_condition('v')}"
            ).fetchall()
        )
    condition = plan[plan.index("Filter:") :]
    assert condition.index("strpos") < condition.index("regexp_replace")


def test_a_fixed_value_that_holds_pii_is_still_scanned(dbs, sample, rules):
    data = rules.model_dump(by_alias=True)
    data["tables"]["public.customers"]["columns"]["notes"] = {
        "strategy": "fixed",
        "value": "mail anna@web.de",
    }
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, Rules.model_validate(data), TEST_KEY)
    assert any(
        r.startswith("public.customers.notes: ") and "email detector" in r for r in failed.value.reasons
    )


def test_a_not_valid_foreign_key_is_validated_and_in_place_in_the_target(dbs, sample, rules):
    with psycopg.connect(dbs.source) as conn:
        conn.execute("ALTER TABLE public.addresses DROP CONSTRAINT addresses_customer_id_fkey")
        conn.execute(
            "ALTER TABLE public.addresses ADD CONSTRAINT addresses_customer_id_fkey "
            "FOREIGN KEY (customer_id) REFERENCES public.customers NOT VALID"
        )
    mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    with psycopg.connect(dbs.target) as conn:
        found = conn.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 'addresses_customer_id_fkey'"
        ).fetchall()
    assert found == [(True,)]
