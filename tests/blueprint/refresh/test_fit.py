"""Rules that cannot fit are refused before anything is copied; odd identifiers work everywhere (real
PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest

from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.rules import Rules
from tests.blueprint.refresh.conftest import TEST_KEY

ODD = r"""
CREATE SCHEMA "Odd.Schema";
CREATE TABLE "Odd.Schema"."Mixed ""Quoted"" Table" (
    "Email.Address" text PRIMARY KEY,
    "Phone" varchar(12) CHECK ("Phone" ~ '^\+49'),
    nick varchar(10),
    "Code" text CHECK ("Code" ~ '^[A-Z]{3}$'),
    doc jsonb
);
CREATE TABLE "Odd.Schema".child (
    id int PRIMARY KEY,
    "Owner" text NOT NULL REFERENCES "Odd.Schema"."Mixed ""Quoted"" Table"
);
INSERT INTO "Odd.Schema"."Mixed ""Quoted"" Table" VALUES
    ('anna@web.de', '+49301234567', 'anna', 'ABC', '{"a": 1}'),
    ('jonas@gmx.net', '+49301234568', 'jo', 'XYZ', null);
INSERT INTO "Odd.Schema".child VALUES (1, 'anna@web.de'), (2, 'jonas@gmx.net');
"""
PARENT = '"Odd.Schema"."Mixed ""Quoted"" Table"'
CHILD = '"Odd.Schema".child'


def _rules(**parent: object) -> Rules:
    columns = {"Email.Address": "hmacEmail", "Phone": "null", "nick": "null", "Code": "keep", "doc": "keep"}
    return Rules.model_validate(
        {
            "version": 1,
            "tables": {
                PARENT: {"columns": {**columns, **parent}},
                CHILD: {"columns": {"id": "keep", "Owner": "hmacEmail"}},
            },
            "subset": {"roots": [{"table": CHILD, "fraction": 1.0}], "maxRows": 100},
        }
    )


@pytest.fixture
def odd(dbs):
    with psycopg.connect(dbs.source) as conn:
        conn.execute(ODD)
    return dbs


def test_rules_whose_values_cannot_fit_are_refused_before_anything_is_copied(odd):
    bad = _rules(
        Phone={"strategy": "fake", "kind": "phone"},  # "+1 201-555-0123": too long, and not +49
        nick={"strategy": "fake", "kind": "name"},  # longer than varchar(10)
        Code={"strategy": "fake", "kind": "city"},  # violates CHECK ("Code" ~ '^[A-Z]{3}$')
        doc="hmac",  # letters are not JSON
    )
    with pytest.raises(RefreshError) as failed:
        mask_database(odd.source, odd.target, bad, TEST_KEY)
    reasons = "\n".join(failed.value.reasons)
    assert f"{PARENT}.doc: hmac needs a text, uuid or bigint column, not jsonb" in reasons
    assert (
        f"{PARENT}.Phone: fake values reach 15 characters but the column is character varying(12)" in reasons
    )
    assert f"{PARENT}.nick: fake values reach" in reasons
    assert f"{PARENT}.Code: " in reasons and "violate CHECK constraint" in reasons
    with psycopg.connect(odd.target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'Odd.Schema'").fetchone() == (
            0,
        )


def test_identifiers_with_dots_quotes_and_mixed_case_work_everywhere(odd):
    report = mask_database(odd.source, odd.target, _rules(), TEST_KEY)
    assert report.rows == {PARENT: 2, CHILD: 2}
    with psycopg.connect(odd.target) as conn:
        joined = conn.execute(
            f'SELECT count(*) FROM {CHILD} c JOIN {PARENT} p ON p."Email.Address" = c."Owner" '
            "WHERE c.\"Owner\" LIKE '%@example.invalid'"
        ).fetchone()
    assert joined == (2,)
